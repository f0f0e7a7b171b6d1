"""The indexing worker's loop: one thread applying queued commands and file changes,
then the stages after reading (``stages.Stages``), heeding the conditions (``polite``),
saving now and then, publishing through ``Progress``. ``IndexService`` is its front door
(start, stop, pause, the folders); ``Worker`` holds the state and does the work.
"""
from __future__ import annotations

import errno
import logging
import sqlite3
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Callable

from desktop_search.i18n import _
from desktop_search.config import Settings
from desktop_search.core.indexing.drives import POLL_S, Drives
from desktop_search.core.indexing.ingest import Ingest
from desktop_search.core.indexing.polite import (BATTERY_READ_GAP_S, FULL_SPEED, Conditions,
                                                 Manner, Manners, Unconditional,
                                                 lower_this_thread)
from desktop_search.core.indexing.scan import is_under
from desktop_search.core.indexing.changes import ChangeApplier
from desktop_search.core.indexing.stages import Stages
from desktop_search.core.indexing.state import (Callback, Command, Listener, Measures, NullListener,
                                                Progress, Reindex, RemoveRoot, Rescan, Snapshot,
                                                State, Waiting)
from desktop_search.core.indexing.watcher import ChangeQueue, Watcher
from desktop_search.core.notice import Notice
from desktop_search.core.store import Library
from desktop_search.errors import ModelError

if TYPE_CHECKING:
    from desktop_search.core.embed.host import ModelHost

log = logging.getLogger(__name__)

SAVE_EVERY_S = 20.0
#: file changes written in one catalog transaction, at most (and for at most this long)
ROOT_CHECK_S = 2.0
RECONCILE_EVERY_S = 15 * 60.0


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower():
        return True
    return isinstance(exc.__cause__, BaseException) and _disk_full(exc.__cause__)


