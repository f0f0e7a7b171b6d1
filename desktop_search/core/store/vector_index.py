"""The USearch vector index: a fast, rebuildable copy of the catalog's vectors.

Two parts, so that a big index costs little memory and opens at once:

- the **base**: a USearch graph saved on disk and *memory-mapped* (``Index.view`` over a
  map this module owns), never loaded: a query touches only the pages it visits, and once
  searches have been quiet for ``IDLE_RELEASE_S`` the map's pages are handed back
  (``madvise(MADV_DONTNEED)``): they stay in the page cache, so the next query maps them
  again in microseconds, but an idle app does not hold the index in its memory;
- the **delta**: vectors added since the base was written, kept in memory and searched
  exactly, plus the base's keys removed since (tombstones).

Saving writes the delta (small) next to the base; when the delta grows past
``COMPACT_AT`` (or a fraction of the base), the base is rewritten with it (compaction).
usearch is not safe for concurrent add and search, so one lock guards everything. Every
file is written atomically (temp file, fsync, rename) and a sidecar written last names
the catalog's vector generation and the counts it reflects; on open, a mismatch is
repaired from the catalog.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Iterable

import numpy as np

from desktop_search.core.store.vector_files import DTYPE, FORMAT, VectorFiles

if TYPE_CHECKING:
    from desktop_search.core.store.tables import ChunkVectors

__all__ = ["DTYPE", "FORMAT", "VectorIndex"]

# Below this size exact search is both faster and better than the graph.
EXACT_BELOW = 20_000
_NO_KEY = np.iinfo(np.uint64).max


class VectorIndex(VectorFiles):
    """The contents: add, remove, search, sync from the catalog. Opening, saving and the
    memory of the base are ``VectorFiles``'."""

    def __len__(self) -> int:
        with self._lock:
            return self._base_len() - len(self._dead) + len(self._delta)

    def keys(self) -> np.ndarray:
        with self._lock:
            parts = []
            if self._base_len():
                base = np.asarray(self._index.keys, dtype=np.uint64)
                if self._dead:
                    dead = np.fromiter(self._dead, dtype=np.uint64, count=len(self._dead))
                    base = base[~np.isin(base, dead)]
                parts.append(base)
            parts.append(np.fromiter(self._delta, dtype=np.uint64, count=len(self._delta)))
            return np.concatenate(parts)

    def _in_base(self, key: int) -> bool:
        return (self._index is not None and key not in self._dead
                and bool(self._index.contains(key)))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vecs = np.asarray(vectors, dtype=np.float16).reshape(len(ids), self.ndim)
        with self._lock:
            for key, v in zip(np.asarray(ids, dtype=np.uint64).tolist(), vecs):
                if self._in_base(key):
                    self._dead.add(key)          # replaced: the delta's copy wins
                self._delta[key] = v
            self._matrix = None
            self.dirty = True

    def remove(self, ids: Iterable[int]) -> None:
        keys = [int(k) for k in ids]
        if not keys:
            return
        with self._lock:
            for key in keys:
                if self._delta.pop(key, None) is None and self._in_base(key):
                    self._dead.add(key)
            self._matrix = None
            self.dirty = True

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Nearest chunks as (chunk id, cosine similarity)."""
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        with self._lock:
            hits = self._search_delta(q, k) + self._search_base(q, k)
            if self._map is not None:
                self._last_search = time.monotonic()
                self._touched = True
                self._arm_release()
        hits.sort(key=lambda kv: -kv[1])
        return hits[:k]

    def _search_base(self, q: np.ndarray, k: int) -> list[tuple[int, float]]:
        n = self._base_len()
        if n == 0:
            return []
        want = min(n, k + min(len(self._dead), 2 * k))
        while True:
            m = self._index.search(q, want, exact=n < EXACT_BELOW)
            keys = np.asarray(m.keys).reshape(-1)
            dists = np.asarray(m.distances).reshape(-1)
            out = [(int(key), 1.0 - float(d)) for key, d in zip(keys, dists)
                   if key != _NO_KEY and int(key) not in self._dead]
            if len(out) >= k or want >= n:
                return out
            want = min(n, want * 4)

    def _search_delta(self, q: np.ndarray, k: int) -> list[tuple[int, float]]:
        if not self._delta:
            return []
        if self._matrix is None:
            keys = np.fromiter(self._delta, dtype=np.uint64, count=len(self._delta))
            mat = np.stack(list(self._delta.values())).astype(np.float32)
            mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
            self._matrix = (keys, mat)
        keys, mat = self._matrix
        sims = mat @ (q / max(float(np.linalg.norm(q)), 1e-12))
        top = np.argpartition(-sims, min(k, len(sims)) - 1)[:k] if len(sims) > k else np.arange(len(sims))
        return [(int(keys[i]), float(sims[i])) for i in top]

    def get(self, key: int) -> np.ndarray | None:
        key = int(key)
        with self._lock:
            v = self._delta.get(key)
            if v is not None:
                return v.astype(np.float32)
            if not self._in_base(key):
                return None
            return np.asarray(self._index.get(key), dtype=np.float32)

    def sync_from(self, source: ChunkVectors, *, generation: int) -> tuple[int, int]:
        """Make the index hold exactly the vectors of ``source`` (the catalog's
        ``ChunkVectors``), recorded as of ``generation``. Returns (added, removed)."""
        with self._lock:
            have = self.keys()
            want = source.embedded_ids()
            extra = np.setdiff1d(have, want, assume_unique=True)
            missing = np.setdiff1d(want, have, assume_unique=True)
            if len(missing) > len(want) // 2:
                self.reset()
                added = 0
                for ids, vecs in source.batches():
                    self.add(ids, vecs)
                    added += len(ids)
                removed = len(extra)
            else:
                self.remove(extra)
                removed = len(extra)
                added = 0
                for i in range(0, len(missing), 5000):
                    ids, vecs = source.of(missing[i:i + 5000])
                    if len(ids):
                        self.add(ids, vecs)
                        added += len(ids)
            if removed or added:
                self.dirty = True
            self.generation = generation
            return added, removed
