"""What the indexing worker is doing, as the window and the CLI see it.

The worker publishes every change of state (and, at most ten times a second, of its
counters) as an immutable :class:`Snapshot`, and what the user must be told as a
``Notice``, from its own thread. A window renders snapshots and sends typed
:data:`Command` objects; it never polls or guesses.
"""
from __future__ import annotations

import enum
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol, Union

from desktop_search.core.notice import Level, Notice
from desktop_search.i18n import _

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
    WAITING = "waiting"      # polite: on battery, or the user is busy; ``waiting`` says why
    ERROR = "error"          # cannot go on (the model failed to load); ``error`` says why

    def __str__(self) -> str:
        return self.value


class Waiting(str, enum.Enum):
    """Why indexing holds back by itself (``polite.Manners``): the status line's words."""

    BATTERY = "paused on battery"                  # reading goes on slowly; no vectors, no OCR
    BUSY = "waiting while the computer is busy"    # everything waits

    def __str__(self) -> str:
        return self.value

    def sentence(self) -> str:
        """The reason as the status line starts with it, in the window's language."""
        if self is Waiting.BATTERY:
            return _("Paused on battery")
        return _("Waiting while the computer is busy")


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
    #: why indexing holds back by itself (on battery, the user busy), or None
    waiting: Waiting | None = None
    #: the picture model's one-time download: (bytes done, bytes in all)
    picture_download: tuple[int, int] | None = None

    @property
    def busy(self) -> bool:
        return self.state in BUSY


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class Rescan:
    """Compare a folder (a root, or a folder inside one) with the catalog. ``asked``: the
    user just added it, so its first indexing does not wait for a calm CPU."""
    path: str
    asked: bool = False


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
    def notice(self, notice: Notice) -> None: ...


class NullListener:
    def snapshot_changed(self, snapshot: Snapshot) -> None:
        pass

    def notice(self, notice: Notice) -> None:
        pass


class Callback(NullListener):
    """A listener that also hands each snapshot to ``fn`` (the CLI's progress line)."""

    def __init__(self, fn: Callable[[Snapshot], None], inner: Listener) -> None:
        self.fn = fn
        self.inner = inner

    def snapshot_changed(self, snapshot: Snapshot) -> None:
        self.fn(snapshot)
        self.inner.snapshot_changed(snapshot)

    def notice(self, notice: Notice) -> None:
        self.inner.notice(notice)


@dataclass(frozen=True, slots=True)
class Measures:
    """What ``Progress`` reads from the rest of the worker when it publishes."""

    seconds: float                    # since the run started
    chunks_embedded: int
    chunks_pending: int
    model_switch: tuple[int, int] | None


class Progress:
    """The worker's own mutable counters; only snapshots of them leave this object."""

    def __init__(self, listener: Listener, measure: Callable[[], Measures]) -> None:
        self.listener = listener
        self._measure = measure
        self._lock = threading.Lock()
        self.state = State.IDLE
        self._files_done = 0
        self._files_total = 0
        self._current: str | None = None
        self._failed = 0
        self._model_loading = False
        self._error: str | None = None
        self._index_version = 0
        self._pictures_pending = 0
        self._picture_download: tuple[int, int] | None = None
        self._emb_t0: tuple[float, int] | None = None
        self._waiting: Waiting | None = None
        self._last_emit = 0.0
        self.snapshot = Snapshot()

    # -- counters --------------------------------------------------------------------------
    def working_on(self, path: str | None) -> None:
        with self._lock:
            self._current = path

    def file_done(self, queued: int) -> None:
        with self._lock:
            self._files_done += 1
            self._files_total = max(self._files_total, self._files_done + queued)

    def planned(self, n: int) -> None:
        with self._lock:
            self._files_total += n

    def pictures_waiting(self, n: int) -> None:
        with self._lock:
            self._pictures_pending = n

    def picture_download(self, done: int, total: int) -> None:
        """The picture model is downloading (called on the download's threads)."""
        with self._lock:
            self._picture_download = (done, total)
        self.emit(force=done >= total)

    def picture_download_over(self) -> None:
        with self._lock:
            was, self._picture_download = self._picture_download, None
        if was is not None:
            self.emit(force=True)

    def set_error(self, error: str | None) -> None:
        with self._lock:
            self._error = error

    def set_waiting(self, waiting: Waiting | None) -> bool:
        """Why the worker holds back; True when that changed (publish it)."""
        with self._lock:
            changed, self._waiting = waiting is not self._waiting, waiting
        return changed

    def changed(self) -> None:
        """What a search can find changed: windows ask their question again."""
        with self._lock:
            self._index_version += 1

    def embedding_started(self, chunks_embedded: int) -> None:
        if self._emb_t0 is None:
            self._emb_t0 = (time.monotonic(), chunks_embedded)

    def idle(self) -> None:
        """A run is over: the counters start again with the next one."""
        with self._lock:
            self._current = None
            self._files_done = self._files_total = 0
            self._pictures_pending = 0
        self._emb_t0 = None

    def tell(self, notice: Notice) -> None:
        """Pass on what the user must know; a file's failure counts."""
        if notice.path is not None and notice.level is Level.WARNING:
            with self._lock:
                self._failed += 1
        self.listener.notice(notice)

    # -- publishing ------------------------------------------------------------------------
    def set_state(self, state: State, *, model_loading: bool = False, force: bool = True,
                  paused: bool = False) -> None:
        """Move to ``state``; publish at once if anything but the counters changed."""
        if paused and state is not State.ERROR:
            state = State.PAUSED
        with self._lock:
            changed = state is not self.state or model_loading != self._model_loading
            self.state = state
            self._model_loading = model_loading
        self.emit(force=force or changed)

    def emit(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_emit < EMIT_EVERY_S:
            return
        self._last_emit = now
        m = self._measure()
        with self._lock:
            elapsed = max(1e-6, m.seconds)
            files_per_s = self._files_done / elapsed if self._files_done else 0.0
            chunks_per_s = 0.0
            if self._emb_t0 is not None:
                dt = now - self._emb_t0[0]
                chunks_per_s = (m.chunks_embedded - self._emb_t0[1]) / dt if dt > 0.5 else 0.0
            left_files = max(0, self._files_total - self._files_done)
            eta = 0.0
            if left_files and files_per_s:
                eta += left_files / files_per_s
            if m.chunks_pending and chunks_per_s:
                eta += m.chunks_pending / chunks_per_s
            snap = Snapshot(
                state=self.state, files_done=self._files_done, files_total=self._files_total,
                current=self._current, chunks_pending=m.chunks_pending,
                chunks_embedded=m.chunks_embedded, files_per_s=files_per_s,
                chunks_per_s=chunks_per_s, eta_s=eta or None, failed=self._failed,
                model_loading=self._model_loading, error=self._error,
                index_version=self._index_version, pictures_pending=self._pictures_pending,
                model_switch=m.model_switch, waiting=self._waiting,
                picture_download=self._picture_download)
            self.snapshot = snap
        self.listener.snapshot_changed(snap)
