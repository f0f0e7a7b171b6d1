"""Query -> ranked files, each with its best passage, the words to highlight, its place.

Dense (cosine over chunk vectors) and lexical (BM25 over chunks) evidence are pooled
per file (the best passage speaks for the file) and fused by a weighted sum of
normalized scores: each model's cosines calibrated onto one scale, the words' weight
chosen per query (core/fusion.py), tuned on the dev collections (benchmarks/).
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field, replace
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
    modified_after: float | None = None                 # unix seconds; a photo's date taken
    modified_before: float | None = None                # counts instead of its file date

    def active(self) -> bool:
        return bool(self.folders or self.kinds or self.modified_after or self.modified_before)

    def keep(self, row: ChunkRow) -> bool:
        if self.folders and not any(
                row.path == f or row.path.startswith(f.rstrip(os.sep) + os.sep) for f in self.folders):
            return False
        if self.kinds and (row.kind or "") not in self.kinds:
            return False
        mtime = row.taken if row.taken is not None else row.mtime_ns / 1e9
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
    ocr: bool = False                   # the passage's words were read from a picture by OCR
    taken: float | None = None          # when a photo was taken (EXIF)
    picture: float | None = None        # similarity of the picture itself to the query

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
            lexical=round(lex_file[fid], 6) if fid in lex_file else None,
            ocr=row.ocr == "done", taken=row.taken))
    return hits


# Pictures found by what they show (a CLIP model) are fused with text hits. The two
# scores live on different scales (CLIP's text-image cosines sit around 0.2-0.35, text
# cosines plus BM25 around 0.3-1.3), so each list is scaled by its own best hit, and
# pictures by PICTURE_WEIGHT: the best picture ranks just under the best text hit and
# neither kind drowns the other. Pictures under PICTURE_MIN_SCORE do not match at all.
PICTURE_WEIGHT = 0.9
PICTURE_MIN_SCORE = 0.2


def picture_hits(*, catalog: Catalog, scores: list[tuple[int, float]], query: str = "",
                 filters: Filters | None = None, exclude_file: int | None = None,
                 min_score: float = PICTURE_MIN_SCORE) -> list[Hit]:
    """Hits for pictures matched by the image model: (file id, cosine) best first."""
    filters = filters or Filters()
    kept = [(int(fid), float(s)) for fid, s in scores if s >= min_score and int(fid) != exclude_file]
    files = catalog.files_by_ids(fid for fid, _ in kept)
    pattern = term_pattern(query_terms(query)) if query.strip() else None
    hits: list[Hit] = []
    for fid, s in kept:
        f = files.get(fid)
        if f is None or f.state != "indexed" or f.kind != "picture":
            continue  # deleted or changed since the picture index was saved
        chunks = catalog.chunks_of_file(fid) if f.n_chunks else []
        probe = chunks[0] if chunks else ChunkRow(-1, fid, f.path, 0, 0, 0, None, None, "",
                                                  f.kind, f.title, f.mtime_ns, f.size,
                                                  f.ocr, f.taken)
        if not filters.keep(probe):
            continue
        if chunks:
            snippet, hl, _ = make_snippet(chunks[0].text, pattern)
        else:
            snippet, hl = _describe_picture(f), []
        hits.append(Hit(
            path=f.path, score=round(s, 6), snippet=snippet, highlights=hl,
            page=chunks[0].page if chunks else None, line=None, kind=f.kind, title=f.title,
            modified=f.mtime_ns / 1e9, size=f.size, file_id=fid,
            chunk_id=chunks[0].id if chunks else -1,
            passage_start=chunks[0].start if chunks else 0,
            passage_end=chunks[0].end if chunks else 0,
            ocr=f.ocr == "done", taken=f.taken, picture=round(s, 6)))
    return hits


def _describe_picture(f) -> str:
    """What a picture without words shows in place of a passage: "Picture · Pixel 7 · 2019-03-02"."""
    bits = ["Picture"]
    if f.camera:
        bits.append(f.camera)
    if f.taken is not None:
        bits.append(time.strftime("taken %Y-%m-%d", time.localtime(f.taken)))
    return " · ".join(bits)


def merge_pictures(text: list[Hit], pictures: list[Hit], *, k: int,
                   weight: float = PICTURE_WEIGHT) -> list[Hit]:
    """One list from text hits and picture hits, each calibrated by its own best score."""
    if not pictures:
        return text[:k]
    t_top = max((h.score for h in text), default=0.0) or 1.0
    ranked = sorted(pictures, key=lambda h: -h.score)
    p_top = ranked[0].score
    best: dict[int, Hit] = {}
    for h in text:
        best[h.file_id] = replace(h, score=round(h.score / t_top, 6))
    for i, h in enumerate(ranked):
        # cosines are positive for any real match; a model whose best is not (an
        # untrained one) is calibrated by rank instead
        rel = max(0.0, h.score) / p_top if p_top > 0 else (len(ranked) - i) / len(ranked)
        s = round(weight * rel, 6)
        raw = h.picture if h.picture is not None else h.score
        old = best.get(h.file_id)
        if old is None or s > old.score:
            best[h.file_id] = replace(old or h, score=s, picture=raw)
        else:
            best[h.file_id] = replace(old, picture=raw)
    return sorted(best.values(), key=lambda h: -h.score)[:k]


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, (time.perf_counter() - t) * 1000.0
