"""The indexing worker: one thread applying queued changes, then embedding the backlog.

It says what it is doing: every change of state (and, at most ten times a second, of its
counters) is published to the listener as an immutable :class:`Snapshot`, from the
worker's own thread. A window renders snapshots and sends typed :data:`Command` objects;
it never polls or guesses. ``run_until_idle`` does the same work in the caller's thread
(the CLI's ``index``).
"""
from __future__ import annotations

import enum
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Protocol, Union

from desktop_search.core.engine import Engine
from desktop_search.core.indexer import EMBED_BATCH
from desktop_search.core.scan import is_under, norm
from desktop_search.core.watcher import Change, ChangeQueue, Watcher
from desktop_search.errors import ModelError

log = logging.getLogger(__name__)

SAVE_EVERY_S = 20.0
#: file changes written in one catalog transaction, at most (and for at most this long)
WRITE_BATCH_FILES = 64
WRITE_BATCH_S = 0.5
ROOT_CHECK_S = 2.0
RECONCILE_EVERY_S = 15 * 60.0
#: counters are published at most this often; a change of state is published at once
EMIT_EVERY_S = 0.1


class State(str, enum.Enum):
    """What the worker is doing. A ``str`` so that logs and JSON read naturally."""

    IDLE = "idle"            # nothing to do: everything searchable is searchable
    SCANNING = "scanning"    # comparing a folder with the catalog
    READING = "reading"      # extracting and chunking files (words searchable at once)
    EMBEDDING = "embedding"  # computing vectors for the backlog (or loading the model)
    PICTURES = "pictures"    # reading the words in pictures and scans (OCR), then the
                             # pictures' own vectors: after every text file is searchable
    PAUSED = "paused"        # the user paused indexing, or the disk is full
    ERROR = "error"          # cannot go on (the model failed to load); ``error`` says why

    def __str__(self) -> str:
        return self.value


