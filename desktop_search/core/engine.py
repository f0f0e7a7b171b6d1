"""The engine: one object the CLI, the window and the tests drive.

It owns the catalog, the vector index, the embedder and the indexing worker. Nothing
here imports Qt; the window subscribes to ``Listener`` callbacks (from worker threads).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from desktop_search import paths
from desktop_search.config import Settings
from desktop_search.core.catalog import Catalog
from desktop_search.core.embed import make_embedder
from desktop_search.core.indexer import EMBED_BATCH, Indexer
from desktop_search.core.scan import is_under, norm
from desktop_search.core.search import Filters, Hit, rank
from desktop_search.core.vectors import VectorIndex
from desktop_search.core.watcher import Change, ChangeQueue, Watcher
from desktop_search.errors import ConfigError, IndexCorrupt, ModelError

log = logging.getLogger(__name__)

SAVE_EVERY_S = 20.0
#: file changes written in one catalog transaction, at most (and for at most this long)
WRITE_BATCH_FILES = 64
WRITE_BATCH_S = 0.5
ROOT_CHECK_S = 2.0
RECONCILE_EVERY_S = 15 * 60.0


def _disk_full(exc: BaseException) -> bool:
    import errno
    import sqlite3

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower():
        return True
    return isinstance(exc.__cause__, BaseException) and _disk_full(exc.__cause__)


class Engine:
    def __init__(self, data_dir: str | os.PathLike | None = None, *,
                 settings: Settings | None = None, embedder=None) -> None:
        self.data_dir = paths.ensure_data_dir(Path(data_dir) if data_dir else None)
        self.settings_path = self.data_dir / "settings.json"
        self.settings = settings if settings is not None else Settings.load(self.settings_path)
        self.settings.validate()
        _remove_stale_temp_files(self.data_dir)
        #: a message for the user about something the engine had to repair at start
        self.notice: str | None = None
        self.catalog = self._open_catalog()
        self._embedder = embedder
        self._vectors: VectorIndex | None = None
        self._model_lock = threading.RLock()
        self.model_error: str | None = None
        self.indexer = Indexer(catalog=self.catalog, settings=self.settings,
                               vectors_getter=self.vectors, embedder_getter=self.embedder)

    def _open_catalog(self) -> Catalog:
        """Open the catalog; a damaged one is set aside and rebuilt, never used silently."""
        path = self.data_dir / "catalog.sqlite3"
        try:
            return Catalog(path)
        except IndexCorrupt as exc:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            for suffix in ("", "-wal", "-shm"):
                f = Path(str(path) + suffix)
                if f.exists():
                    os.replace(f, Path(f"{path}{suffix}.damaged-{stamp}"))
            for f in (self.data_dir / "vectors.usearch", self.data_dir / "vectors.json"):
                f.unlink(missing_ok=True)
            log.warning("%s; set it aside and rebuilding the index", exc)
            cat = Catalog(path)
            for root in self._saved_roots():
                cat.add_root(root)
            self.notice = (f"The index was damaged ({exc}); it was set aside and is being "
                           "rebuilt from your folders.")
            return cat

    def _saved_roots(self) -> list[str]:
        import json

        try:
            return list(json.loads((self.data_dir / "roots.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return []

    def _save_roots(self) -> None:
        import json

        from desktop_search.config import atomic_write_text

        atomic_write_text(self.data_dir / "roots.json",
                          json.dumps([r["path"] for r in self.catalog.roots()]))

    # -- model and vectors ---------------------------------------------------------------
    def _model(self):
        """The configured embedder object, not necessarily loaded (cheap)."""
        with self._model_lock:
            if self._embedder is None:
                self._embedder = make_embedder(self.settings.model, device=self.settings.device,
                                               backend=self.settings.backend,
                                               cache_dir=paths.cache_dir())
            return self._embedder

    def embedder(self):
        """The embedder, loaded (this can take seconds: never call it on a GUI thread)."""
        emb = self._model()
        if hasattr(emb, "load"):
            try:
                emb.load()
            except ModelError as exc:
                self.model_error = str(exc)
                raise
        self.model_error = None
        return emb

    @property
    def model_ready(self) -> bool:
        e = self._embedder
        return e is not None and getattr(e, "loaded", True) and self._vectors is not None

    def vectors(self) -> VectorIndex:
        """The vector index for the current model; re-embeds if the model changed.

        When the catalog's vectors were made by the configured model, the index opens
        without loading the model (start-up and ``doctor`` stay fast).
        """
        with self._model_lock:
            if self._vectors is not None:
                return self._vectors
            model_id = self._model().model_id
            old_id = self.catalog.get_meta("model_id")
            old_dim = int(self.catalog.get_meta("dim") or 0)
            vec_path = self.data_dir / "vectors.usearch"
            if old_id == model_id and old_dim:
                dim = old_dim
            else:
                dim = int(self.embedder().dim)
                if old_id is not None:
                    log.warning("model changed from %s to %s: re-embedding every passage",
                                old_id, model_id)
                    self.catalog.clear_vectors()
                    for p in (vec_path, vec_path.with_suffix(".json")):
                        p.unlink(missing_ok=True)
                with self.catalog.transaction() as c:
                    self.catalog.set_meta("model_id", model_id, conn=c)
                    self.catalog.set_meta("dim", str(dim), conn=c)
            vi = VectorIndex(vec_path, ndim=dim)
            loaded = vi.load()
            if not loaded or vi.generation != self.catalog.vector_generation():
                added, removed = vi.sync_from(self.catalog)
                if added or removed or not loaded:
                    log.info("vector index repaired from the catalog (+%d, -%d)", added, removed)
                    vi.save(self.catalog.vector_generation())
            self._vectors = vi
            return vi

    def save(self) -> None:
        """Persist the vector index if it changed (atomic)."""
        with self._model_lock:
            if self._vectors is not None and self._vectors.dirty:
                self._vectors.save(self.catalog.vector_generation())

    # -- roots ---------------------------------------------------------------------------
    def add_root(self, path: str | os.PathLike) -> str:
        root = norm(path)
        if not os.path.exists(root):
            raise ConfigError(f"no such folder: {path}")
        if not os.path.isdir(root):
            raise ConfigError(f"not a folder: {path}")
        for r in self.catalog.roots():
            if is_under(root, r["path"]):
                return r["path"]  # already covered by a root
        self.catalog.add_root(root)
        # a new root that contains older roots absorbs them
        for r in self.catalog.roots():
            if r["path"] != root and is_under(r["path"], root):
                with self.catalog.transaction() as c:
                    c.execute("UPDATE files SET root_id=(SELECT id FROM roots WHERE path=?) "
                              "WHERE root_id=?", (root, r["id"]))
                    c.execute("DELETE FROM roots WHERE id=?", (r["id"],))
        self._save_roots()
        return root

    def remove_root(self, path: str | os.PathLike) -> int:
        root = norm(path)
        if self.catalog.root_id(root) is None:
            raise ConfigError(f"{path} is not an indexed folder")
        dropped = self.catalog.remove_root(root)
        self._save_roots()
        if dropped and self.catalog.get_meta("model_id") is not None:
            self.vectors().remove(dropped)
            self.save()
        return len(dropped)

    def roots(self) -> list[dict]:
        return self.catalog.roots()

    # -- search --------------------------------------------------------------------------
    def search(self, query: str, *, k: int = 10, filters: Filters | None = None,
               dense: bool = True) -> list[Hit]:
        """Ranked files. With ``dense=False`` (model not loaded yet) words alone rank."""
        query = " ".join(query.split())
        if not query:
            return []
        qvec, vecs = None, None
        if dense:
            emb = self.embedder()
            vecs = self.vectors()
            qvec = emb.embed_query(query)
        return rank(catalog=self.catalog, query=query, query_vec=qvec, vectors=vecs, k=k,
                    filters=filters)

    def more_like_this(self, path: str | os.PathLike, *, k: int = 10,
                       filters: Filters | None = None) -> list[Hit]:
        row = self.catalog.get_file(norm(path))
        if row is None:
            raise ConfigError(f"{path} is not in the index")
        vecs = self.vectors()
        ids = [c.id for c in self.catalog.chunks_of_file(row.id)]
        _, v = self.catalog.vectors_for(ids)
        if len(v) == 0:
            return []
        centroid = v.astype(np.float32).mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        return rank(catalog=self.catalog, query="", query_vec=centroid, vectors=vecs, k=k,
                    filters=filters, exclude_file=row.id, use_lexical=False)

    # -- status and repair ---------------------------------------------------------------
    def status(self) -> dict:
        st = self.catalog.stats()
        size = sum(f.stat().st_size for f in self.data_dir.iterdir() if f.is_file())
        return dict(
            data_dir=str(self.data_dir), roots=self.catalog.roots(),
            files=st["files_indexed"], chunks=st["chunks"], pending=st["chunks_unembedded"],
            failed=[dict(path=f.path, state=f.state, reason=f.error)
                    for f in self.catalog.failed_files()],
            model=self.catalog.get_meta("model_id") or self.settings.model,
            dim=int(self.catalog.get_meta("dim") or 0) or None,
            size_bytes=size)

    def doctor(self, *, repair: bool = False) -> dict:
        """Check that the vector index holds exactly the catalog's vectors."""
        problems: list[str] = []
        sqlite_ok = self.catalog.quick_check()
        if sqlite_ok != "ok":
            problems.append(f"the catalog is damaged: {sqlite_ok} (remove it to rebuild)")
        vi = self.vectors()
        have = vi.keys()
        want = self.catalog.embedded_ids()
        extra = np.setdiff1d(have, want)
        missing = np.setdiff1d(want, have)
        if len(extra):
            problems.append(f"{len(extra)} vectors of passages no longer in the catalog")
        if len(missing):
            problems.append(f"{len(missing)} passages missing from the vector index")
        dup = self.catalog._conn().execute(
            "SELECT COUNT(*) FROM (SELECT path FROM files GROUP BY path HAVING COUNT(*) > 1)").fetchone()[0]
        if dup:
            problems.append(f"{dup} files listed twice")
        orphans = self.catalog._conn().execute(
            "SELECT COUNT(*) FROM chunks_fts WHERE rowid NOT IN (SELECT id FROM chunks)").fetchone()[0]
        if orphans:
            problems.append(f"{orphans} word-index entries without a passage")
        missing_fts = self.catalog._conn().execute(
            "SELECT COUNT(*) FROM chunks WHERE id NOT IN (SELECT rowid FROM chunks_fts)").fetchone()[0]
        if missing_fts:
            problems.append(f"{missing_fts} passages missing from the word index")
        repaired = False
        if repair and problems:
            vi.sync_from(self.catalog)
            with self.catalog.transaction() as c:
                c.execute("DELETE FROM chunks_fts WHERE rowid NOT IN (SELECT id FROM chunks)")
                c.execute("INSERT INTO chunks_fts(rowid, heading, body) SELECT c.id, "
                          "CASE WHEN c.ord=0 THEN f.heading ELSE '' END, c.text FROM chunks c "
                          "JOIN files f ON f.id=c.file_id WHERE c.id NOT IN (SELECT rowid FROM chunks_fts)")
            vi.save(self.catalog.vector_generation())
            repaired = True
        return dict(ok=not problems, problems=problems, repaired=repaired,
                    vectors=len(vi), chunks_with_vectors=int(len(want)),
                    pending=self.catalog.count_unembedded())

    def close(self) -> None:
        try:
            self.save()
        finally:
            self.indexer.close()
            self.catalog.close()


