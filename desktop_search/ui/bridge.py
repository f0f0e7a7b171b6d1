"""The one place where worker threads meet Qt.

Worker threads (the engine's indexer, watchdog, our query and task executors) never
touch a widget. They emit Signals of QObjects that live on the GUI thread; Qt queues
the delivery, so every slot runs on the GUI thread.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from desktop_search.core.indexing import Snapshot
from desktop_search.core.notice import Notice

log = logging.getLogger(__name__)


def emit(signal, *args) -> None:
    """Emit a Qt signal from any thread; a receiver that is gone (the window closed
    while a worker finished) is not an error."""
    try:
        signal.emit(*args)
    except RuntimeError:
        pass


class IndexerBridge(QObject):
    """An engine ``Listener`` whose callbacks (from worker threads) become Signals."""

    progress_changed = Signal(object)     # a Snapshot (immutable)
    noticed = Signal(object)              # a Notice: what the user must be told
    index_changed = Signal(int)           # Snapshot.index_version moved: what a search
                                          # can find changed (while indexing too)

    _version: int | None = None

    # -- Listener protocol: called on the indexer's thread -----------------------------
    def snapshot_changed_cb(self, snap: Snapshot) -> None:
        """Every snapshot goes on; a new ``index_version`` is also said on its own, so the
        window can ask its question again. The service publishes at most ~10 snapshots a
        second, and the controller keeps one search in flight, so this cannot flood."""
        emit(self.progress_changed, snap)
        if snap.index_version != self._version:
            self._version = snap.index_version
            emit(self.index_changed, snap.index_version)

    def notice_cb(self, notice: Notice) -> None:
        emit(self.noticed, notice)

    def listener(self) -> "_Listener":
        return _Listener(self)


class _Listener:
    """Plain object with the Listener's method names (QObject signals shadow them)."""

    def __init__(self, bridge: IndexerBridge) -> None:
        self._bridge = bridge

    def snapshot_changed(self, snap: Snapshot) -> None:
        self._bridge.snapshot_changed_cb(snap)

    def notice(self, notice: Notice) -> None:
        self._bridge.notice_cb(notice)


class TaskRunner(QObject):
    """A single-thread executor whose results come back to the GUI thread.

    ``submit(fn, on_done, on_error)`` runs ``fn()`` on the runner's one thread, in order;
    ``on_done(result)`` or ``on_error(exc)`` then run on the GUI thread.
    """

    _finished = Signal(object, object, object)   # callback, result, error

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"desktop-search-{name}")
        self._closed = False
        self._finished.connect(self._deliver)

    def submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None) -> bool:
        if self._closed:
            return False

        def job() -> None:
            try:
                result = fn()
            except BaseException as exc:  # noqa: BLE001 - reported on the GUI thread
                if on_error is None:
                    log.exception("%s task failed", self.name)
                emit(self._finished, on_error, None, exc)
            else:
                emit(self._finished, on_done, result, None)

        try:
            self._pool.submit(job)
        except RuntimeError:   # shut down meanwhile
            return False
        return True

    def _deliver(self, callback, result, error) -> None:
        if callback is None:
            return
        if error is not None:
            callback(error)
        else:
            callback(result)

    def shutdown(self, *, wait: bool = True) -> None:
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)