BUSY = frozenset({State.SCANNING, State.READING, State.EMBEDDING, State.PICTURES})


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One immutable picture of the worker, safe to hand to any thread."""

    state: State = State.IDLE
    files_done: int = 0
    files_total: int = 0
    current: str | None = None
    chunks_pending: int = 0         # passages waiting for a vector
    chunks_embedded: int = 0
    files_per_s: float = 0.0
    chunks_per_s: float = 0.0
    eta_s: float | None = None
    failed: int = 0
    model_loading: bool = False     # EMBEDDING, but the model is still loading
    error: str | None = None        # why the state is ERROR (or PAUSED for a full disk)
    #: grows each time what a search can find changed (files added, removed, embedded):
    #: a window re-runs its query when this moves, instead of on a timer
    index_version: int = 0
    #: pictures and scans waiting for OCR (then pictures waiting for their vector)
    pictures_pending: int = 0
    #: a model switch re-embedding in the background: (passages done, passages in all);
    #: the current model keeps answering until it completes
    model_switch: tuple[int, int] | None = None

    @property
    def busy(self) -> bool:
        return self.state in BUSY


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class Rescan:
    """Compare a folder (a root, or a folder inside one) with the catalog."""
    path: str


@dataclass(frozen=True, slots=True)
class Reindex:
    """Read one file again even if it looks unchanged (the failed list's "retry")."""
    path: str


@dataclass(frozen=True, slots=True)
class RemoveRoot:
    """Stop watching a folder and forget its files."""
    path: str


Command = Union[Rescan, Reindex, RemoveRoot]


class Listener(Protocol):
    def snapshot_changed(self, snapshot: Snapshot) -> None: ...
    def file_failed(self, path: str, reason: str) -> None: ...


class NullListener:
    def snapshot_changed(self, snapshot: Snapshot) -> None: pass
    def file_failed(self, path: str, reason: str) -> None: pass


def _disk_full(exc: BaseException) -> bool:
    import errno
    import sqlite3

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower():
        return True
    return isinstance(exc.__cause__, BaseException) and _disk_full(exc.__cause__)


class IndexService:
    def __init__(self, engine: Engine, *, listener: Listener | None = None,
                 debounce: float = 0.5) -> None:
        self.engine = engine
        self.listener = listener or NullListener()
        self.queue = ChangeQueue(debounce)
        self.watcher: Watcher | None = None
        self._commands: deque[Command] = deque()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._running = threading.Event()   # set = not paused
        self._running.set()
        self._idle = threading.Event()
        self._state_lock = threading.Lock()
        # the worker's own mutable counters; only snapshots of them leave this object
        self._state = State.IDLE
        self._files_done = 0
        self._files_total = 0
        self._current: str | None = None
        self._failed = 0
        self._model_loading = False
        self._error: str | None = None
        self._index_version = 0
        self._pictures_pending = 0
        self._pictures_off = False    # the picture model failed: text goes on without it
        self._snapshot = Snapshot()
        self._emb_t0: tuple[float, int] | None = None
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
            self.submit(Rescan(r["path"]))
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

    def submit(self, command: Command) -> None:
        """Queue a command for the worker (cheap: safe from a GUI thread)."""
        self._idle.clear()
        self._commands.append(command)
        self.queue.wake()

    def pause(self) -> None:
        """Stop after the current step; the worker publishes PAUSED when it has."""
        self._running.clear()
        self.queue.wake()

    def resume(self) -> None:
        if self._rescan_on_resume:
            self._rescan_on_resume = False
            for r in self.engine.roots():
                self.submit(Rescan(r["path"]))
        with self._state_lock:
            self._error = None
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
            self.submit(Rescan(root))

    def _paused_root(self, path: str) -> bool:
        return any(paused and is_under(path, rpath)
                   for _, rpath, paused in self.engine.catalog.root_paths())

    def add_root(self, path: str) -> str:
        root = self.engine.add_root(path)
        self._watch(root)
        self.submit(Rescan(root))
        return root

    def remove_root(self, path: str) -> None:
        root = norm(path)
        if self.watcher is not None:
            self.watcher.unwatch(root)
        self.submit(RemoveRoot(root))

    def scan(self, path: str) -> None:
        self.submit(Rescan(norm(path)))

    def retry(self, path: str) -> None:
        self.submit(Reindex(norm(path)))

    def wait_idle(self, timeout: float | None = None) -> bool:
        return self._idle.wait(timeout)

    @property
    def snapshot(self) -> Snapshot:
        """The latest published snapshot."""
        return self._snapshot

    def _watch(self, root: str) -> None:
        if self.watcher is not None:
            self.watcher.watch(root)

    # -- work ----------------------------------------------------------------------------
    def run_until_idle(self, on_snapshot: Callable[[Snapshot], None] | None = None) -> None:
        """Scan every root and index to completion in this thread (no watching)."""
        if on_snapshot is not None:
            self.listener = _Callback(on_snapshot, self.listener)
        for r in self.engine.roots():
            self.submit(Rescan(r["path"]))
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
                if self._state is not State.PAUSED:
                    self._set_state(State.PAUSED)
                self._running.wait(0.5)
                if self._running.is_set():
                    self._idle.clear()   # resumed: say what comes next, idle included
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
                        self.submit(Rescan(r["path"]))
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
                if _disk_full(exc):
                    # keep the last good state; go on once the user has made room
                    reason = "the disk is full: indexing paused; free some space and resume"
                    self.listener.file_failed("", reason)
                    with self._state_lock:
                        self._error = reason
                    self._rescan_on_resume = True
                    self.pause()
                else:
                    log.exception("indexing step failed")
                    self.listener.file_failed("", f"indexing error: {exc}")
                    self._stop.wait(0.5)

    def _step(self, timeout: float) -> bool:
        """Do one unit of work. False when there is nothing to do right now."""
        if self._commands:
            self._run(self._commands.popleft())
            return True
        change = self.queue.pop_ready(0.0)
        if change is not None:
            self._apply_batch(change)
            return True
        if self._embed_some():
            return True
        # pictures and scans last: text files are searchable first, whatever their number
        if self._ocr_some() or self._picture_vectors_some():
            return True
        if len(self.queue):
            change = self.queue.pop_ready(timeout)
            if change is not None:
                self._apply(change)
                return True
            return True  # changes are waiting out their debounce: not idle yet
        return False

    def _run(self, cmd: Command) -> None:
        if isinstance(cmd, RemoveRoot):
            if self.engine.catalog.root_id(cmd.path) is not None:
                self.engine.remove_root(cmd.path)
                self._changed = True
                self._bump_version()
        elif isinstance(cmd, Rescan):
            self._plan(cmd.path)
        elif isinstance(cmd, Reindex):
            self._index(cmd.path, force=True)
        else:  # pragma: no cover - a new command type without a handler is a bug
            raise TypeError(f"unknown command {cmd!r}")

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
                self.submit(Rescan(root))

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
                if (n >= WRITE_BATCH_FILES or time.monotonic() - t0 > WRITE_BATCH_S
                        or self._stop.is_set() or not self._running.is_set() or self._commands):
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
        if change.op == "delete" and any(change.path == rpath for _, rpath, _ in
                                         self.engine.catalog.root_paths()):
            return  # a root itself vanished: handled by _check_roots, its index is kept
        if change.op == "scan":
            self._plan(change.path)
            return
        self._index(change.path, change=change)

    def _index(self, path: str, *, change: Change | None = None, force: bool = False) -> None:
        if self._paused_root(path):
            return  # caught up by the scan when the folder is resumed
        idx = self.engine.indexer
        with self._state_lock:
            self._current = path
        with idx.lock:
            if change is None or change.op == "upsert":
                result = idx.index_file(path, force=force)
            elif change.op == "delete":
                result = idx.delete_path(path)
            else:
                result = idx.move_path(change.src, path)
                if os.path.isdir(path):
                    # files that were still queued under the old name are found here
                    self.queue.put(Change("scan", path))
        setattr(idx.counters, result, getattr(idx.counters, result) + 1)
        with self._state_lock:
            self._files_done += 1
            self._files_total = max(self._files_total, self._files_done + len(self.queue))
        if result in ("indexed", "moved", "copied", "deleted"):
            self._changed = True
            self._bump_version()
        self._set_state(State.READING, force=False)

    def _plan(self, path: str) -> None:
        """Reconcile a root (or a folder inside one) with the catalog and queue the work."""
        idx = self.engine.indexer
        owner = idx.root_of(path)
        if owner is None or self._paused_root(path):
            return
        self._set_state(State.SCANNING)
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
        with self._state_lock:
            self._files_total += len(todo) + len(gone)
        if path == root:
            self.engine.catalog.mark_root_scanned(root_id)
        self._set_state(State.READING if todo or gone else State.SCANNING)

    def _embed_some(self) -> bool:
        if not self._model_checked:
            # Loading the model also checks it is the one the vectors were made with
            # (a different one clears them, and they join the backlog).
            if not self.engine.vectors_open:
                self._set_state(State.EMBEDDING, model_loading=True)
            try:
                self.engine.vectors()
            except ModelError as exc:
                self._fail_model(exc)
                return False
            self._model_checked = True
        if self.engine.catalog.count_unembedded() == 0:
            return self._embed_next()
        if self._emb_t0 is None:
            self._emb_t0 = (time.monotonic(), self.engine.indexer.counters.chunks_embedded)
        self._set_state(State.EMBEDDING, model_loading=not self.engine.model_ready)
        try:
            with self.engine.indexer.lock:
                n = self.engine.indexer.embed_backlog(self.embed_batch)
        except ModelError as exc:
            self._fail_model(exc)
            return False
        if n:
            self._changed = True
            self._bump_version()
            now = time.monotonic()
            if now - self._last_save > SAVE_EVERY_S:
                self.engine.save()
                self._last_save = now
            self._set_state(State.EMBEDDING, model_loading=False, force=False)
        return n > 0

    def _ocr_some(self) -> bool:
        """Read the words of one picture or scan (the OCR stage). False when none waits."""
        if not self.engine.settings.read_text_in_pictures:
            return False   # turned off: what waits stays listed, its words unread
        cat = self.engine.catalog
        n = cat.count_ocr_pending()
        if not n:
            return False
        with self._state_lock:
            self._pictures_pending = n
        self._set_state(State.PICTURES)
        with self.engine.indexer.lock:
            result = self.engine.indexer.ocr_next()
        if result is None:
            return False
        if result in ("indexed", "deleted"):
            self._changed = True
            self._bump_version()
        with self._state_lock:
            self._pictures_pending = cat.count_ocr_pending()
        self._set_state(State.PICTURES, force=False)
        return True

    def _picture_vectors_some(self) -> bool:
        """Embed a few pictures with the image model, when picture search is on."""
        if self._pictures_off:
            return False
        pi = self.engine.picture_index()
        if pi is None:
            return False
        n = pi.pending()
        if not n:
            return False
        with self._state_lock:
            self._pictures_pending = n
        self._set_state(State.PICTURES)
        try:
            with self.engine.indexer.lock:
                done = pi.embed_some()
        except ModelError as exc:
            # text search goes on without it; the user is told why
            self._pictures_off = True
            self.engine.picture_error = str(exc)
            self.listener.file_failed("", str(exc))
            return False
        if done:
            self._changed = True
            self._bump_version()
        with self._state_lock:
            self._pictures_pending = pi.pending()
        self._set_state(State.PICTURES, force=False)
        return done > 0

    def _embed_next(self) -> bool:
        """With the backlog done: re-embed for a model switch, a batch at a time (a kill
        loses at most one batch; the next run resumes)."""
        if self.engine.catalog.next_model() is None:
            return False
        self._set_state(State.EMBEDDING, force=False)
        try:
            with self.engine.indexer.lock:
                n, switched = self.engine.embed_next(self.embed_batch)
        except ModelError as exc:
            self._fail_model(exc)
            return False
        if switched:
            self._changed = True
            self._bump_version()
        self._emit(force=switched)
        return bool(n or switched)

    def _fail_model(self, exc: ModelError) -> None:
        """Without a model nothing more can be embedded: stop, and tell the user."""
        self.fatal = exc
        with self._state_lock:
            self._error = str(exc)
        self.listener.file_failed("", str(exc))
        self._set_state(State.ERROR)
        self._stop.set()

    def _finish_idle(self) -> None:
        try:  # the languages of what was indexed: model advice, and fusion across languages
            from desktop_search.core import models

            models.refresh_profile(self.engine.catalog)
        except Exception:  # noqa: BLE001 - advice is optional; never stop the worker for it
            log.exception("could not measure the collection's languages")
        self.engine.save()
        self._last_save = time.monotonic()
        with self._state_lock:
            self._current = None
            self._files_done = self._files_total = 0
            self._pictures_pending = 0
        self._emb_t0 = None
        self._changed = False
        if self._state is not State.ERROR:
            self._set_state(State.PAUSED if self.paused else State.IDLE)
        self._idle.set()

    def _on_file_failed(self, path: str, reason: str) -> None:
        with self._state_lock:
            self._failed += 1
        self.listener.file_failed(path, reason)

    def _bump_version(self) -> None:
        with self._state_lock:
            self._index_version += 1

    # -- publishing ----------------------------------------------------------------------
    def _set_state(self, state: State, *, model_loading: bool = False, force: bool = True) -> None:
        """Move to ``state``; publish at once if anything but the counters changed."""
        if self.paused and state is not State.ERROR:
            state = State.PAUSED
        with self._state_lock:
            changed = (state is not self._state or model_loading != self._model_loading)
            self._state = state
            self._model_loading = model_loading
        self._emit(force=force or changed)

    def _emit(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_emit < EMIT_EVERY_S:
            return
        self._last_emit = now
        c = self.engine.indexer.counters
        pending = self.engine.catalog.count_unembedded()
        switch = self.engine.model_change()
        with self._state_lock:
            elapsed = max(1e-6, c.seconds)
            files_per_s = self._files_done / elapsed if self._files_done else 0.0
            chunks_per_s = 0.0
            if self._emb_t0 is not None:
                dt = now - self._emb_t0[0]
                chunks_per_s = (c.chunks_embedded - self._emb_t0[1]) / dt if dt > 0.5 else 0.0
            left_files = max(0, self._files_total - self._files_done)
            eta = 0.0
            if left_files and files_per_s:
                eta += left_files / files_per_s
            if pending and chunks_per_s:
                eta += pending / chunks_per_s
            snap = Snapshot(
                state=self._state, files_done=self._files_done, files_total=self._files_total,
                current=self._current, chunks_pending=pending,
                chunks_embedded=c.chunks_embedded, files_per_s=files_per_s,
                chunks_per_s=chunks_per_s, eta_s=eta or None, failed=self._failed,
                model_loading=self._model_loading, error=self._error,
                index_version=self._index_version, pictures_pending=self._pictures_pending,
                model_switch=(switch["done"], switch["total"]) if switch else None)
            self._snapshot = snap
        self.listener.snapshot_changed(snap)


class _Callback(NullListener):
    def __init__(self, fn: Callable[[Snapshot], None], inner: Listener) -> None:
        self.fn = fn
        self.inner = inner

    def snapshot_changed(self, snapshot: Snapshot) -> None:
        self.fn(snapshot)
        self.inner.snapshot_changed(snapshot)

    def file_failed(self, path: str, reason: str) -> None:
        self.inner.file_failed(path, reason)
