"""The indexing service: the front door of the indexing worker (``worker.Worker``, one
thread applying queued changes, then embedding the backlog): start and stop it, pause and
resume, add, remove, scan and retry folders, wait for it.

It works on a ``Library`` (the only way to write) and a ``ModelHost`` (the model), never
on the engine. It says what it is doing through ``Progress`` (snapshots and notices, see
``state.py``). ``run_until_idle`` does the same work in the caller's thread (the CLI's
``index``). The stages after reading (vectors, OCR, picture vectors, a model switch)
are ``stages.Stages``.
"""
from __future__ import annotations

import os
import threading

from desktop_search.core.indexing.ingest import Counters
from desktop_search.core.indexing.scan import is_under, norm
from desktop_search.core.indexing.state import (Listener, Reindex, RemoveRoot, Rescan, Snapshot)
from desktop_search.core.indexing.watcher import Watcher
from desktop_search.core.indexing.worker import Worker
from desktop_search.core.store import Library
from desktop_search.errors import ConfigError


def add_root(library: Library, path: str | os.PathLike[str]) -> str:
    """Index a folder (unless a root already covers it); returns the root that covers it."""
    root = norm(path)
    if not os.path.exists(root):
        raise ConfigError(f"no such folder: {path}")
    if not os.path.isdir(root):
        raise ConfigError(f"not a folder: {path}")
    roots = library.root_list()
    for r in roots:
        if is_under(root, r.path):
            return r.path
    library.add_root(root, absorbs=[r.path for r in roots if is_under(r.path, root)])
    return root


class IndexService(Worker):
    """``conditions`` (battery, the CPU's load: ``polite.Conditions``) are heeded by the
    background worker (``start``): on battery it reads slowly and embeds nothing, and while
    other processes keep the CPU busy it waits. ``run_until_idle`` (the CLI's ``index``,
    asked for by the user) never waits, and neither does the first indexing of a folder
    the user just added (``add_root``): the busy rule is for background catch-up. On
    battery the user can say "index now anyway" (``index_now_anyway``).

    ``drives`` says where each root lives: a root on a network share is watched by
    polling (every ``poll_s`` seconds); a root that is gone (an unplugged drive, a share
    unmounted, a folder renamed away) keeps its index untouched until it is back, and is
    then reconciled (``drives.Drives.present``).

    ``lowest_priority``: the worker thread and its readers run at the lowest CPU and I/O
    priority the system offers."""

    @property
    def counters(self) -> Counters:
        """What this service's runs did (the CLI prints it)."""
        return self.ingest.counters

    @property
    def listener(self) -> Listener:
        return self.progress.listener

    @property
    def thread(self) -> threading.Thread | None:
        """The worker thread once started (the window lowers its priority)."""
        return self._thread

    # -- control -------------------------------------------------------------------------
    def start(self, *, watch: bool = True) -> None:
        if watch:
            self.watcher = Watcher(self.queue, drives=self.drives, poll_s=self.poll_s)
            self.watcher.start()
        for r in self.library.root_list():
            self.watch_root(r.path)
            self.submit(Rescan(r.path))
        self._thread = threading.Thread(target=self._loop, name="desktop-search-indexer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the worker and the watcher, end the reader processes, save."""
        self._stop.set()
        self._running.set()
        self._wake.set()
        self.queue.wake()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.watcher is not None:
            self.watcher.stop()
        self.ingest.close()
        self.library.save()

    def nudge(self) -> None:
        """Work may be waiting that no file change brought (a model switch began)."""
        self._idle.clear()
        self._wake.set()
        self.queue.wake()

    def resume(self) -> None:
        if self._rescan_on_resume:
            self._rescan_on_resume = False
            for r in self.library.root_list():
                self.submit(Rescan(r.path))
        self.progress.set_error(None)
        self._running.set()
        self.queue.wake()

    def add_root(self, path: str) -> str:
        """Index a folder the user asked for now: its first indexing (reading, choosing
        the model, embedding) does not wait while other processes use the CPU."""
        root = add_root(self.library, path)
        self.watch_root(root)
        self.submit(Rescan(root, asked=True))
        return root

    def index_now_anyway(self) -> None:
        """The user's "index now anyway": no waiting, on battery or not, until idle."""
        self.manners.anyway = True
        self._wake.set()
        self.queue.wake()

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
    def root_checks(self) -> int:
        """How many times the worker has checked that its roots are there."""
        with self._root_checked:
            return self._root_checks

    def wait_root_checks(self, count: int, timeout: float | None = None) -> bool:
        """Wait until the roots were checked ``count`` times in all (False on timeout)."""
        with self._root_checked:
            return self._root_checked.wait_for(lambda: self._root_checks >= count, timeout)

    @property
    def snapshot(self) -> Snapshot:
        """The latest published snapshot."""
        return self.progress.snapshot
