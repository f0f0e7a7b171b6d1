"""Say it as you remember it: the filters a query says in words ("pdfs from 2021 about
taxes", "fotografias do casamento em junho de 2022", "E-Mails von Pedro") taken out of it.

``understand(text, today=..., folders=...)`` -> ``Understood``: what is left to search for
and typed filters (kinds, a date range, a sender or recipient, a folder), each kept as a
``Piece`` of the query so the window can show it as a chip and drop it again. English,
Portuguese (Portugal and Brazil), Spanish, French and German. Precision before recall:
when a phrase could be a topic ("a photo editing tutorial", "the autumn leaves song",
"who won the world cup in 2018") it stays words; quoted words are never read.

The parse is cached and costs tens of microseconds (benchmarks/understand.py).
"""
from __future__ import annotations

from typing import Any, Iterable

import re
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from functools import lru_cache

from desktop_search.core.search import understand_words as W
from desktop_search.core.extract.mail import MAIL_KIND
from desktop_search.core.search.understand_dates import B, E, Problem, find_dates

__all__ = ["Field", "Piece", "Problem", "Understood", "understand"]

_QUOTES = re.compile(r'"[^"]*"?|“[^”]*”?|«[^»]*»?|„[^“”]*[“”]?')
_TOKEN = re.compile(r"[^\s\x00]+")
_MASK = "\x00"


class Field(Enum):
    """What a piece of the query says."""

    KIND = "kind"
    DATE = "date"
    SENDER = "sender"
    RECIPIENT = "recipient"
    FOLDER = "folder"


@dataclass(frozen=True, slots=True)
class Piece:
    """Words of the query read as a filter: ``text[start:end]`` and what it means."""

    field: Field
    start: int
    end: int
    kinds: tuple[str, ...] = ()
    after: date | None = None
    before: date | None = None
    name: str | None = None          # the sender, recipient or folder as typed


@dataclass(frozen=True, slots=True)
class Understood:
    """A query read: ``query`` is what is left to search for."""

    text: str
    query: str
    pieces: tuple[Piece, ...] = ()
    problems: tuple[tuple[Problem, str], ...] = ()     # (why, the words) not read as a date

    def _named(self, field: Field) -> str | None:
        return next((p.name for p in self.pieces if p.field is field), None)

    @property
    def kinds(self) -> tuple[str, ...]:
        out: list[str] = []
        for p in self.pieces:
            out += [k for k in p.kinds if k not in out]
        return tuple(out)

    @property
    def after(self) -> date | None:
        return max((p.after for p in self.pieces if p.after), default=None)

    @property
    def before(self) -> date | None:
        return min((p.before for p in self.pieces if p.before), default=None)

    sender = property(lambda self: self._named(Field.SENDER))
    recipient = property(lambda self: self._named(Field.RECIPIENT))
    folder = property(lambda self: self._named(Field.FOLDER))

    @property
    def filtered(self) -> bool:
        return bool(self.pieces)

    def words(self, piece: Piece) -> str:
        return self.text[piece.start:piece.end]

    def without(self, piece: Piece) -> Understood:
        """The same query with ``piece`` read as words again (a chip removed)."""
        pieces = tuple(p for p in self.pieces if p != piece)
        return replace(self, pieces=pieces, query=_leftover(self.text, pieces))

    def literal(self) -> Understood:
        """Nothing read: every word searched."""
        return Understood(self.text, self.text)

    def to_json(self) -> dict[str, Any]:
        def iso(d: date | None) -> str | None:
            return (d.isoformat() if d else None)
        out: dict[str, Any] = {"query": self.query,
               "filters": {"kinds": list(self.kinds), "after": iso(self.after),
                           "before": iso(self.before), "sender": self.sender,
                           "folder": self.folder}}
        if self.recipient:
            out["filters"]["recipient"] = self.recipient
        return out


def warm() -> None:
    """Compile every language's patterns (~50 ms, once): the window does it on a thread
    at start, so the first keystroke does not pay it."""
    from desktop_search.core.search.understand_dates import patterns
    for lang in W.LANGS:
        patterns(lang)
    _kind_patterns()
    _folder_patterns()


