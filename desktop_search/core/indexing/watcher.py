"""watchdog events -> a debounced, coalesced queue of file changes.

A root on a network share (NFS, SMB, sshfs: ``drives.Drives.polled``), where the
system's events see nothing that other machines change, is watched by polling instead
(watchdog's ``PollingObserver``, every ``drives.POLL_S`` seconds).

Watchdog's handlers run on its own thread: they only enqueue. An editor's save (write a
temp file, rename it over the original; or many writes in a row) coalesces into one
change of the final path, applied once it has been quiet for ``debounce`` seconds.
"""
from __future__ import annotations

import enum
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from desktop_search.core.indexing.drives import POLL_S, Drives
from desktop_search.core.indexing.scan import norm


class ChangeKind(str, enum.Enum):
    UPSERT = "upsert"    # created or modified: read it if its bytes changed
    DELETE = "delete"    # a file or a whole folder is gone
    MOVE = "move"        # renamed or moved (``src`` is where from)
    SCAN = "scan"        # a folder appeared: compare it with the catalog

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Change:
    op: ChangeKind
    path: str          # the path it applies to (the destination for a move)
    src: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "op", ChangeKind(self.op))


class ChangeQueue:
    """Ordered, coalescing, debounced. Thread-safe."""

    def __init__(self, debounce: float = 0.5) -> None:
        self.debounce = debounce
        self._items: OrderedDict[tuple[str, str], tuple[Change, float]] = OrderedDict()
        self._cond = threading.Condition()

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)

    def put(self, change: Change, *, delay: float | None = None) -> None:
        ready = time.monotonic() + (self.debounce if delay is None else delay)
        with self._cond:
            after: Change | None = None
            if change.op is ChangeKind.SCAN:
                key = ("scan", change.path)
            else:
                key = ("file", change.path)
                if change.op is ChangeKind.MOVE and change.src is not None:
                    before = self._items.pop(("file", change.src), None)
                    if before is not None and before[0].op is ChangeKind.MOVE:
                        # renamed twice before either was applied: one move from the first
                        # name, then the middle name goes (it may have its own stale entry).
                        # The delete comes after the move: the catalog may already hold the
                        # file under the middle name (its folder was moved and re-pointed),
                        # and the move finds it there by its bytes
                        after = Change(ChangeKind.DELETE, change.src)
                        change = Change(ChangeKind.MOVE, change.path, before[0].src)
                pending = self._items.get(key)
                if pending is not None and pending[0].op is ChangeKind.MOVE and pending[0].src is not None:
                    first = pending[0].src
                    if change.op is ChangeKind.UPSERT:
                        change = pending[0]  # the move re-indexes its destination if it changed
                    elif change.src != first and ("file", first) not in self._items:
                        # moved here, then deleted or replaced: the first name must go too
                        self._items[("file", first)] = (Change(ChangeKind.DELETE, first), ready)
            self._items.pop(key, None)
            self._items[key] = (change, ready)
            if after is not None:
                self._items[("file", after.path)] = (after, ready)
            self._cond.notify_all()

    def pop_ready(self, timeout: float) -> Change | None:
        """The oldest change that has been quiet long enough, waiting up to timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                now = time.monotonic()
                soonest = None
                for key, (change, ready) in self._items.items():
                    if ready <= now:
                        del self._items[key]
                        return change
                    soonest = ready if soonest is None else min(soonest, ready)
                wait = deadline - now
                if soonest is not None:
                    wait = min(wait, soonest - now)
                if wait <= 0:
                    return None
                self._cond.wait(wait)

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()


class _Handler(FileSystemEventHandler):
    def __init__(self, queue: ChangeQueue) -> None:
        self.queue = queue

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        src = norm(_s(event.src_path))
        if kind in ("opened", "closed_no_write"):
            return
        if kind == "moved":
            self.queue.put(Change(ChangeKind.MOVE, norm(_s(event.dest_path)), src))
        elif kind == "deleted":
            self.queue.put(Change(ChangeKind.DELETE, src))
        elif event.is_directory:
            if kind == "created":
                self.queue.put(Change(ChangeKind.SCAN, src))
        else:  # created, modified, closed
            self.queue.put(Change(ChangeKind.UPSERT, src))


def _s(p: str | bytes) -> str:
    return p.decode("utf-8", "surrogateescape") if isinstance(p, bytes) else p


class Watcher:
    """One watchdog observer for the roots on local disks (the system's events), one
    polling observer for those on network shares (started with the first such root)."""

    def __init__(self, queue: ChangeQueue, *, drives: Drives | None = None,
                 poll_s: float = POLL_S) -> None:
        self.queue = queue
        self.drives = drives or Drives()
        self.poll_s = poll_s
        self._observer = Observer()
        self._poller: PollingObserver | None = None
        self._watches: dict[str, tuple[BaseObserver, ObservedWatch]] = {}  # root -> (observer, watch)
        self._handler = _Handler(queue)
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if not self._started:
                self._observer.daemon = True
                self._observer.start()
                if self._poller is not None:
                    self._poller.start()
                self._started = True

    def _observer_for(self, root: str) -> BaseObserver:
        if not self.drives.polled(root):
            return self._observer
        if self._poller is None:
            self._poller = PollingObserver(timeout=self.poll_s)
            self._poller.daemon = True
        return self._poller

    def watch(self, root: str) -> bool:
        with self._lock:
            if root in self._watches:
                return True
            observer = self._observer_for(root)
            try:
                w = observer.schedule(self._handler, root, recursive=True)
            except OSError:
                return False  # gone or unreadable; the next reconcile tries again
            if self._poller is not None and observer is self._poller \
                    and not self._poller.is_alive() and self._started:
                self._poller.start()
            self._watches[root] = (observer, w)
            return True

    def unwatch(self, root: str) -> None:
        with self._lock:
            entry = self._watches.pop(root, None)
            if entry is not None:
                observer, w = entry
                try:
                    observer.unschedule(w)
                except (KeyError, OSError):
                    pass

    def watched(self) -> list[str]:
        with self._lock:
            return list(self._watches)

    def polled(self) -> list[str]:
        """The roots watched by polling (network shares)."""
        with self._lock:
            return [r for r, (o, _) in self._watches.items() if o is self._poller]

    def stop(self) -> None:
        with self._lock:
            if self._started:
                for observer in (self._observer, self._poller):
                    if observer is not None and observer.is_alive():
                        observer.stop()
                        observer.join(timeout=5)
                self._started = False
