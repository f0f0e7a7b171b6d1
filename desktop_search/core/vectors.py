"""The USearch vector index: a fast, rebuildable copy of the catalog's vectors.

usearch is not safe for concurrent add and search, so one lock guards the index. The
file is saved atomically (temp file, fsync, rename) with a sidecar naming the catalog's
vector generation it reflects; on open, a mismatch is repaired from the catalog.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import numpy as np

from desktop_search.config import atomic_write_text

log = logging.getLogger(__name__)

DTYPE = "f16"
# Below this size exact search is both faster and better than the graph.
EXACT_BELOW = 20_000


def _usearch_index():
    """usearch's Index class. onnxruntime is imported first when installed: importing it
    after usearch.index crashes the process (segfault, onnxruntime 1.32 + usearch 2.26)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        pass
    from usearch.index import Index

    return Index


def _low_space(folder: Path, need: int) -> bool:
    import shutil

    try:
        return shutil.disk_usage(folder).free < need * 2
    except OSError:
        return False


class VectorIndex:
    def __init__(self, path: Path, *, ndim: int) -> None:
        Index = _usearch_index()
        self.path = Path(path)
        self.meta_path = self.path.with_suffix(".json")
        self.ndim = ndim
        self._lock = threading.RLock()
        self._new = lambda: Index(ndim=ndim, metric="cos", dtype=DTYPE, connectivity=16,
                                  expansion_add=128, expansion_search=256)
        self._index = self._new()
        self.generation = -1  # the catalog generation this index reflects; -1 unknown
        self.dirty = False

    # -- persistence ---------------------------------------------------------------------
    def load(self) -> bool:
        """Restore from disk; False when missing or unusable (the caller rebuilds)."""
        Index = _usearch_index()

        with self._lock:
            if not self.path.exists() or not self.meta_path.exists():
                return False
            try:
                meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
                if int(meta.get("ndim", -1)) != self.ndim:
                    return False
                idx = Index(ndim=self.ndim, metric="cos", dtype=DTYPE, connectivity=16,
                            expansion_add=128, expansion_search=256)
                idx.load(str(self.path))
                if len(idx) != int(meta.get("count", -1)):
                    log.warning("vector index count does not match its sidecar; rebuilding")
                    return False
            except Exception as exc:  # noqa: BLE001 - any damage means rebuild
                log.warning("vector index %s unusable (%s); rebuilding", self.path, exc)
                return False
            self._index = idx
            self.generation = int(meta.get("generation", -1))
            self.dirty = False
            return True

    def save(self, generation: int) -> None:
        with self._lock:
            tmp = self.path.with_name(self.path.name + ".tmp")
            try:
                self._index.save(str(tmp))
                fd = os.open(tmp, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.replace(tmp, self.path)
            except BaseException as exc:
                # the last good file stays; the catalog still has every vector
                tmp.unlink(missing_ok=True)
                if not isinstance(exc, OSError) and _low_space(self.path.parent, len(self._index) * self.ndim * 2):
                    raise OSError(28, "No space left on device", str(self.path)) from exc
                raise
            atomic_write_text(self.meta_path, json.dumps(
                {"generation": generation, "count": len(self._index), "ndim": self.ndim,
                 "dtype": DTYPE}))
            self.generation = generation
            self.dirty = False

    def reset(self) -> None:
        with self._lock:
            self._index = self._new()
            self.generation = -1
            self.dirty = True

    # -- contents ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._index)

    def keys(self) -> np.ndarray:
        with self._lock:
            if len(self._index) == 0:
                return np.zeros(0, dtype=np.uint64)
            return np.asarray(self._index.keys, dtype=np.uint64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        ids = np.asarray(ids, dtype=np.uint64)
        vectors = np.asarray(vectors)
        with self._lock:
            present = np.fromiter((self._index.contains(int(k)) for k in ids), dtype=bool,
                                  count=len(ids))
            if present.any():
                self._index.remove(ids[present])
            self._index.add(ids, vectors, threads=1)
            self.dirty = True

    def remove(self, ids) -> None:
        ids = np.asarray(list(ids), dtype=np.uint64)
        if len(ids) == 0:
            return
        with self._lock:
            self._index.remove(ids)
            self.dirty = True

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Nearest chunks as (chunk id, cosine similarity)."""
        with self._lock:
            n = len(self._index)
            if n == 0:
                return []
            k = min(k, n)
            m = self._index.search(np.asarray(vector, dtype=np.float32), k,
                                   exact=n < EXACT_BELOW)
            keys = np.asarray(m.keys).reshape(-1)
            dists = np.asarray(m.distances).reshape(-1)
        return [(int(key), 1.0 - float(d)) for key, d in zip(keys, dists)
                if key != np.iinfo(np.uint64).max]

    def get(self, key: int) -> np.ndarray | None:
        with self._lock:
            if not self._index.contains(int(key)):
                return None
            return np.asarray(self._index.get(int(key)), dtype=np.float32)

    def sync_from(self, catalog) -> tuple[int, int]:
        """Make the index hold exactly the catalog's vectors. Returns (added, removed)."""
        with self._lock:
            have = self.keys()
            want = catalog.embedded_ids()
            extra = np.setdiff1d(have, want, assume_unique=True)
            missing = np.setdiff1d(want, have, assume_unique=True)
            if len(extra):
                self._index.remove(extra)
            if len(missing) > len(want) // 2:
                self._index = self._new()
                added = 0
                for ids, vecs in catalog.iter_vectors():
                    self._index.add(ids, vecs)
                    added += len(ids)
            else:
                added = 0
                for i in range(0, len(missing), 5000):
                    ids, vecs = catalog.vectors_for(missing[i:i + 5000])
                    if len(ids):
                        self._index.add(ids, vecs)
                        added += len(ids)
            if len(extra) or added:
                self.dirty = True
            self.generation = catalog.vector_generation()
            return added, len(extra)
