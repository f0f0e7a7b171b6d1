"""Date phrases in five languages -> date ranges (after inclusive, before exclusive).

Each language gets a handful of compiled patterns (relative days, this/last week, month,
year, "N weeks ago", last/this season, day-month-year, month-year, a month or a year after
a preposition); every match becomes a ``DateFind`` and the longest ones that do not overlap
win. A phrase that names no real day ("31 de fevereiro", "in 3020") is found too, so its
words are not re-read as a smaller date, and it carries the reason it is not a filter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from functools import lru_cache
from typing import Any, Iterable

from desktop_search.core.search import understand_words as W

B, E = r"(?<![\w'\-])", r"(?![\w\-])"      # word edges: "E-Mail-Etikette" is one word


class Problem(Enum):
    """Why words that look like a date are searched as words."""

    NO_SUCH_DAY = "no_such_day"      # "31 de fevereiro"
    FAR_YEAR = "far_year"            # "in 3020"


@dataclass(frozen=True, slots=True)
class DateFind:
    start: int
    end: int
    after: date | None
    before: date | None
    absolute: bool                   # a calendar date, not one counted from today
    weak: bool                       # "de 2021": only right after a kind
    problem: Problem | None = None


def _month_start(y: int, m: int) -> date:
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return date(y, m, 1)


def unit_range(unit: str, back: int, today: date) -> tuple[date, date]:
    """The whole day, week (Monday first), month or year ``back`` units before today's."""
    if unit == "day":
        d = today - timedelta(days=back)
        return d, d + timedelta(days=1)
    if unit == "week":
        monday = today - timedelta(days=today.weekday() + 7 * back)
        return monday, monday + timedelta(days=7)
    if unit == "month":
        start = _month_start(today.year, today.month - back)
        return start, _month_start(start.year, start.month + 1)
    return date(today.year - back, 1, 1), date(today.year - back + 1, 1, 1)


def season_range(season: int, last: bool, today: date) -> tuple[date, date]:
    """Meteorological seasons (spring from March): "last" is the one before the current
    season began; "this" is this year's (winter: the one holding this January)."""
    first_month = (3, 6, 9, 12)[season]
    if not last:
        start = date(today.year - (1 if first_month == 12 else 0), first_month, 1)
        return start, _month_start(start.year, start.month + 3)
    current = _month_start(today.year, today.month - today.month % 3)  # Dec, Mar, Jun, Sep
    start = date(current.year, first_month, 1)
    while start >= current:
        start = date(start.year - 1, first_month, 1)
    return start, _month_start(start.year, start.month + 3)


def _month_index(lang: str, word: str) -> int:
    for i, names in enumerate(W.MONTHS[lang]):
        if word in names.split("|"):
            return i + 1
    raise KeyError(word)


def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


