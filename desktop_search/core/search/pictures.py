"""Pictures found by what they show (a CLIP model), fused with text hits."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from desktop_search.core.analyze import make_snippet
from desktop_search.core.extract import PICTURE_KIND
from desktop_search.core.extract.images import picture_caption
from desktop_search.core.search.question import Question
from desktop_search.core.search.request import Filters, Hit
from desktop_search.core.store import INDEXED, OCR_DONE, ChunkRow, FileRow
from desktop_search.errors import ModelError

if TYPE_CHECKING:
    from desktop_search.core.store.catalog import Catalog
    from desktop_search.core.store.picture_index import PictureIndex

# The two
# scores live on different scales (CLIP's text-image cosines sit around 0.2-0.35, text
# cosines plus BM25 around 0.3-1.3), so each list is scaled by its own best hit, and
# pictures by PICTURE_WEIGHT: the best picture ranks just under the best text hit and
# neither kind drowns the other. Pictures under PICTURE_MIN_SCORE do not match at all.
PICTURE_WEIGHT = 0.9
PICTURE_MIN_SCORE = 0.2


def picture_hits(*, catalog: Catalog, scores: list[tuple[int, float]],
                 question: Question | None = None,
                 filters: Filters | None = None, exclude_file: int | None = None,
                 min_score: float = PICTURE_MIN_SCORE) -> list[Hit]:
    """Hits for pictures matched by the image model: (file id, cosine) best first. The
    files and their first passages come from the catalog in one batched read each."""
    filters = filters or Filters()
    kept = [(int(fid), float(s)) for fid, s in scores if s >= min_score and int(fid) != exclude_file]
    files = catalog.files_by_ids(fid for fid, _ in kept)
    firsts = catalog.first_chunks(fid for fid, f in files.items() if f.n_chunks)
    pattern = question.matcher() if question is not None and question.text.strip() else None
    hits: list[Hit] = []
    for fid, s in kept:
        f = files.get(fid)
        if f is None or f.state != INDEXED or f.kind != PICTURE_KIND:
            continue  # deleted or changed since the picture index was saved
        first = firsts.get(fid)
        chunks = [first] if first is not None else []
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
            ocr=f.ocr == OCR_DONE, taken=f.taken, picture=round(s, 6), inside=f.chain))
    return hits


def _describe_picture(f: FileRow) -> str:
    """What a picture without a passage (indexed before pictures had one) shows."""
    return picture_caption(camera=f.camera, taken=f.taken)


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


def picture_scores(index: PictureIndex | None, query: str, k: int) -> list[tuple[int, float]]:
    """(file id, cosine) of the pictures that show what the query says (none without a
    picture index, or when its model fails: its ``error`` says why)."""
    if index is None:
        return []
    try:
        scores = index.search(query, max(50, 4 * k))
    except ModelError as exc:
        index.error = str(exc)
        return []
    index.error = None
    return scores


def similar_pictures(index: PictureIndex, *, catalog: Catalog, file_id: int, k: int,
                     filters: Filters | None) -> list[Hit]:
    """The pictures that look like this one (none when the picture model fails)."""
    try:
        similar = index.similar(file_id, 2 * k)
    except ModelError as exc:
        index.error = str(exc)
        similar = []
    return picture_hits(catalog=catalog, scores=similar, filters=filters,
                        exclude_file=file_id, min_score=-1.0)
