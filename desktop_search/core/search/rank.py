"""Query -> ranked files, each with its best passage, the words to highlight, its place.

Dense (cosine over chunk vectors) and lexical (BM25 over chunks) evidence are pooled
per file (the best passage speaks for the file) and fused by a weighted sum of
normalized scores: each model's cosines calibrated onto one scale, the words' weight
chosen per query (search/fusion.py), tuned on the dev collections (benchmarks/).
The query's vector and its nearest passages are found on a thread beside the one that
reads the words' postings (onnxruntime and usearch let go of the GIL, so on two cores a
keystroke waits for the longer of the two, not their sum). Pooling needs only each
candidate's file (one batched read of two numbers a row, or the whole rows when filters
must look at them); the k passages shown are read whole in a second, small one.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from desktop_search.core.analyze import Matcher, make_snippet
from desktop_search.core.search import fusion
from desktop_search.core.search.question import Question, ask
from desktop_search.core.search.request import Filters, Hit
from desktop_search.core.store.rows import OCR_DONE, ChunkRow

if TYPE_CHECKING:
    from desktop_search.core.store.library import Library
    from desktop_search.core.store.vector_index import VectorIndex

# Fusion weight of the lexical signal on the calibrated scale (0 = dense only), when the
# model knows the query's language. Chosen on the dev collections (search/fusion.py).
LEXICAL_WEIGHT = fusion.LEXICAL_WEIGHT

#: where the dense half of a query runs (two: a search and a "more like this" may overlap)
_BESIDE = ThreadPoolExecutor(max_workers=2, thread_name_prefix="desktop-search-dense")


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


def rank(*, library: Library, query: str, query_vec: np.ndarray | None,
         vectors: VectorIndex | None, k: int = 10,
         filters: Filters | None = None, exclude_file: int | None = None,
         lexical_weight: float | None = None, use_lexical: bool = True,
         model_id: str | None = None, documents: dict[str, float] | None = None,
         question: Question | None = None,
         embed: Callable[[], np.ndarray] | None = None) -> list[Hit]:
    """The k best files for a query, from a ``Library``'s catalog and word index.

    ``model_id`` names the model that made ``query_vec`` and the vectors: its cosines are
    calibrated and the words' weight follows the query's language (``fusion.plan``);
    ``documents`` (language -> share of the collection) tells a question asked across
    languages; ``lexical_weight`` overrides the weight (on the calibrated scale);
    ``question`` is the query analyzed already (else it is analyzed here); ``embed``
    makes ``query_vec`` when it is not given, beside the word search.
    """
    filters = filters or Filters()
    catalog = library.catalog
    if question is None:
        question = ask(query, index_languages=library.words.index_languages())
    if lexical_weight is None:
        lexical_weight = (fusion.plan(query, model_id, documents=documents,
                                      language=question.language).lexical_weight
                          if query.strip() else LEXICAL_WEIGHT)
    want = max(200, k * 8) * (10 if filters.active() else 1)
    dense_part: Future[list[tuple[int, float]]] | None = None
    if vectors is not None and len(vectors) and (query_vec is not None or embed is not None):
        vecs, given, make = vectors, query_vec, embed

        def nearest() -> list[tuple[int, float]]:
            if given is not None:
                vec = given
            else:
                assert make is not None
                vec = make()
            if not vecs.approximate:
                return vecs.search(vec, want)
            # int8's order is a little off at the edge: a quarter more, ordered exactly
            # (measured: 96% of the exact top 240 kept, f16's graph 95%; the top 30 all)
            return exact_cosines(vecs.search(vec, want + want // 4), vec, library)[:want]

        dense_part = _BESIDE.submit(nearest)
    lex_chunks = (library.words.search(list(question.words), want)
                  if (use_lexical and query.strip()) else [])

    def files_of(ids: set[int]) -> dict[int, int]:
        if filters.active():
            return {cid: row.file_id for cid, row in catalog.chunks(ids, text=False).items()
                    if filters.keep(row)}
        return catalog.chunk_files(ids)

    lex_ids = {cid for cid, _ in lex_chunks}
    file_of = files_of(lex_ids)                  # while the dense half may still run
    dense_chunks = dense_part.result() if dense_part is not None else []
    file_of.update(files_of({cid for cid, _ in dense_chunks} - lex_ids))

    dense_file, dense_best = _pool(dense_chunks, file_of, exclude_file=exclude_file)
    lex_file, lex_best = _pool(lex_chunks, file_of, exclude_file=exclude_file)
    scores = fuse(dense_file, lex_file, weight=lexical_weight if dense_file else 1.0,
                  calibration=fusion.calibration(model_id))
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:k]
    pattern = question.matcher()
    best = {fid: dense_best[fid] if fid in dense_best else lex_best[fid] for fid, _ in ranked}
    rows = catalog.chunks(best.values())                 # only the passages shown, whole
    return [_hit(rows[best[fid]], score, pattern, dense=dense_file.get(fid),
                 lexical=lex_file.get(fid)) for fid, score in ranked if best[fid] in rows]


def exact_cosines(found: list[tuple[int, float]], query_vec: np.ndarray,
                  library: Library) -> list[tuple[int, float]]:
    """``found``'s passages with their cosine to ``query_vec`` computed again from the
    catalog's vectors (an int8 base's are approximate), best first; a passage gone from
    the catalog meanwhile is dropped."""
    if not found:
        return found
    ids, vecs = library.vector_rows.of(cid for cid, _ in found)
    if not len(ids):
        return []
    m = vecs.astype(np.float32)
    q = np.asarray(query_vec, dtype=np.float32).reshape(-1)
    sims = (m @ q) / np.maximum(np.linalg.norm(m, axis=1) * float(np.linalg.norm(q)), 1e-12)
    order = np.argsort(-sims, kind="stable")
    return [(int(ids[i]), float(sims[i])) for i in order]


def _pool(chunks: list[tuple[int, float]], file_of: dict[int, int], *,
          exclude_file: int | None) -> tuple[dict[int, float], dict[int, int]]:
    """Per file: the score of its best passage, and that passage (``file_of``: the file of
    each candidate that may be shown)."""
    best: dict[int, float] = {}
    where: dict[int, int] = {}
    for cid, s in chunks:
        fid = file_of.get(cid)
        if fid is None or fid == exclude_file:
            continue
        if s > best.get(fid, -1e9):
            best[fid] = s
            where[fid] = cid
    return best, where


def _hit(row: ChunkRow, score: float, pattern: Matcher | None, *,
         dense: float | None, lexical: float | None) -> Hit:
    """The hit for a file's best passage ``row`` (read with its text), its snippet marked."""
    text = row.text
    snippet, hl, offset_in_chunk = make_snippet(text, pattern)
    line = row.line
    if line is not None:
        line += text.count("\n", 0, offset_in_chunk)
    return Hit(
        path=row.path, score=round(float(score), 6), snippet=snippet, highlights=hl,
        page=row.page, line=line, kind=row.kind, title=row.title,
        modified=row.mtime_ns / 1e9, size=row.size, file_id=row.file_id, chunk_id=row.id,
        passage_start=row.start, passage_end=row.end,
        dense=round(dense, 6) if dense is not None else None,
        lexical=round(lexical, 6) if lexical is not None else None,
        ocr=row.ocr == OCR_DONE, taken=row.taken, inside=row.chain, sender=row.sender,
        recipients=row.recipients)