class _Patterns:
    """One language's compiled date patterns: (name, regex, needs a preposition)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        prep = _alt(re.escape(p) for p in W.PREPS[lang])
        pre = rf"{B}(?:(?P<prep>{prep})(?:\s+|(?<=')))?"
        months = _alt(n for names in W.MONTHS[lang] for n in names.split("|"))
        nums = _alt([r"\d{1,3}", *map(re.escape, W.NUMBERS[lang])])
        units = _alt(W.UNITS[lang])
        seasons = _alt(W.SEASONS[lang])
        ago_b, ago_a = W.AGO[lang]
        last_b, last_a, this_b = W.SEASON_WORDS[lang]
        art = W.SEASON_ARTICLE[lang]
        day = r"(?P<d>\d{1,2})(?:\.|º|st|nd|rd|th|er)?"
        core = {
            "ago": rf"{ago_b}(?P<n>{nums}) (?P<unit>{units}){ago_a}",
            "last_season": rf"{art}{last_b}(?P<s>{seasons}){last_a}",
            "this_season": rf"{this_b}(?P<s>{seasons})",
            "dmy": rf"{day}(?: de)? (?P<m>{months})(?:,?(?: de| del)? (?P<y>\d{{4}}))?",
            "my": rf"(?P<m>{months})(?: de| del)? (?P<y>\d{{4}})",
            "iso": r"(?P<y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)",
            "month": rf"(?P<m>{months})",
            "year": r"(?P<y>\d{4})",
        }
        if lang == "en":
            core["mdy"] = rf"(?P<m>{months}) {day}(?:,? (?P<y>\d{{4}}))?"
        self.items: list[tuple[str, re.Pattern[str], tuple[str, int] | None]] = [
            (name, re.compile(rf"{pre}(?P<core>{body}){E}"), None) for name, body in core.items()]
        for i, (body, meaning) in enumerate(W.RELATIVE[lang].items()):
            self.items.append((f"rel{i}", re.compile(rf"{pre}(?P<core>{body}){E}"), meaning))


@lru_cache(maxsize=None)
def patterns(lang: str) -> _Patterns:
    return _Patterns(lang)


def _number(lang: str, word: str) -> int:
    return int(word) if word.isdigit() else W.NUMBERS[lang][word]


def _unit_of(lang: str, word: str) -> str:
    return W.UNITS[lang][word]


def _core_range(name: str, m: re.Match[str], lang: str, meaning: Any, today: date) -> Any:
    """(start, end, absolute, problem) of a matched phrase, before its preposition."""
    g = m.groupdict()
    if meaning is not None:
        unit, back = meaning
        unit = unit or _unit_of(lang, g["u"])
        return (*unit_range(unit, back, today), False, None)
    if name == "ago":
        return (*unit_range(_unit_of(lang, g["unit"]), _number(lang, g["n"]), today), False, None)
    if name in ("last_season", "this_season"):
        return (*season_range(W.SEASONS[lang][g["s"]], name == "last_season", today),
                False, None)
    year = int(g["y"]) if g.get("y") else None
    if year is not None and not 1900 <= year <= today.year + 1:
        return None, None, True, Problem.FAR_YEAR if year > today.year else None
    if name == "year" and year is not None:
        return date(year, 1, 1), date(year + 1, 1, 1), True, None
    month = int(g["mo"]) if g.get("mo") else _month_index(lang, g["m"])
    if year is None:        # a month without a year: the last one up to this month
        year = today.year if month <= today.month else today.year - 1
    if g.get("d") is None:
        start = date(year, month, 1)
        return start, _month_start(year, month + 1), True, None
    try:
        start = date(year, month, int(g["d"]))
    except ValueError:
        return None, None, True, Problem.NO_SUCH_DAY
    return start, start + timedelta(days=1), True, None


def _bound(mode: str, start: date, end: date) -> tuple[date | None, date | None]:
    return {"in": (start, end), "weak": (start, end), "since": (start, None),
            "after": (end, None), "before": (None, start), "until": (None, end)}[mode]


def find_dates(low: str, *, today: date, french: bool) -> list[DateFind]:
    """Every date phrase in ``low`` (the lowercased query), longest first, none overlapping.
    ``french``: the query has French words, so "hier" is yesterday (German: "here")."""
    found: list[tuple[int, int, DateFind]] = []
    for lang in W.LANGS:
        for name, rx, meaning in patterns(lang).items:
            for m in rx.finditer(low):
                prep = m.group("prep")
                if prep is None and name in ("month", "year"):
                    continue            # "may the force", "the 2018 report": words
                if lang == "fr" and m.group("core") == "hier" and not (prep or french):
                    continue
                start, end, absolute, problem = _core_range(name, m, lang, meaning, today)
                mode = W.PREPS[lang].get(prep, "in") if prep else "in"
                after, before = _bound(mode, start, end) if start else (None, None)
                found.append((m.start(), m.end(), DateFind(
                    m.start(), m.end(), after, before, absolute,
                    weak=absolute and mode == "weak", problem=problem)))
    chosen: list[DateFind] = []
    for s, e, f in sorted(found, key=lambda t: (t[0] - t[1], t[0])):
        if all(e <= c.start or s >= c.end for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)
