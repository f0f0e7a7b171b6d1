"""File changes and folder scans applied to the library: a batch of files in one
transaction, each change by its kind, a folder reconciled with the catalog (the plan)."""
from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Protocol

from desktop_search.core.extract import container_kind
from desktop_search.core.extract.inside import ARCHIVE_KIND
from desktop_search.core.extract.mail import MAILBOX_KIND
from desktop_search.core.indexing.ingest import CHANGED, Outcome
from desktop_search.core.indexing.state import State
from desktop_search.core.indexing.watcher import Change, ChangeKind
from desktop_search.core.notice import Notice
from desktop_search.i18n import _

if TYPE_CHECKING:
    from desktop_search.core.indexing.drives import Drives
    from desktop_search.core.indexing.ingest import Ingest
    from desktop_search.core.indexing.state import Progress
    from desktop_search.core.indexing.watcher import ChangeQueue
    from desktop_search.core.store import Library

#: file changes committed in one transaction, at most (or for at most this long)
WRITE_BATCH_FILES = 64
WRITE_BATCH_S = 0.5


class ApplyControl(Protocol):
    """What applying changes needs of the worker (``IndexService``)."""

    library: Library
    ingest: Ingest
    drives: Drives
    queue: ChangeQueue
    progress: Progress

    def set_state(self, state: State, *, model_loading: bool = False,
                  force: bool = True) -> None: ...

    def paused_root(self, path: str) -> bool: ...

    def watch_root(self, root: str) -> None: ...

    def should_yield(self) -> bool: ...


class ChangeApplier:
    """Applies the worker's file changes and scans (call from the worker's thread)."""

    def __init__(self, worker: ApplyControl) -> None:
        self.worker = worker

    def apply_batch(self, change: Change) -> None:
        """Apply ``change`` and the file changes ready after it in one catalog transaction
        (each file still its own savepoint): a folder of many small files pays one commit
        per batch, not one per file. A kill loses at most the batch, found again by the
        next scan. An archive or a mailbox is applied on its own: it commits as it goes (a
        mailbox message by message), so a kill loses at most the message being stored."""
        if change.op is not ChangeKind.UPSERT or _holds_many(change.path):
            self.apply(change)
            return
        later: Change | None = None
        error: BaseException | None = None
        t0 = time.monotonic()
        with self.worker.library.catalog.transaction(durable=True):     # on disk when it returns
            n = 0
            while True:
                try:
                    self.apply(change)
                except Exception as exc:  # noqa: BLE001 - keep the files done so far
                    error = exc
                    break
                n += 1
                if (n >= WRITE_BATCH_FILES or time.monotonic() - t0 > WRITE_BATCH_S
                        or self.worker.should_yield()):
                    break
                nxt = self.worker.queue.pop_ready(0.0)
                if nxt is None:
                    break
                if nxt.op is not ChangeKind.UPSERT or _holds_many(nxt.path):
                    later = nxt
                    break
                change = nxt
        if error is not None:
            raise error
        if later is not None:
            self.apply(later)

    def apply(self, change: Change) -> None:
        if change.op is ChangeKind.DELETE and any(change.path == r.path
                                                  for r in self.worker.library.root_list()):
            return  # a root itself vanished: handled by _check_roots, its index is kept
        owner = self.worker.ingest.scope.root_of(change.path)
        if owner is not None and not self.worker.drives.present(owner[0]):
            # the root itself is gone (unplugged, unmounted): what its files look like now
            # says nothing; keep them all, and reconcile when it is back
            return
        if change.op is ChangeKind.SCAN:
            self.plan(change.path)
            return
        self.index(change.path, change=change)

    def index(self, path: str, *, change: Change | None = None, force: bool = False) -> None:
        if self.worker.paused_root(path):
            return  # caught up by the scan when the folder is resumed
        ingest = self.worker.ingest
        self.worker.progress.working_on(path)
        with ingest.lock:
            if change is None or change.op is ChangeKind.UPSERT:
                result = ingest.index_file(path, force=force)
            elif change.op is ChangeKind.DELETE:
                result = ingest.delete_path(path)
            else:
                result = ingest.move_path(change.src or path, path)   # a move has its src
                if os.path.isdir(path):
                    # files that were still queued under the old name are found here
                    self.worker.queue.put(Change(ChangeKind.SCAN, path))
        self.count(result)
        self.worker.progress.file_done(len(self.worker.queue))
        self.worker.set_state(State.READING, force=False)

    def count(self, result: Outcome) -> None:
        self.worker.ingest.counters.count(result)
        if result in CHANGED:
            self.worker.progress.changed()

    def plan(self, path: str) -> None:
        """Reconcile a root (or a folder inside one) with the catalog and queue the work."""
        owner = self.worker.ingest.scope.root_of(path)
        if owner is None or self.worker.paused_root(path):
            return
        self.worker.set_state(State.SCANNING)
        root, root_id = owner
        if not self.worker.drives.present(root):
            # the folder is gone or unmounted: keep the last good index, say so
            self.worker.progress.tell(Notice.info(
                _("folder is missing or unreadable; keeping its index"), root))
            return
        self.worker.drives.seen(root)
        self.worker.watch_root(root)
        todo, gone = self.worker.ingest.scope.plan(root, root_id, under=path)
        for f, _size in todo:          # new and changed first: a rename is seen as a move
            self.worker.queue.put(Change(ChangeKind.UPSERT, f), delay=0)
        for g in gone:
            self.worker.queue.put(Change(ChangeKind.DELETE, g), delay=0)
        self.worker.progress.planned(len(todo) + len(gone))
        if path == root:
            self.worker.library.mark_root_scanned(root_id)
        self.worker.set_state(State.READING if todo or gone else State.SCANNING)


def _holds_many(path: str) -> bool:
    """An archive or a mailbox: a file that may hold thousands of documents."""
    return container_kind(path) in (ARCHIVE_KIND, MAILBOX_KIND)