def _remove_stale_temp_files(data_dir: Path) -> None:
    """Half-written temp files of a save that was killed: never read, safe to drop."""
    for f in data_dir.glob("*.tmp"):
        try:
            f.unlink()
        except OSError:
            pass


# ---------------------------------------------------------------------------------------
@dataclass
class Progress:
    state: str = "idle"             # idle | scanning | indexing | embedding | paused | loading-model
    files_done: int = 0
    files_total: int = 0
    current: str | None = None
    chunks_pending: int = 0         # passages waiting for a vector
    chunks_embedded: int = 0
    files_per_s: float = 0.0
    chunks_per_s: float = 0.0
    eta_s: float | None = None
    failed: int = 0


class Listener(Protocol):
    def progress_changed(self, progress: Progress) -> None: ...
    def file_failed(self, path: str, reason: str) -> None: ...
    def index_changed(self) -> None: ...


class _NullListener:
    def progress_changed(self, progress: Progress) -> None: pass
    def file_failed(self, path: str, reason: str) -> None: pass
    def index_changed(self) -> None: pass


class IndexService:
    """The indexing worker: one thread applying queued changes, then embedding the backlog.

    ``run_until_idle`` does the same work in the caller's thread (the CLI's ``index``).
    """

    def __init__(self, engine: Engine, *, listener: Listener | None = None,
                 debounce: float = 0.5) -> None:
        self.engine = engine
        self.listener = listener or _NullListener()
        self.queue = ChangeQueue(debounce)
        self.watcher: Watcher | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._running = threading.Event()   # set = not paused
        self._running.set()
        self._idle = threading.Event()
        self._progress = Progress()
        self._t0 = time.monotonic()
        self._emb_t0 = None
        self._last_save = time.monotonic()
        self._last_emit = 0.0
        self.embed_batch = EMBED_BATCH
        self._model_checked = False
        self._changed = False
        self.fatal: ModelError | None = None
        self._rescan_on_resume = False
        self._last_reconcile = time.monotonic()
        self.missing_roots: set[str] = set()
        engine.indexer.on_file_failed = self._on_file_failed

    # -- control -------------------------------------------------------------------------
    def start(self, *, watch: bool = True) -> None:
        if watch:
            self.watcher = Watcher(self.queue)
            self.watcher.start()
        for r in self.engine.roots():
            self._watch(r["path"])
            self.scan(r["path"])
        self._thread = threading.Thread(target=self._loop, name="desktop-search-indexer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._running.set()
        self.queue.wake()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.watcher is not None:
            self.watcher.stop()
        self.engine.save()

    def pause(self) -> None:
        self._running.clear()
        self._progress.state = "paused"
        self._emit(force=True)

    def resume(self) -> None:
        if self._rescan_on_resume:
            self._rescan_on_resume = False
            for r in self.engine.roots():
                self.scan(r["path"])
        self._running.set()
        self.queue.wake()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause_root(self, path: str, paused: bool = True) -> None:
        """Stop (or restart) indexing one folder; its index keeps answering."""
        root = norm(path)
        self.engine.catalog.set_root_paused(root, paused)
        if not paused:
            self.scan(root)

    def _paused_root(self, path: str) -> bool:
        return any(paused and is_under(path, rpath)
                   for _, rpath, paused in self.engine.catalog.root_paths())

    def add_root(self, path: str) -> str:
        root = self.engine.add_root(path)
        self._watch(root)
        self.scan(root)
        return root

    def remove_root(self, path: str) -> None:
        root = norm(path)
        if self.watcher is not None:
            self.watcher.unwatch(root)
        self.queue.put(Change("scan", "\0remove\0" + root), delay=0)

    def scan(self, path: str) -> None:
        self._idle.clear()
        self.queue.put(Change("scan", norm(path)), delay=0)

    def retry(self, path: str) -> None:
        self._idle.clear()
        self.queue.put(Change("upsert", "\0force\0" + norm(path)), delay=0)

    def wait_idle(self, timeout: float | None = None) -> bool:
        return self._idle.wait(timeout)

    @property
    def progress(self) -> Progress:
        return self._progress

    def _watch(self, root: str) -> None:
        if self.watcher is not None:
            self.watcher.watch(root)

    # -- work ----------------------------------------------------------------------------
    def run_until_idle(self, on_progress: Callable[[Progress], None] | None = None) -> None:
        """Scan every root and index to completion in this thread (no watching)."""
        if on_progress is not None:
            self.listener = _Callback(on_progress)
        for r in self.engine.roots():
            self.scan(r["path"])
        while not self._stop.is_set():
            if not self._step(timeout=0.0):
                break
        self._finish_idle()
        if self.fatal is not None:
            raise self.fatal

    def _loop(self) -> None:
        last_check = 0.0
        while not self._stop.is_set():
            if not self._running.is_set():
                self._running.wait(0.5)
                continue
            now = time.monotonic()
            if self.watcher is not None and now - last_check > ROOT_CHECK_S:
                last_check = now
                self._check_roots()
                if self._idle.is_set() and now - self._last_reconcile > RECONCILE_EVERY_S:
                    # a safety net under the watcher (an overflowed event queue, a network
                    # folder without events): compare every root with the catalog again
                    self._last_reconcile = now
                    for r in self.engine.roots():
                        self.scan(r["path"])
            try:
                if self._step(timeout=0.25):
                    self._idle.clear()
                elif not self._idle.is_set():
                    self._finish_idle()
                else:
                    # idle: sleep until the watcher (or the user) brings a change
                    change = self.queue.pop_ready(0.25)
                    if change is not None:
                        self._idle.clear()
                        self._apply(change)
            except Exception as exc:  # noqa: BLE001 - the worker must survive anything
                worked = True
                if _disk_full(exc):
                    # keep the last good state; go on once the user has made room
                    self.listener.file_failed("", "the disk is full: indexing paused; free some "
                                              "space and resume")
                    self.pause()
                    self._rescan_on_resume = True
                else:
                    log.exception("indexing step failed")
                    self.listener.file_failed("", f"indexing error: {exc}")
                    self._stop.wait(0.5)

    def _step(self, timeout: float) -> bool:
        """Do one unit of work. False when there is nothing to do right now."""
        change = self.queue.pop_ready(0.0)
        if change is not None:
            self._apply_batch(change)
            return True
        if self._embed_some():
            return True
        if len(self.queue):
            change = self.queue.pop_ready(timeout)
            if change is not None:
                self._apply(change)
                return True
            return True  # changes are waiting out their debounce: not idle yet
        return False

    def _check_roots(self) -> None:
        """A watched folder that vanished keeps its index (an unplugged drive, a folder
        being restored) and is watched again, and reconciled, when it comes back."""
        for _, root, _ in self.engine.catalog.root_paths():
            present = os.path.isdir(root) and os.access(root, os.R_OK | os.X_OK)
            if not present and root not in self.missing_roots:
                self.missing_roots.add(root)
                self.watcher.unwatch(root)
                self.listener.file_failed(root, "folder is missing or unreadable; keeping its "
                                          "index until it is back")
            elif present and root in self.missing_roots:
                self.missing_roots.discard(root)
                self.watcher.unwatch(root)
                self._watch(root)
                self.scan(root)

    def _apply_batch(self, change: Change) -> None:
        """Apply ``change`` and the file changes ready after it in one catalog transaction
        (each file still its own savepoint): a folder of many small files pays one commit
        per batch, not one per file. A kill loses at most the batch, found again by the
        next scan."""
        if change.op != "upsert":
            self._apply(change)
            return
        later: Change | None = None
        error: BaseException | None = None
        t0 = time.monotonic()
        with self.engine.catalog.transaction():
            n = 0
            while True:
                try:
                    self._apply(change)
                except Exception as exc:  # noqa: BLE001 - keep the files done so far
                    error = exc
                    break
                n += 1
                if (n >= WRITE_BATCH_FILES
                        or time.monotonic() - t0 > WRITE_BATCH_S or self._stop.is_set()
                        or not self._running.is_set()):
                    break
                nxt = self.queue.pop_ready(0.0)
                if nxt is None:
                    break
                if nxt.op != "upsert":
                    later = nxt
                    break
                change = nxt
        if error is not None:
            raise error
        if later is not None:
            self._apply(later)

    def _apply(self, change: Change) -> None:
        idx = self.engine.indexer
        p = self._progress
        if change.op == "delete" and any(change.path == rpath for _, rpath, _ in
                                         self.engine.catalog.root_paths()):
            return  # a root itself vanished: handled by _check_roots, its index is kept
        if change.op == "scan":
            if change.path.startswith("\0remove\0"):
                self.engine.remove_root(change.path[len("\0remove\0"):])
                self.listener.index_changed()
                return
            self._plan(change.path)
            return
        if self._paused_root(change.path):
            return  # caught up by the scan when the folder is resumed
        p.current = change.path
        with idx.lock:
            if change.op == "upsert" and change.path.startswith("\0force\0"):
                result = idx.index_file(change.path[len("\0force\0"):], force=True)
            elif change.op == "upsert":
                result = idx.index_file(change.path)
            elif change.op == "delete":
                result = idx.delete_path(change.path)
            else:
                result = idx.move_path(change.src, change.path)
                if os.path.isdir(change.path):
                    # files that were still queued under the old name are found here
                    self.queue.put(Change("scan", change.path))
        setattr(idx.counters, result, getattr(idx.counters, result) + 1)
        if p.state in ("idle", "scanning", "embedding"):
            p.state = "indexing"
        p.files_done += 1
        p.files_total = max(p.files_total, p.files_done + len(self.queue))
        if result in ("indexed", "moved", "copied", "deleted"):
            self._changed = True
        self._emit()

    def _plan(self, path: str) -> None:
        """Reconcile a root (or a folder inside one) with the catalog and queue the work."""
        idx = self.engine.indexer
        p = self._progress
        p.state = "scanning"
        self._emit(force=True)
        owner = idx.root_of(path)
        if owner is None or self._paused_root(path):
            return
        root, root_id = owner
        if not os.path.isdir(root):
            # the folder is gone or unmounted: keep the last good index, say so
            self.listener.file_failed(root, "folder is missing or unreadable; keeping its index")
            return
        self._watch(root)
        todo, gone = idx.plan(root, root_id, under=path)
        for f, _ in todo:          # new and changed first: a rename is seen as a move
            self.queue.put(Change("upsert", f), delay=0)
        for g in gone:
            self.queue.put(Change("delete", g), delay=0)
        p.files_total += len(todo) + len(gone)
        if path == root:
            self.engine.catalog.mark_root_scanned(root_id)
        p.state = "indexing"

    def _embed_some(self) -> bool:
        p = self._progress
        if not self._model_checked:
            # Loading the model also checks it is the one the vectors were made with
            # (a different one clears them, and they join the backlog).
            p.state = "loading-model"
            self._emit(force=True)
            try:
                self.engine.vectors()
            except ModelError as exc:
                self._fail_model(exc)
                return False
            self._model_checked = True
        if self.engine.catalog.count_unembedded() == 0:
            return False
        if self._emb_t0 is None:
            self._emb_t0 = (time.monotonic(), self.engine.indexer.counters.chunks_embedded)
        p.state = "loading-model" if not self.engine.model_ready else "embedding"
        self._emit(force=not self.engine.model_ready)
        try:
            with self.engine.indexer.lock:
                n = self.engine.indexer.embed_backlog(self.embed_batch)
        except ModelError as exc:
            self._fail_model(exc)
            return False
        if n:
            p.state = "embedding"
            self._changed = True
            now = time.monotonic()
            if now - self._last_save > SAVE_EVERY_S:
                self.engine.save()
                self._last_save = now
            self._emit()
        return n > 0

    def _fail_model(self, exc: ModelError) -> None:
        """Without a model nothing more can be embedded: stop, and tell the user."""
        self.fatal = exc
        self.listener.file_failed("", str(exc))
        self._stop.set()

    def _finish_idle(self) -> None:
        self.engine.save()
        self._last_save = time.monotonic()
        p = self._progress
        p.state = "idle"
        p.current = None
        p.files_done = p.files_total = 0
        p.eta_s = None
        self._emb_t0 = None
        self._emit(force=True)
        if getattr(self, "_changed", False):
            self._changed = False
            self.listener.index_changed()
        self._idle.set()

    def _on_file_failed(self, path: str, reason: str) -> None:
        self._progress.failed += 1
        self.listener.file_failed(path, reason)

    def _emit(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_emit < 0.1:
            return
        self._last_emit = now
        p = self._progress
        c = self.engine.indexer.counters
        elapsed = max(1e-6, c.seconds)
        p.files_per_s = p.files_done / elapsed if p.files_done else 0.0
        if self._emb_t0 is not None:
            dt = now - self._emb_t0[0]
            p.chunks_per_s = (c.chunks_embedded - self._emb_t0[1]) / dt if dt > 0.5 else 0.0
        p.chunks_embedded = c.chunks_embedded
        p.chunks_pending = self.engine.catalog.count_unembedded()
        left_files = max(0, p.files_total - p.files_done)
        eta = 0.0
        if left_files and p.files_per_s:
            eta += left_files / p.files_per_s
        if p.chunks_pending and p.chunks_per_s:
            eta += p.chunks_pending / p.chunks_per_s
        p.eta_s = eta if eta else None
        if self.paused:
            p.state = "paused"
        self.listener.progress_changed(p)


class _Callback(_NullListener):
    def __init__(self, fn: Callable[[Progress], None]) -> None:
        self.fn = fn

    def progress_changed(self, progress: Progress) -> None:
        self.fn(progress)
