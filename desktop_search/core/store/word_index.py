"""The word index: BM25 over passages, in memory and memory-mapped, fed by the catalog.

Why not SQLite FTS5: its ``bm25()`` scores every row that matches any OR-ed word, which
took 577 ms (p95) a query at a million passages. Here a query reads only the posting
lists of its own words (contiguous numpy slices, memory-mapped from disk) and scores
them in a few vectorised passes; words too common to tell passages apart are dropped.

The catalog is the truth; this index is a copy that can always be rebuilt from it:

- the catalog feeds it (``add``/``remove``) inside its write lock, after each commit;
- it lives in immutable *segments* (sorted terms, CSR postings, chunk ids, lengths) plus
  a small in-memory buffer of recent passages; segments are merged in the background as
  they accumulate (as Lucene does); deletions are tombstones until the next merge;
- ``save`` writes new segments and a manifest atomically (temp file, fsync, rename). A
  snapshot covers every chunk id up to ``max_id``: at open, chunks above it are added
  from the catalog and chunks the catalog no longer has are dropped, so a kill at any
  moment loses nothing. Without a usable snapshot the index is rebuilt from the catalog
  on a background thread, segment by segment, and answers from what it has meanwhile.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from desktop_search.core.analyze import QueryWord

from desktop_search.core.store.word_segments import Segment, Source, drop_pages, passage_terms
from desktop_search.core.store.word_snapshots import WordSnapshots

__all__ = ["Source", "WordIndex", "passage_terms"]

K1 = 1.2
B = 0.75
# In a big index a query word in more than this share of passages barely moves BM25
# (idf < 0.7) but costs the most to score: skipped unless the query has nothing else.
COMMON_SHARE = 0.4
COMMON_MIN_PASSAGES = 10000
RELEASE_AFTER_S = 0.5        # after a query, mapped pages read are handed back this much later


class WordIndex(WordSnapshots):
    """BM25 over passages (chunk ids), thread-safe; ``folder=None`` keeps it in memory.
    Its postings and feeding are ``WordPostings``', its file handling ``WordSnapshots``'."""

    def _norm(self, seg: Segment, avgdl: float) -> np.ndarray:
        """k1 * (1 - b + b * dl / avgdl) per row, cached while avgdl stays put."""
        hit = seg._k
        if hit is not None and abs(hit[0] - avgdl) <= 0.01 * avgdl:
            return hit[1]
        k = (K1 * (1 - B + B * np.asarray(seg.dl) / avgdl)).astype(np.float32)
        seg._k = (avgdl, k)
        return k

    # -- search --------------------------------------------------------------------------
    def search(self, words: Sequence[QueryWord], limit: int) -> list[tuple[int, float]]:
        """Top passages by BM25 (Lucene's idf, k1=1.2, b=0.75): (chunk id, score)."""
        if not words or limit <= 0:
            return []
        plan = self._plan(words)
        if plan is None:
            return []
        cands_ids: list[np.ndarray] = []
        cands_sc: list[np.ndarray] = []
        for si, s in enumerate(plan.segs):
            got = _score_segment(s, plan, si, limit)
            if got is not None:
                cands_ids.append(got[0])
                cands_sc.append(got[1])
        if plan.buf is not None:
            got = _score_buffer(plan)
            if got is not None:
                cands_ids.append(got[0])
                cands_sc.append(got[1])
        self._schedule_release()
        if not cands_ids:
            return []
        ids = np.concatenate(cands_ids)
        sc = np.concatenate(cands_sc)
        top = _top(sc, limit)
        top = top[np.argsort(-sc[top], kind="stable")]
        return [(int(ids[t]), float(sc[t])) for t in top]

    def _plan(self, words: Sequence[QueryWord]) -> _Plan | None:
        """Under the lock: what a query scores (the segments, each kept form's spans and
        idf, a copy of the buffer's postings); None when nothing can match."""
        with self._lock:
            segs = list(self._segments)
            n, avgdl = self._stats()
            if n == 0:
                return None
            forms: list[tuple[bytes, str]] = []
            for w in words:
                for f in w.forms:
                    forms.append((f.encode("utf-8"), f))
            forms = list(dict.fromkeys(forms))
            spans = [[s.postings(b) for s in segs] for b, _ in forms]
            df = [sum(e - a for a, e in sp) + len(self._buf_post.get(f, ()))
                  for sp, (_, f) in zip(spans, forms)]
            common = COMMON_SHARE * n if n >= COMMON_MIN_PASSAGES else n
            keep = [i for i, d in enumerate(df) if d and d <= common]
            if not keep:
                keep = [i for i, d in enumerate(df) if d]
            if not keep:
                return None
            idf = {i: math.log(1.0 + (n - df[i] + 0.5) / (df[i] + 0.5)) for i in keep}
            buf = None
            if self._buf_ids:
                buf = ([list(self._buf_post.get(forms[i][1], ())) for i in keep],
                       list(self._buf_ids), list(self._buf_dl), set(self._buf_dead))
            norms = [self._norm(s, avgdl) for s in segs]
        return _Plan(segs, spans, keep, idf, norms, avgdl, buf)

    def release_pages(self) -> None:
        """Drop the mapped posting pages queries have read (see ``drop_pages``)."""
        with self._lock:
            segs = list(self._segments)
            self._release_timer = None
        for seg in segs:
            for arr in (seg.rows, seg.tf, seg.terms, seg.indptr, seg.ids):
                drop_pages(arr)

    def _schedule_release(self) -> None:
        with self._lock:
            if self._release_timer is not None or self.folder is None:
                return
            t = threading.Timer(RELEASE_AFTER_S, self.release_pages)
            t.daemon = True
            self._release_timer = t
        t.start()


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one query scores, read under the lock (see ``WordIndex._plan``)."""
    segs: list[Segment]
    spans: list[list[tuple[int, int]]]     # per kept form, per segment: its postings
    keep: list[int]                        # the forms scored
    idf: dict[int, float]
    norms: list[np.ndarray]
    avgdl: float
    buf: tuple[list[list[tuple[int, int]]], list[int], list[int], set[int]] | None


def _score_segment(s: Segment, plan: _Plan, si: int, limit: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The best ``limit`` (chunk ids, scores) of one segment, or None when no form is in it."""
    spans, idf = plan.spans, plan.idf
    sl = [(i, spans[i][si]) for i in plan.keep if spans[i][si][1] > spans[i][si][0]]
    if not sl:
        return None
    k = plan.norms[si]
    total = sum(e - a for _, (a, e) in sl)
    if total * 4 < len(s):          # few postings: score them sparsely
        rows = np.concatenate([np.asarray(s.rows[a:e]) for _, (a, e) in sl])
        sc = np.concatenate([_bm25(np.asarray(s.tf[a:e]), k[np.asarray(s.rows[a:e])], idf[i])
                             for i, (a, e) in sl])
        urows, inv = np.unique(rows, return_inverse=True)
        acc = np.bincount(inv, weights=sc).astype(np.float32)
        if s.n_dead:
            live = s.alive[urows]
            urows, acc = urows[live], acc[live]
        top = _top(acc, limit)
        return np.asarray(s.ids)[urows[top]], acc[top]
    acc = np.zeros(len(s), dtype=np.float32)
    for i, (a, e) in sl:
        r = np.asarray(s.rows[a:e])
        acc[r] += _bm25(np.asarray(s.tf[a:e]), k[r], idf[i])
    if s.n_dead:
        acc[~s.alive] = 0.0
    nz = np.flatnonzero(acc)
    top = nz[_top(acc[nz], limit)]
    return np.asarray(s.ids)[top], acc[top]


def _score_buffer(plan: _Plan) -> tuple[np.ndarray, np.ndarray] | None:
    """(chunk ids, scores) of the buffered passages that match, or None."""
    assert plan.buf is not None
    lists, bids, bdl, bdead = plan.buf
    sums: dict[int, float] = {}
    for i, plist in zip(plan.keep, lists):
        for row, tf in plist:
            kk = K1 * (1 - B + B * bdl[row] / plan.avgdl)
            sums[row] = sums.get(row, 0.0) + plan.idf[i] * tf * (K1 + 1) / (tf + kk)
    items = [(bids[r], v) for r, v in sums.items() if bids[r] not in bdead]
    if not items:
        return None
    return (np.array([c for c, _ in items], dtype=np.int64),
            np.array([v for _, v in items], dtype=np.float32))


def _bm25(tf: np.ndarray, k: np.ndarray, idf: float) -> np.ndarray:
    f = tf.astype(np.float32)
    out: np.ndarray = (idf * (K1 + 1)) * f / (f + k)
    return out


def _top(scores: np.ndarray, limit: int) -> np.ndarray:
    if len(scores) <= limit:
        return np.arange(len(scores))
    return np.argpartition(-scores, limit - 1)[:limit]