class Worker:
    """The loop and the state it runs on; the controls the loop itself uses (submit, pause)
    are here, the rest are ``IndexService``'s."""

    def __init__(self, library: Library, models: ModelHost, *, settings: Settings,
                 listener: Listener | None = None, debounce: float = 0.5,
                 ingest: Ingest | None = None, conditions: Conditions | None = None,
                 drives: Drives | None = None, poll_s: float = POLL_S,
                 lowest_priority: bool = True) -> None:
        self.library = library
        self.models = models
        self.settings = settings
        self.queue = ChangeQueue(debounce)
        self.watcher: Watcher | None = None
        self.progress = Progress(listener or NullListener(), self._measures)
        self.ingest = ingest or Ingest(library=library, models=models, settings=settings)
        self.ingest.on_notice = self.progress.tell
        self.stages = Stages(self)
        #: file changes and folder scans, applied to the library
        self.changes = ChangeApplier(self)
        self.manners = Manners(conditions or Unconditional(), settings)
        self.drives = drives or Drives()
        self.poll_s = poll_s
        #: the worker thread runs at the lowest priority (``polite.lower_this_thread``) ...
        self.lowest_priority = lowest_priority
        #: ... and this is what was applied
        self.priority: list[str] = []
        self._commands: deque[Command] = deque()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._running = threading.Event()   # set = not paused
        self._running.set()
        self._idle = threading.Event()
        self._wake = threading.Event()      # ends a polite wait early (pause, stop, a command)
        self._root_checks = 0               # rounds of "is every root still there?"
        self._root_checked = threading.Condition()
        self._last_save = time.monotonic()
        self._rescan_on_resume = False
        #: folders the user just added: their first indexing does not wait for a calm CPU
        #: (the worker's own: set when it takes their ``Rescan``, cleared when idle)
        self._asked: set[str] = set()
        self._last_reconcile = time.monotonic()
        #: why indexing stopped for good (the model failed to load), or None
        self.fatal: ModelError | None = None
        self.missing_roots: set[str] = set()

    # -- what the loop itself asks of the controls ---------------------------------------
    def submit(self, command: Command) -> None:
        """Queue a command for the worker (cheap: safe from a GUI thread)."""
        self._idle.clear()
        self._commands.append(command)
        self._wake.set()
        self.queue.wake()

    def pause(self) -> None:
        """Stop after the current step; the worker publishes PAUSED when it has."""
        self._running.clear()
        self._wake.set()
        self.queue.wake()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def paused_root(self, path: str) -> bool:
        return any(r.paused and is_under(path, r.path) for r in self.library.root_list())

    def watch_root(self, root: str) -> None:
        if self.watcher is not None:
            self.watcher.watch(root)

    def should_yield(self) -> bool:
        """Whether a batch of file changes should end now (stopping, paused, a command)."""
        return self._stop.is_set() or not self._running.is_set() or bool(self._commands)

    @property
    def asked(self) -> bool:
        """Whether work the user asked for is under way (a folder just added)."""
        return bool(self._asked)

    # -- work ----------------------------------------------------------------------------
    def run_until_idle(self, on_snapshot: Callable[[Snapshot], None] | None = None) -> None:
        """Scan every root and index to completion in this thread (no watching)."""
        if on_snapshot is not None:
            self.progress.listener = Callback(on_snapshot, self.progress.listener)
        for r in self.library.root_list():
            self.submit(Rescan(r.path))
        try:
            while not self._stop.is_set():
                if not self._step(timeout=0.0):
                    break
            self._finish_idle()
        finally:
            self.ingest.close()     # the reader processes start again when needed
        if self.fatal is not None:
            raise self.fatal

    def _loop(self) -> None:
        last_check = 0.0
        # the lowest CPU and I/O priority the system offers; readers started from here
        # inherit it, and lower themselves explicitly too
        if self.lowest_priority:
            self.priority = lower_this_thread()
            self.ingest.be_polite()
        while not self._stop.is_set():
            if not self._running.is_set():
                if self.progress.state is not State.PAUSED:
                    self.set_state(State.PAUSED)
                self._running.wait(0.5)
                if self._running.is_set():
                    self._idle.clear()   # resumed: say what comes next, idle included
                continue
            now = time.monotonic()
            if self.watcher is not None and now - last_check > ROOT_CHECK_S:
                last_check = now
                self._check_roots()
                with self._root_checked:
                    self._root_checks += 1
                    self._root_checked.notify_all()
                if self._idle.is_set() and now - self._last_reconcile > RECONCILE_EVERY_S:
                    # a safety net under the watcher (an overflowed event queue, a network
                    # folder without events): compare every root with the catalog again
                    self._last_reconcile = now
                    for r in self.library.root_list():
                        self.submit(Rescan(r.path))
            manner = self.manners.now(asked=self.asked)
            try:
                if self._hold_back(manner):
                    continue
                if self._step(timeout=0.25, manner=manner):
                    self._idle.clear()
                elif not self._idle.is_set():
                    self._finish_idle()
                elif not manner.reading:
                    self._stop.wait(0.25)   # idle and the user busy: changes wait
                else:
                    # idle: sleep until the watcher (or the user) brings a change
                    change = self.queue.pop_ready(0.25)
                    if change is not None:
                        self._idle.clear()
                        self.changes.apply(change)
            except Exception as exc:  # noqa: BLE001 - the worker must survive anything
                if _disk_full(exc):
                    # keep the last good state; go on once the user has made room
                    reason = _("the disk is full: indexing paused; free some space and resume")
                    self.progress.tell(Notice.error(reason))
                    self.progress.set_error(reason)
                    self._rescan_on_resume = True
                    self.pause()
                else:
                    log.exception("indexing step failed")
                    self.progress.tell(Notice.error(_("indexing error: {error}").format(error=exc)))
                    self._stop.wait(0.5)

    def _hold_back(self, manner: Manner) -> bool:
        """Wait a while (``Manners.wait_s``, or until stopped or told) when the conditions
        say to and there is work they hold back. False: go on with a step."""
        reason = manner.waiting
        if self._commands and (isinstance(self._commands[0], RemoveRoot)
                               or (isinstance(self._commands[0], Rescan) and self._commands[0].asked)):
            return False        # the user forgetting or adding a folder never waits
        work = bool(self._commands or len(self.queue))
        if reason is None or (manner.reading and work) or not (work or self.stages.pending()):
            # full speed, or reading slowly on battery, or nothing waits anyway
            if self.progress.set_waiting(reason if reason is not None and work else None):
                self.progress.emit(force=True)
            return False
        self._idle.clear()
        # what the user asked for is done as far as the conditions let it: what comes
        # later is background work again
        self._asked.clear()
        if reason is Waiting.BUSY:
            self.stages.settle()    # the model for the files read so far, before waiting
        self.progress.set_waiting(reason)
        self.set_state(State.WAITING)
        self._wake.wait(self.manners.wait_s)
        self._wake.clear()
        self.manners.now(fresh=True)    # woken by the user: look again at once
        return True

    def _step(self, timeout: float, manner: Manner = FULL_SPEED) -> bool:
        """Do one unit of work. False when there is nothing to do right now. On battery
        (``manner.heavy`` false) files are read one at a time with a rest between them,
        and nothing is embedded or OCR'd."""
        if self._commands:
            self._run(self._commands.popleft())
            return True
        change = self.queue.pop_ready(0.0)
        if change is not None:
            if manner.heavy:
                self.changes.apply_batch(change)
            else:
                self.changes.apply(change)
                self._stop.wait(BATTERY_READ_GAP_S)
            return True
        if manner.heavy and self.stages.step():
            return True
        if len(self.queue):
            change = self.queue.pop_ready(timeout)
            if change is not None:
                self.changes.apply(change)
                return True
            return True  # changes are waiting out their debounce: not idle yet
        return False

    def _run(self, cmd: Command) -> None:
        if isinstance(cmd, RemoveRoot):
            self._asked.discard(cmd.path)
            if self.library.root_id(cmd.path) is not None:
                self.library.remove_root(cmd.path)
                self.library.save()
                self.progress.changed()
        elif isinstance(cmd, Rescan):
            if cmd.asked:
                self._asked.add(cmd.path)
            self.changes.plan(cmd.path)
        elif isinstance(cmd, Reindex):
            self.changes.index(cmd.path, force=True)
        else:  # pragma: no cover - a new command type without a handler is a bug
            raise TypeError(f"unknown command {cmd!r}")

    def _check_roots(self) -> None:
        """A watched folder that vanished keeps its index (an unplugged drive, a folder
        being restored) and is watched again, and reconciled, when it comes back."""
        watcher = self.watcher
        if watcher is None:
            return
        for r in self.library.root_list():
            root = r.path
            present = self.drives.present(root)
            if not present and root not in self.missing_roots:
                self.missing_roots.add(root)
                watcher.unwatch(root)
                self.progress.tell(Notice.info(_("folder is missing or unreadable; keeping its "
                                                 "index until it is back"), root))
                self.progress.changed()     # its results are offline now: ask again
                self.progress.emit(force=True)
            elif present and root in self.missing_roots:
                self.missing_roots.discard(root)
                watcher.unwatch(root)
                self.watch_root(root)
                self.submit(Rescan(root))
                self.progress.changed()
                self.progress.emit(force=True)

    def save_now_and_then(self) -> None:
        """Persist the copies every ``SAVE_EVERY_S`` while embedding (a kill loses little)."""
        now = time.monotonic()
        if now - self._last_save > SAVE_EVERY_S:
            self.library.save()
            self._last_save = now

    def fail(self, exc: ModelError) -> None:
        """Without a model nothing more can be embedded: stop, and tell the user."""
        self.fatal = exc
        self.progress.set_error(str(exc))
        self.progress.tell(Notice.error(str(exc)))
        self.set_state(State.ERROR)
        self._stop.set()

    def _finish_idle(self) -> None:
        try:  # the languages of what was indexed: model advice, and fusion across languages
            from desktop_search.core.embed import advice

            advice.refresh_profile(self.library.catalog)
        except Exception:  # noqa: BLE001 - advice is optional; never stop the worker for it
            log.exception("could not measure the collection's languages")
        self.library.save()
        self._last_save = time.monotonic()
        self.progress.idle()
        self.progress.set_waiting(None)
        self._asked.clear()
        self.manners.anyway = False
        if self.progress.state is not State.ERROR:
            self.set_state(State.PAUSED if self.paused else State.IDLE)
        self._idle.set()

    # -- publishing ----------------------------------------------------------------------
    def set_state(self, state: State, *, model_loading: bool = False, force: bool = True) -> None:
        self.progress.set_state(state, model_loading=model_loading, force=force,
                                paused=self.paused)

    def _measures(self) -> Measures:
        c = self.ingest.counters
        switch = self.models.change()
        return Measures(seconds=c.seconds, chunks_embedded=c.chunks_embedded,
                        chunks_pending=self.library.count_unembedded(),
                        model_switch=(switch.done, switch.total) if switch else None)
