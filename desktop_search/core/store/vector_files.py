"""The vector index's files and memory: the base graph memory-mapped from disk and its
pages handed back when idle, the delta saved next to it, compaction, the sidecar that
names the catalog generation; ``load`` says when the files are unusable (the caller
repairs from the catalog). ``VectorIndex`` adds the contents (add, remove, search).
"""
from __future__ import annotations

import json
import logging
import mmap
import os
import threading
import time
import warnings
import weakref
from pathlib import Path
from typing import Any, Callable

import numpy as np

from desktop_search.fileio import atomic_write, atomic_write_text

log = logging.getLogger(__name__)

#: how a base stores its vectors unless told otherwise (the picture index)
DTYPE = "f16"
#: int8: half the bytes of f16 (a 1M-passage base 0.9 -> 0.5 GB, and a search maps half
#: as much), a faster walk, cosines off by ~0.003 (up to 0.02) and 95% of the true top 30
#: among its first 30: the passages' index uses it, and its candidates' cosines are
#: computed again from the catalog's own f16 vectors (``approximate``)
QUANTIZED = "i8"
#: the kinds of base a data folder may hold (one made before int8 is searched as it is
#: and rewritten in its index's kind at its next compaction)
DTYPES = ("f16", "i8")
#: the delta is folded into the base when it holds this many vectors (or tombstones)...
COMPACT_AT = 20_000
#: ... or this fraction of the base, whichever is more
COMPACT_FRACTION = 0.02
FORMAT = 2
#: vectors read out of, and added to, a graph at a time when a base changes kind:
#: usearch hands a batch back as one array per key (its ``vectors`` property took 1.8 GB
#: more at 1M passages), so a conversion's extra memory stays one batch
ADD_BATCH = 65_536
#: seconds without a search after which the base's mapped pages are released
IDLE_RELEASE_S = 15.0


def _usearch_index() -> Any:
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


