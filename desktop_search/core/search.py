"""Query -> ranked files, each with its best passage, the words to highlight, its place.

Dense (cosine over chunk vectors) and lexical (BM25 over chunks) evidence are pooled
per file (the best passage speaks for the file) and fused by a weighted sum of
normalized scores: each model's cosines calibrated onto one scale, the words' weight
chosen per query (core/fusion.py), tuned on the dev collections (benchmarks/).
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import Union

import numpy as np

from desktop_search.core import fusion
from desktop_search.core.catalog import Catalog, ChunkRow
from desktop_search.core.query import make_snippet, query_terms, term_pattern

# Fusion weight of the lexical signal on the calibrated scale (0 = dense only), when the
# model knows the query's language. Chosen on the dev collections (core/fusion.py).
LEXICAL_WEIGHT = fusion.LEXICAL_WEIGHT


@dataclass
class Filters:
    folders: list[str] = field(default_factory=list)    # keep files under any of these
    kinds: list[str] = field(default_factory=list)      # keep these kinds ("pdf", "markdown", ...)
    modified_after: float | None = None                 # unix seconds
    modified_before: float | None = None

    def active(self) -> bool:
        return bool(self.folders or self.kinds or self.modified_after or self.modified_before)

    def keep(self, row: ChunkRow) -> bool:
        if self.folders and not any(
                row.path == f or row.path.startswith(f.rstrip(os.sep) + os.sep) for f in self.folders):
            return False
        if self.kinds and (row.kind or "") not in self.kinds:
            return False
        mtime = row.mtime_ns / 1e9
        if self.modified_after is not None and mtime < self.modified_after:
            return False
        if self.modified_before is not None and mtime > self.modified_before:
            return False
        return True


@dataclass(frozen=True, slots=True)
class TextQuery:
    """Files that match what the user typed (by meaning and by words)."""

    text: str
    filters: Filters | None = None

    @property
    def terms(self) -> list[str]:
        """The words a result marks."""
        return query_terms(self.text) if self.text.strip() else []


@dataclass(frozen=True, slots=True)
class SimilarTo:
    """Files about the same things as this indexed file ("more like this")."""

    path: str
    filters: Filters | None = None

    @property
    def terms(self) -> list[str]:
        return []            # nothing was typed: no words to mark


#: what the window and the CLI ask ``Engine.find`` for
SearchRequest = Union[TextQuery, SimilarTo]


@dataclass
class Hit:
    path: str
    score: float
    snippet: str
    highlights: list[tuple[int, int]]   # (start, end) in snippet of the query's words
    page: int | None
    line: int | None
    kind: str | None
    title: str | None
    modified: float
    size: int
    file_id: int
    chunk_id: int
    passage_start: int                  # offset of the passage in the extracted text
    passage_end: int
    dense: float | None = None
    lexical: float | None = None

    def to_json(self) -> dict:
        d = asdict(self)
        d["highlights"] = [list(h) for h in self.highlights]
        return d


def fuse(dense: dict[int, float], lexical: dict[int, float], *, weight: float,
         calibration: fusion.Calibration = fusion.DEFAULT_CALIBRATION) -> dict[int, float]:
    """Weighted sum of per-file scores: the model's cosines on the calibrated scale, BM25
    scaled into [0, 1] by the query's best."""
    out = {fid: calibration(s) for fid, s in dense.items()}
    if lexical and weight > 0:
        top = max(lexical.values()) or 1.0
        for fid, s in lexical.items():
            out[fid] = out.get(fid, 0.0) + weight * (s / top)
    return out


def rank(*, catalog: Catalog, query: str, query_vec: np.ndarray | None, vectors, k: int = 10,
         filters: Filters | None = None, exclude_file: int | None = None,
         lexical_weight: float | None = None, use_lexical: bool = True,
         model_id: str | None = None, documents: dict[str, float] | None = None) -> list[Hit]:
    """The k best files for a query.

    ``model_id`` names the model that made ``query_vec`` and the vectors: its cosines are
    calibrated and the words' weight follows the query's language (``fusion.plan``);
    ``documents`` (language -> share of the collection) tells a question asked across
    languages; ``lexical_weight`` overrides the weight (on the calibrated scale).
    """
    filters = filters or Filters()
    if lexical_weight is None:
        lexical_weight = (fusion.plan(query, model_id, documents=documents).lexical_weight
                          if query.strip() else LEXICAL_WEIGHT)
    pool = max(200, k * 8) * (10 if filters.active() else 1)
    dense_chunks: list[tuple[int, float]] = []
    if query_vec is not None and vectors is not None and len(vectors):
        dense_chunks = vectors.search(query_vec, pool)
    lex_chunks = catalog.lexical(query, pool) if (use_lexical and query.strip()) else []
    rows = catalog.chunks({cid for cid, _ in dense_chunks} | {cid for cid, _ in lex_chunks})

    def pool(chunks: list[tuple[int, float]]) -> tuple[dict[int, float], dict[int, int]]:
        """Per file: the score of its best passage, and that passage."""
        best: dict[int, float] = {}
        where: dict[int, int] = {}
        for cid, s in chunks:
            row = rows.get(cid)
            if row is None or row.file_id == exclude_file or not filters.keep(row):
                continue
            if s > best.get(row.file_id, -1e9):
                best[row.file_id] = s
                where[row.file_id] = cid
        return best, where

    dense_file, dense_best = pool(dense_chunks)
    lex_file, lex_best = pool(lex_chunks)
    scores = fuse(dense_file, lex_file, weight=lexical_weight if dense_file else 1.0,
                  calibration=fusion.calibration(model_id))
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:k]
    pattern = term_pattern(query_terms(query))
    hits = []
    for fid, score in ranked:
        cid = dense_best[fid] if fid in dense_best else lex_best[fid]
        row = rows[cid]
        snippet, hl, offset_in_chunk = make_snippet(row.text, pattern)
        line = row.line
        if line is not None:
            line += row.text.count("\n", 0, offset_in_chunk)
        hits.append(Hit(
            path=row.path, score=round(float(score), 6), snippet=snippet, highlights=hl,
            page=row.page, line=line, kind=row.kind, title=row.title,
            modified=row.mtime_ns / 1e9, size=row.size, file_id=fid, chunk_id=cid,
            passage_start=row.start, passage_end=row.end,
            dense=round(dense_file[fid], 6) if fid in dense_file else None,
            lexical=round(lex_file[fid], 6) if fid in lex_file else None))
    return hits


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, (time.perf_counter() - t) * 1000.0