def understand(text: str, *, today: date | None = None, folders: Iterable[str] = (), literal: bool = False
               ) -> Understood:
    """Read the filters in ``text``. ``today`` anchors relative dates; ``folders`` are the
    names of folders the index knows ("in Downloads" needs one; "na pasta X" does not)."""
    text = " ".join(text.split())
    if literal or not text:
        return Understood(text, text)
    return _understand(text, today or date.today(),
                       frozenset(f.lower() for f in folders))


@lru_cache(maxsize=512)
def _understand(text: str, today: date, folders: frozenset[str]) -> Understood:
    low = _lower(text)
    for m in _QUOTES.finditer(low):
        low = low[:m.start()] + _MASK * (m.end() - m.start()) + low[m.end():]
    words = {t.strip(",.;:!?") for t in _TOKEN.findall(low)}
    head = low.lstrip("¿¡").split(" ", 2)
    question = head[0] in W.QUESTION or " ".join(head[:2]) in W.QUESTION_PAIRS
    pieces: list[Piece] = []
    problems: list[tuple[Problem, str]] = []
    dates = find_dates(low, today=today, french=bool(words & W.FRENCH_MARKERS) or "d'" in low)
    for d in dates:
        if d.problem is not None:
            problems.append((d.problem, text[d.start:d.end]))
    found = [d for d in dates if d.problem is None and (d.after or d.before)]
    pieces += _folders(low, text, folders, found)
    pieces += _kinds(low, question, [*pieces, *(Piece(Field.DATE, d.start, d.end) for d in found)])
    for d in found:
        if d.weak and not any(p.field is Field.KIND and _between_blank(low, p.end, d.start)
                              for p in pieces):
            continue             # "o acidente de 1999": words
        if question and d.absolute and not any(p.field is Field.KIND for p in pieces):
            continue             # "who won the world cup in 2018": words
        pieces.append(Piece(Field.DATE, d.start, d.end, after=d.after, before=d.before))
    if any(MAIL_KIND in p.kinds for p in pieces):
        pieces += _people(low, text, pieces)
    pieces.sort(key=lambda p: p.start)
    return Understood(text, _leftover(text, tuple(pieces)), tuple(pieces), tuple(problems))