def _threads() -> int:
    """Threads for building the graph: half the cores, so the window and the indexer keep
    theirs (on a busy 2-core machine two threads were slower than one)."""
    return max(1, (os.cpu_count() or 2) // 2)



class VectorFiles:
    """The base (mapped) and the delta of a vector index, on disk and in memory; one lock."""

    def __init__(self, path: Path, *, ndim: int, dtype: str = DTYPE) -> None:
        self.path = Path(path)
        self.dtype = dtype                       # of a base written from scratch
        self.base_dtype = dtype                  # of the base on disk
        self.meta_path = self.path.with_suffix(".json")
        self.delta_path = self.path.with_suffix(".delta.npz")
        self.ndim = ndim
        self._lock = threading.RLock()
        self._save_lock = threading.Lock()      # one save (maybe a compaction) at a time
        self._index: Any = None                  # the base (memory-mapped), or None
        self._map: mmap.mmap | None = None       # the base's file mapping (ours, see _view)
        self._last_search = 0.0
        self._touched = False                    # pages mapped since the last release
        self._releaser: threading.Thread | None = None
        self._delta: dict[int, np.ndarray] = {}  # key -> float16 vector
        self._dead: set[int] = set()             # base keys removed since it was written
        self._matrix: tuple[np.ndarray, np.ndarray] | None = None  # delta, stacked
        self.generation = -1  # the catalog generation this index reflects; -1 unknown
        self.dirty = False

    def _new(self, dtype: str | None = None) -> Any:
        Index = _usearch_index()
        return Index(ndim=self.ndim, metric="cos", dtype=dtype or self.dtype, connectivity=16,
                     expansion_add=128, expansion_search=256)

    # -- persistence ---------------------------------------------------------------------
    def load(self) -> bool:
        """Open what is on disk; False when missing or unusable (the caller rebuilds)."""
        with self._lock:
            if not self.meta_path.exists():
                return False
            try:
                meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
                on_disk = str(meta.get("dtype", "f16"))
                if int(meta.get("ndim", -1)) != self.ndim or on_disk not in DTYPES:
                    return False
                count = int(meta.get("count", -1))
                base = None
                if count:
                    if not self.path.exists():
                        return False
                    index, mm = self._view(self.path, on_disk)
                    if len(index) != count:
                        log.warning("vector index count does not match its sidecar; rebuilding")
                        del index      # it points into the map: it goes first
                        mm.close()
                        return False
                    base = (index, mm)
                    del index
            except Exception as exc:  # noqa: BLE001 - any damage means rebuild
                log.warning("vector index %s unusable (%s); rebuilding", self.path, exc)
                return False
            self._swap_base(base)
            self.base_dtype = on_disk if base is not None else self.dtype
            self._delta, self._dead, self._matrix = {}, set(), None
            self.generation = int(meta.get("generation", -1))
            self.dirty = False
            n_delta, n_dead = int(meta.get("delta", 0)), int(meta.get("dead", 0))
            if n_delta or n_dead:
                try:
                    with np.load(self.delta_path) as z:
                        keys, vecs, dead = z["keys"], z["vectors"], z["dead"]
                    if len(keys) != n_delta or len(dead) != n_dead or (
                            len(keys) and vecs.shape != (len(keys), self.ndim)):
                        raise ValueError("counts do not match the sidecar")
                except Exception as exc:  # noqa: BLE001 - the catalog repairs it
                    log.warning("vector delta %s unusable (%s); catching up from the catalog",
                                self.delta_path, exc)
                    self.generation = -1
                    return True
                self._delta = {int(k): v for k, v in zip(keys, vecs.astype(np.float16))}
                self._dead = set(int(k) for k in dead)
            return True

    def save(self, generation: int, *, threads: int | None = None) -> None:
        """Persist: the delta alone while it is small, else a new base (compaction).

        ``threads`` builds the graph (default: half the cores, for a background save)."""
        with self._save_lock:
            with self._lock:
                base_n = self._base_len()
                pending = len(self._delta) + len(self._dead)
                compact = pending and (base_n == 0 or
                                       pending >= max(COMPACT_AT, COMPACT_FRACTION * base_n))
            if compact:
                self._compact(threads or _threads())
            with self._lock:
                delta = np.fromiter(self._delta, dtype=np.uint64, count=len(self._delta))
                dead = np.fromiter(self._dead, dtype=np.uint64, count=len(self._dead))
                vecs = (np.stack([self._delta[int(k)] for k in delta]) if len(delta)
                        else np.zeros((0, self.ndim), np.float16))
                count = self._base_len()
                self.dirty = False
            if len(delta) or len(dead):
                self._atomic(self.delta_path,
                             lambda tmp: _savez(tmp, keys=delta, vectors=vecs, dead=dead))
            atomic_write_text(self.meta_path, json.dumps(
                {"format": FORMAT, "generation": generation, "count": count,
                 "delta": len(delta), "dead": len(dead), "ndim": self.ndim,
                 "dtype": self.base_dtype if count else self.dtype}))
            if not len(delta) and not len(dead):
                self.delta_path.unlink(missing_ok=True)
            self.generation = generation

    def _compact(self, threads: int) -> None:
        """Write a new base holding the old one less tombstones plus the delta, and map it.

        The slow part (reading the base into memory, adding the delta, writing) runs on a
        snapshot without holding the lock, so queries go on meanwhile; changes made in the
        meantime stay in the delta (or become tombstones) when the new base is swapped in.
        """
        Index = _usearch_index()
        with self._lock:
            delta, dead = dict(self._delta), set(self._dead)
            has_base = self._base_len() > 0
            kind = self.base_dtype if has_base else self.dtype
        if has_base:
            full = Index.restore(str(self.path), view=False)   # in memory, for the writes
            if kind != self.dtype:
                # a base of an older kind (f16, before the passages' int8): rewritten in
                # this index's kind, once, from its own vectors; the old graph goes first
                keys, vecs = _contents(full)
                del full
                full, kind = self._graph_of(keys, vecs, threads), self.dtype
            if dead:
                gone = np.fromiter(dead, dtype=np.uint64, count=len(dead))
                full.remove(gone[np.fromiter((full.contains(int(k)) for k in gone), bool,
                                             count=len(gone))])
        else:
            full = self._new()
        if delta:
            keys = np.fromiter(delta, dtype=np.uint64, count=len(delta))
            present = np.fromiter((full.contains(int(k)) for k in keys), bool, count=len(keys))
            if present.any():
                full.remove(keys[present])
            full.add(keys, np.stack([delta[int(k)] for k in keys]), threads=threads)
        self._atomic(self.path, full.save, need=len(full) * self.ndim * 2)
        del full
        base = self._view(self.path, kind)
        with self._lock:
            # what changed while the base was written stays pending
            now_dead = self._dead - dead
            for key, vec in delta.items():
                cur = self._delta.get(key)
                if cur is vec:
                    del self._delta[key]        # folded into the new base
                else:
                    now_dead.add(key)           # replaced or removed meanwhile
            self._swap_base(base)
            self.base_dtype = kind
            self._dead = now_dead
            self._matrix = None

    def _atomic(self, target: Path, write: Callable[[str], None], need: int = 0) -> None:
        def explain(exc: BaseException) -> None:
            # the last good files stay; the catalog still has every vector
            if not isinstance(exc, OSError) and _low_space(target.parent, need):
                raise OSError(28, "No space left on device", str(target)) from exc

        atomic_write(target, write, on_error=explain)

    def _graph_of(self, keys: np.ndarray, vecs: np.ndarray, threads: int) -> Any:
        """A new graph of this index's kind holding these vectors."""
        new = self._new()
        for i in range(0, len(keys), ADD_BATCH):
            new.add(keys[i:i + ADD_BATCH], vecs[i:i + ADD_BATCH], threads=threads)
        log.info("vector base %s rewritten as %s (%d vectors)", self.path.name, self.dtype, len(keys))
        return new

    @property
    def approximate(self) -> bool:
        """The base's cosines are int8's: to be computed again where they must be exact."""
        return self.base_dtype == QUANTIZED and self._base_len() > 0

    def _view(self, path: Path, dtype: str) -> tuple[Any, mmap.mmap]:
        """Map the base file and view the graph over that map (so its pages can be
        released when idle). Viewing reads every node's header, so it starts touched."""
        with open(path, "rb") as f:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            if hasattr(mm, "madvise"):
                mm.madvise(mmap.MADV_RANDOM)   # a graph walk: no read-ahead around a fault
            index = self._new(dtype)
            index.view(mm)
        except BaseException:
            mm.close()
            raise
        return index, mm

    def _swap_base(self, base: tuple[Any, mmap.mmap] | None) -> None:
        """Put a new base in place (under the lock). No search can be in the old one (they
        hold the lock too): it is dropped, then its map closed."""
        old_map = self._map
        self._index = None           # the only reference to the old index: it goes now
        self._map = None
        if old_map is not None:
            try:
                old_map.close()
            except BufferError:
                pass  # still exported somewhere: the map goes with its last reference
        if base is not None:
            self._index, self._map = base
            self._touched = True
            self._last_search = time.monotonic()
            self._arm_release()

    def release_memory(self) -> bool:
        """Hand the base's mapped pages back to the kernel (they stay in its page cache).
        True when there was something to release."""
        with self._lock:
            if self._map is None or not self._touched or not hasattr(self._map, "madvise"):
                return False
            try:
                self._map.madvise(mmap.MADV_DONTNEED)
            except (OSError, ValueError):
                return False
            self._touched = False
            return True

    def _arm_release(self) -> None:
        """One short-lived thread releases the pages once searches have been quiet for
        IDLE_RELEASE_S; it ends then (the next search starts another)."""
        if self._releaser is not None and self._releaser.is_alive():
            return
        self._releaser = threading.Thread(target=_release_when_idle, args=(weakref.ref(self),),
                                          name="vectors-release", daemon=True)
        self._releaser.start()

    def reset(self) -> None:
        with self._lock:
            self._swap_base(None)
            self._delta, self._dead, self._matrix = {}, set(), None
            self.generation = -1
            self.dirty = True

    def remove_files(self) -> None:
        """Forget what is on disk (a new model, a damaged catalog)."""
        for p in (self.path, self.meta_path, self.delta_path):
            p.unlink(missing_ok=True)

    def _base_len(self) -> int:
        return len(self._index) if self._index is not None else 0



def _contents(index: Any) -> tuple[np.ndarray, np.ndarray]:
    """(keys, f16 vectors) of a usearch index held in memory (0.77 GB at 1M passages),
    ``ADD_BATCH`` at a time: usearch hands a batch back as one array per key (its
    ``vectors`` took 1.8 GB more at 1M)."""
    with warnings.catch_warnings():           # usearch 2.26 on numpy 2: a copy= warning
        warnings.simplefilter("ignore", DeprecationWarning)
        keys = np.asarray(index.keys, dtype=np.uint64)
    vecs = np.empty((len(keys), index.ndim), dtype=np.float16)
    for i in range(0, len(keys), ADD_BATCH):
        part = keys[i:i + ADD_BATCH]
        vecs[i:i + len(part)] = np.stack(index.get(part))
    return keys, vecs


def _release_when_idle(ref: weakref.ref[VectorFiles]) -> None:
    while True:
        vi = ref()
        if vi is None:
            return
        with vi._lock:
            wait = vi._last_search + IDLE_RELEASE_S - time.monotonic()
            if wait <= 0:
                vi.release_memory()
                vi._releaser = None
                return
        del vi
        time.sleep(wait)


def _savez(path: str, **arrays: np.ndarray) -> None:
    with open(path, "wb") as f:       # np.savez would append ".npz" to a bare name
        np.savez(f, **arrays)  # type: ignore[arg-type]  # numpy's stub: allow_pickle in **kwds
