"""What, besides the model's cosine, tells the sentence that answers: the question's words
it holds (the rare ones count more), its place, and whether it holds what the question asks
for ("when/quando" -> a date, "how many/quantos" -> a number, "who/quem" -> a name), in
English, Portuguese, Spanish, French and German. Cheap: no model, a few regexes a sentence.

The weights (``Weights``) were chosen on half of the articles of a SQuAD-style set and
checked on the other half (benchmarks/answer_squad.py); they ship as these numbers.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Sequence

from desktop_search.core.analyze import Matcher


class Wants(Enum):
    """What a question asks for."""

    DATE = "date"
    NUMBER = "number"
    NAME = "name"
    PLACE = "place"
    OTHER = "other"


_WANTS: list[tuple[Wants, re.Pattern[str]]] = [
    (Wants.DATE, re.compile(
        r"\b(when|what year|which year|what date|century|decade|"
        r"quando|ano|data|século|década|cuándo|año|fecha|siglo|"
        r"quand|année|siècle|wann|jahr|datum|jahrhundert)\b")),
    (Wants.NUMBER, re.compile(
        r"\b(how many|how much|how long|how old|how far|number of|percentage|percent|population|"
        r"quantos|quantas|quanto|quanta|número de|percentagem|porcentagem|população|"
        r"cuántos|cuántas|cuánto|cuánta|número de|porcentaje|población|"
        r"combien|pourcentage|wie viele|wie viel|wieviel|anzahl|prozent|einwohner)\b")),
    (Wants.NAME, re.compile(
        r"\b(who|whom|whose|name|quem|nome|quién|quiénes|qui|nom|wer|wem|wen|wessen)\b")),
    (Wants.PLACE, re.compile(r"\b(where|onde|aonde|dónde|où|wo|wohin|woher)\b")),
]

_MONTHS = ("january february march april may june july august september october november "
           "december janeiro fevereiro março abril maio junho julho agosto setembro outubro "
           "novembro dezembro enero febrero marzo mayo junio julio septiembre octubre "
           "noviembre diciembre janvier février mars avril mai juin juillet août septembre "
           "octobre novembre décembre januar februar märz juni juli oktober dezember "
           "century século siglo siècle jahrhundert").split()
_DATE = re.compile(r"\b(1\d{3}|20\d\d|\d{1,2}(st|nd|rd|th|º)?)\b|\b(" + "|".join(_MONTHS) + r")\b",
                   re.IGNORECASE)
_NUMBER_WORDS = ("one two three four five six seven eight nine ten hundred thousand million "
                 "billion dozen um uma dois duas três quatro cinco seis sete oito nove dez cem "
                 "mil milhão milhões bilhão dos tres cuatro seis siete ocho nueve diez cien "
                 "millón millones deux trois quatre cinq sept huit neuf dix cent mille zwei drei "
                 "vier fünf sechs sieben acht neun zehn hundert tausend millionen").split()
_NUMBER = re.compile(r"\d|\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
_CAPITAL = re.compile(r"(?:^|(?<=[\s(\"'“«]))([A-ZÀ-ÖØ-Þ][\w'\-]+)")
#: capitalised only because they begin a sentence: not a name
_OPENERS = frozenset(
    "the a an it in on at this that these those he she they we i there his her its their "
    "after before during when while however but and also as by for from with of to "
    "o a os as um uma ele ela eles elas em no na nos nas este esta isso depois antes mas "
    "el la los las un una en lo su sus este esta después pero también "
    "le la les un une il elle ils elles en dans ce cette ces après avant mais "
    "der die das ein eine es er sie im am in dieser diese nach vor aber auch".split())


def wants(question: str) -> Wants:
    """What the question asks for: the kind whose word comes first ("em que ano" -> a
    date, "qual o nome" -> a name, "quantos" -> a number)."""
    q = question.strip().lower()
    found = [(m.start(), kind) for kind, rx in _WANTS for m in [rx.search(q)] if m]
    return min(found, key=lambda t: t[0])[1] if found else Wants.OTHER


@dataclass(frozen=True, slots=True)
class Features:
    share: float        # the share of the question's distinct words the sentence holds
    rare: float         # the same, each word weighted by how few sentences hold it
    first: float        # 1 for the passage's first candidate
    typed: float        # 1 when it holds what the question asks for, not from the question
    length: float       # words / 40, at most 1
    top: float = 0.0    # 1 for the sentence(s) holding the most of the rare words (any)


@dataclass(frozen=True, slots=True)
class Weights:
    cos: float = 1.0
    share: float = 0.15
    rare: float = 0.0
    first: float = 0.0
    typed: float = 0.0
    length: float = 0.0
    top: float = 0.0


def combine(cos: float, f: Features, w: Weights) -> float:
    """A sentence's score: the model's calibrated cosine plus the weighted features."""
    return (w.cos * cos + w.share * f.share + w.rare * f.rare + w.first * f.first
            + w.typed * f.typed + w.length * f.length + w.top * f.top)


def _typed(sentence: str, kind: Wants, question_low: str) -> float:
    if kind is Wants.DATE:
        found = [m.group(0) for m in _DATE.finditer(sentence)]
    elif kind is Wants.NUMBER:
        found = [m.group(0) for m in _NUMBER.finditer(sentence)]
    elif kind in (Wants.NAME, Wants.PLACE):
        found = [w for i, w in enumerate(_CAPITAL.findall(sentence.strip()))
                 if not (i == 0 and sentence.strip().startswith(w) and w.lower() in _OPENERS)]
    else:
        return 0.0
    return 1.0 if any(t.lower() not in question_low for t in found) else 0.0


def sentence_features(text: str, spans: Sequence[Any], *, question: str,
                      matcher: Matcher | None) -> list[Features]:
    """The features of each candidate (``.start``/``.end`` in ``text``)."""
    found = list(matcher.finditer(text)) if matcher is not None and matcher.words else []
    total = len(matcher.words) if matcher is not None else 0
    held = [{key for s, _, key in found if c.start <= s < c.end} for c in spans]
    n = len(spans)
    df: dict[Any, Any] = {}
    for keys in held:
        for k in keys:
            df[k] = df.get(k, 0) + 1
    weight = {k: math.log(1 + n / d) for k, d in df.items()}
    all_w = sum(weight.values()) or 1.0
    kind, q_low = wants(question), question.lower()
    rare = [sum(weight[k] for k in keys) / all_w for keys in held]
    most = max(rare, default=0.0)
    out = []
    for i, (c, keys) in enumerate(zip(spans, held)):
        sentence = text[c.start:c.end]
        out.append(Features(
            share=len(keys) / total if total else 0.0,
            rare=rare[i],
            top=1.0 if most > 0 and rare[i] >= most - 1e-9 else 0.0,
            first=1.0 if i == 0 else 0.0,
            typed=_typed(sentence, kind, q_low),
            length=min(len(sentence.split()) / 40, 1.0)))
    return out