def _lower(text: str) -> str:
    """Lowercase with the same length (offsets stay the text's), one apostrophe."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return low.replace("’", "'")


def _between_blank(low: str, a: int, b: int) -> bool:
    return a <= b and not low[a:b].strip()


def _free(pieces: list[Piece], start: int, end: int) -> bool:
    return all(end <= p.start or start >= p.end for p in pieces)


def _kinds(low: str, question: bool, taken: list[Piece]) -> list[Piece]:
    """Kind words where they name what is looked for: at the head of the query (after
    "show me the", "os meus") and followed by the end, another filter or a linking word
    ("photos of the beach", "planilha de gastos"), or a file type by name at the end of
    a statement ("the tax return pdf from 2019"). "a photo editing tutorial": words."""
    out: list[Piece] = []
    for pattern, kinds in _kind_patterns():
        for m in pattern.finditer(low):
            if not _free([*taken, *out], m.start(), m.end()):
                continue
            nxt = _next_token(low, m.end(), [*taken, *out])
            if nxt is not None and nxt not in W.AFTER_KIND and not (
                    MAIL_KIND in kinds and nxt in W.RECIPIENT_WORDS):
                continue
            head = _head_start(low, m.start(), [*taken, *out])
            if head is None and (question or m.group(0) not in W.STRONG_KINDS):
                continue
            out.append(Piece(Field.KIND, m.start() if head is None else head, m.end(),
                             kinds=kinds))
    return out


@lru_cache(maxsize=1)
def _kind_patterns() -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
    return [(re.compile(rf"{B}(?:{p}){E}"), kinds) for p, kinds in W.KIND_WORDS.items()]


def _next_token(low: str, end: int, pieces: list[Piece]) -> str | None:
    """The word after ``end``; None at the end of the query or where a filter starts."""
    m = _TOKEN.search(low, end)
    if m is None or any(p.start == m.start() for p in pieces):
        return None
    return m.group(0).strip(",.;:!?")


def _head_start(low: str, start: int, pieces: list[Piece]) -> int | None:
    """Where the query's head begins if only lead words ("show me all the") or another
    filter come before ``start``; None when a topic word does."""
    head = start
    for m in reversed(list(_TOKEN.finditer(low, 0, start))):
        if any(p.end == m.end() for p in pieces):
            return head
        if m.group(0) not in W.LEAD:
            return None
        head = m.start()
    return head


def _name_after(low: str, text: str, end: int, pieces: list[Piece],
                stop: frozenset[str] = frozenset()) -> tuple[str, int] | None:
    """The name that follows a preposition (up to three words, up to a linking word, a
    word of ``stop`` or a filter), without its article, as typed; and where it ends."""
    words: list[tuple[int, int]] = []
    for m in _TOKEN.finditer(low, end):
        if len(words) == 3 or not _free(pieces, m.start(), m.end()) \
                or m.group(0) in W.EDGE or low[end:m.start()].strip() \
                or (words and m.group(0) in stop):
            break
        words.append((m.start(), m.end()))
        end = m.end()
    while words and low[words[0][0]:words[0][1]] in W.ARTICLES:
        words.pop(0)
    if not words:
        return None
    return text[words[0][0]:words[-1][1]].strip(",.;:!?"), words[-1][1]


def _people(low: str, text: str, pieces: list[Piece]) -> list[Piece]:
    """"from Pedro", "do Pedro", "von der Bank" -> sender; "to Ana", "para a Ana" ->
    recipient: only in a query that names mail."""
    out: list[Piece] = []
    for field, preps in ((Field.SENDER, W.SENDER_PREPS), (Field.RECIPIENT, W.RECIPIENT_PREPS)):
        for m in re.finditer(rf"{B}(?:{preps}) ", low):
            taken = [*pieces, *out]
            if not _free(taken, m.start(), m.end()) or any(p.field is field for p in out):
                continue
            # a sender's name ends where a recipient begins ("von Pedro an Ana")
            stop = W.RECIPIENT_WORDS if field is Field.SENDER else frozenset()
            found = _name_after(low, text, m.end(), taken, stop)
            if found:
                out.append(Piece(field, m.start(), found[1], name=found[0]))
    return out


@lru_cache(maxsize=1)
def _folder_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    arts = r"(?:(?:the|my|a|o|la|le|der|dem|den|meinem|mes|mis|meus|minha) )?"
    return (re.compile(rf"{B}(?:{W.FOLDER_PREPS}) {arts}(?:{W.FOLDER_WORDS}) (?P<name>[^\s\x00]+)"),
            re.compile(rf"{B}(?:in|inside) {arts}(?P<name>[^\s\x00]+) (?:folder|directory){E}"),
            re.compile(rf"{B}(?:{W.FOLDER_PREPS}) {arts}(?P<name>[^\s\x00]+)"))


def _folders(low: str, text: str, known: frozenset[str], dates: Any) -> list[Piece]:
    """"na pasta Documentos", "in the Work folder": any name; "in Downloads": a folder
    the index knows."""
    explicit, suffix, bare = _folder_patterns()
    taken = [Piece(Field.DATE, d.start, d.end) for d in dates]
    for i, rx in enumerate((explicit, suffix, bare)):
        for m in rx.finditer(low):
            name = text[m.start("name"):m.end("name")].strip(",.;:!?")
            if (i == 2 and name.lower() not in known) or not _free(taken, m.start(), m.end()):
                continue
            return [Piece(Field.FOLDER, m.start(), m.end(), name=name)]
    return []


def _leftover(text: str, pieces: tuple[Piece, ...]) -> str:
    """The query without its pieces and the linking words they leave at its edges."""
    if not pieces:
        return text
    kept, at = [], 0
    for p in sorted(pieces, key=lambda p: p.start):
        kept.append(text[at:p.start])
        at = p.end
    kept.append(text[at:])
    words = " ".join(" ".join(kept).split()).split(" ")
    def clean(w: str) -> str:
        return (_lower(w).strip(",.;:!?"))
    while words and (clean(words[0]) in W.EDGE or not clean(words[0])):
        words.pop(0)
    while words and (clean(words[-1]) in W.EDGE or not clean(words[-1])):
        words.pop()
    return " ".join(words)
