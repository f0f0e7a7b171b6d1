"""What the window asks the engine: searches, "more like this", previews, catalog reads.

All of it runs on one ``queries`` thread, in order, never on the GUI thread. Each stream
(searches, previews, catalog reads) is "latest wins": a request is sent at once when
none of its kind is in flight; while one is, only the newest waits and goes when the
answer comes back; an answer to a question nobody asks any more (an older request
number) is dropped. So typing fast costs one search at a time, never a queue of them,
and no timer guesses how fast the engine is.

Once the list is shown and typing pauses (``ANSWER_PAUSE_MS``), the top rows' sentences
that answer are found as a second step (``Engine.answers``), one row at a time, each sent
as it comes (``answer_ready``), on a thread of their own: a newer
question never waits behind them (measured: with them on the query thread, a key pressed
while they ran waited for a model call, p95 0.7 s on a busy machine), and it stops them
between two model calls. Not at a lower priority: a niced thread descheduled while it
holds the GIL stalls the GUI thread (measured: gaps of 70-180 ms in the heartbeat test,
none over 50 ms at normal priority).

The question on screen is asked again when the index changes (``index_changed``, from
the indexing service's snapshots), when the model becomes ready and when the engine
re-opens: new files show up while indexing goes on, at the pace the engine can answer.

Copies and versions (``Engine.duplicates``, kept in the catalog: a look reads and
compares only what changed since the last one) are looked for on a thread of their own,
``copies`` (not niced, for the same reason), when the engine opens and each time indexing
settles on a new index: typing never waits behind them. Nor do they compete with it: the
look works in pieces of a few milliseconds and, between two, waits until no search ran
and no key came for a second (``Engine.foreground``: each key pokes it). A look that took
more than a second is not repeated within ten times its length (a file saved every few
seconds does not keep a core busy); the next settle, or opening the dialog, looks again.

The engine's life (opening, the model, settings, folders, pausing) is ``EngineHost``'s.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_search.i18n import _
from desktop_search.core.embed.host import ModelState
from desktop_search.config import Settings
from desktop_search.core.engine import Engine
from desktop_search.core.indexing import Snapshot, State
from desktop_search.core.search.preview import PreviewDoc
from desktop_search.core.search import Hit, SearchRequest, SimilarTo, TextQuery
from desktop_search.ui.bridge import TaskRunner, emit
from desktop_search.ui.engine_host import (EngineFactory, EngineHost, indexer_thread,  # noqa: F401
                                           lower_priority)

log = logging.getLogger(__name__)

__all__ = ["SearchController", "LatestWins", "PreviewDoc", "folder_label", "indexer_thread",
           "lower_priority"]


class LatestWins:
    """At most one job of a kind in flight; while it runs only the newest waits.

    ``put(fn, done, failed)``: ``fn(engine)`` runs on the runner's thread with the engine
    of the moment it is sent; ``done(result)`` / ``failed(exc)`` then run on the GUI
    thread. A job put while the engine is closed waits for ``pump()``.
    """

    def __init__(self, runner: TaskRunner, engine: Callable[[], Engine | None]) -> None:
        self._runner = runner
        self._engine = engine
        self._waiting: tuple[Callable[[Engine], Any], Callable, Callable] | None = None
        self.in_flight = False
        self.sent = 0                 # jobs sent (tests and benchmarks count them)

    def put(self, fn: Callable[[Engine], Any], done: Callable[[Any], None],
            failed: Callable[[BaseException], None]) -> None:
        self._waiting = (fn, done, failed)
        self.pump()

    def clear(self) -> None:
        self._waiting = None

    @property
    def waiting(self) -> bool:
        return self._waiting is not None

    def pump(self) -> None:
        """Send the waiting job if nothing is in flight and the engine is open."""
        engine = self._engine()
        if self.in_flight or self._waiting is None or engine is None:
            return
        fn, done, failed = self._waiting
        self._waiting = None
        self.in_flight = True
        self.sent += 1
        if not self._runner.submit(lambda: fn(engine), lambda r: self._finish(done, r),
                                   lambda exc: self._finish(failed, exc)):
            self.in_flight = False

    def _finish(self, callback: Callable[[Any], None], arg: Any) -> None:
        self.in_flight = False
        try:
            callback(arg)
        finally:
            self.pump()



#: rows given the sentence that answers (about what the window shows without scrolling)
ANSWER_ROWS = 8
#: the answers wait until typing pauses this long (ms): while keys come they would only
#: keep the query thread busy, and they are for reading, which starts when typing stops
ANSWER_PAUSE_MS = 150


class SearchController(EngineHost):
    results_ready = Signal(int, object, list, bool)  # request number, SearchRequest, hits, dense
    #: a row's sentence that answers arrived after the list: request number, SearchRequest,
    #: row, the hit with ``answer`` set (its snippet moved to show it, if it must)
    answer_ready = Signal(int, object, int, object)
    search_failed = Signal(int, str)
    preview_ready = Signal(int, object)              # request number, PreviewDoc | None
    roots_loaded = Signal(list)                      # engine.roots()
    folder_names_loaded = Signal(dict)               # engine.folder_names(): "in Downloads"
    kinds_loaded = Signal(list)
    failed_loaded = Signal(list)                     # [(path, reason, state, inside)]
    #: which model understands the files and why (ModelChoice), and the advice (ModelAdvice)
    model_choice_loaded = Signal(object, object)
    #: the copies and versions of the index as it was when they were looked for
    duplicates_ready = Signal(list)                  # [DuplicateGroup]

    def __init__(self, *, settings: Settings, make_engine: EngineFactory, watch: bool = True,
                 results_k: int = 30, parent: QObject | None = None) -> None:
        super().__init__(settings=settings, make_engine=make_engine, watch=watch, parent=parent)
        self.results_k = results_k
        self.queries = TaskRunner("query", self)
        current = lambda: None if self._closed else self.engine  # noqa: E731
        self.searches = LatestWins(self.queries, current)
        self.previews = LatestWins(self.queries, current)
        self.catalog_reads = LatestWins(self.queries, current)
        self.roots_reads = LatestWins(self.queries, current)
        self.copy_outs = LatestWins(self.queries, current)
        self.copies = TaskRunner("copies", self)
        self.duplicate_reads = LatestWins(self.copies, current)
        #: the groups last found (None before the first look)
        self.duplicates: list | None = None
        self._duplicates_version = -1  # the index_version they were last looked for at
        self._duplicates_took = 0.0    # seconds the last look took, and when it ended
        self._duplicates_at = 0.0
        self.answer_runner = TaskRunner("answers", self)
        self.answers = LatestWins(self.answer_runner, current)
        #: which model fits the files, and the advice: profiling the collection's languages
        #: can take a CPU-second, never on the query thread (a search would wait behind it)
        self.advice_runner = TaskRunner("advice", self)
        self.advice_reads = LatestWins(self.advice_runner, current)
        self.answer_rows = ANSWER_ROWS        # 0: no answers (benchmarks compare)
        self._answer_timer = QTimer(self)
        self._answer_timer.setSingleShot(True)
        self._answer_timer.setInterval(ANSWER_PAUSE_MS)
        self._answer_timer.timeout.connect(self._on_answer_timer_timeout)
        self._answer_next: tuple[int, TextQuery, list[Hit]] | None = None
        self.request: SearchRequest | None = None    # the question on screen
        self._seq = 0                 # the newest search request's number
        self._asked_at = 0            # the number with which ``request`` was first asked
        self._preview_seq = 0
        self._catalog_version = -1    # the index_version the catalog was last read at
        self._failed_seen = 0
        #: while indexing, the folders' file counts are re-read when the index grows, at
        #: most this often (the first folder's count grows on screen, not at the end)
        self.count_every_s = 1.0
        self._counted_at = -1e9
        self._counted_version = -1
        self.engine_ready.connect(self._on_self_engine_ready)
        self.model_state_changed.connect(self._on_self_model_state_changed)
        self.index_changed.connect(self._on_self_index_changed)
        self.progress_changed.connect(self._on_self_progress_changed)
        self.folder_added.connect(self.refresh_catalog)
        self.folder_removed.connect(self.refresh_catalog)

    # -- search --------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> int:
        """Ask for a request's results; ``results_ready`` brings them with this number.

        The same request asked again (the index changed) keeps its place: an answer to
        it still on the way is painted, not dropped."""
        self._seq += 1
        seq = self._seq
        if self.engine is not None:
            self.engine.foreground.poke()      # a key: the copies look holds back
        if request != self.request:
            self.request, self._asked_at = request, seq
        if isinstance(request, SimilarTo) and not self.model_ready:
            emit(self.error_reported,
                 _("“More like this” needs the language model: it is still loading."))
            self.searches.clear()
            return seq
        k = self.results_k

        def job(engine: Engine):
            if seq < self._asked_at:
                return None          # another question came meanwhile: skip the work
            dense = self.model_ready
            return engine.find(request, k=k, dense=dense), dense

        self.searches.put(job, lambda res: self._deliver(seq, request, res),
                          lambda exc: self._search_error(seq, exc))
        return seq

    def refresh(self) -> None:
        """Ask the question on screen again (the index or the model changed)."""
        if self.request is None or (isinstance(self.request, SimilarTo) and not self.model_ready):
            return                   # "more like this" waits for the model, quietly
        self.search(self.request)

    def cancel_search(self) -> None:
        """Forget the question (the query was cleared)."""
        self._seq += 1
        self.request, self._asked_at = None, self._seq
        self.searches.clear()
        self.answers.clear()
        self._answer_next = None

    @property
    def searching(self) -> bool:
        """A search is in flight or waiting."""
        return self.searches.in_flight or self.searches.waiting

    def _deliver(self, seq: int, request: SearchRequest, res) -> None:
        if res is None or seq < self._asked_at or self._closed:
            return                   # an answer to an older question: drop it
        hits, dense = res
        emit(self.results_ready, seq, request, hits, dense)
        if dense and hits and self.answer_rows > 0 and isinstance(request, TextQuery):
            self._answer_next = (seq, request, hits)
            self._answer_timer.start()      # (again): typing on pushes the answers back

    # -- the sentence that answers: a second step, after the list is painted --------------
    def _on_answer_timer_timeout(self) -> None:
        nxt, self._answer_next = self._answer_next, None
        if nxt is None or self._closed:
            return
        seq, request, hits = nxt
        if seq != self._seq:
            return                   # another question was asked meanwhile
        rows = self.answer_rows

        def stale() -> bool:
            return seq != self._seq or self._closed

        def job(engine: Engine):
            if stale():
                return None
            return engine.answers(hits, request.text, top=rows, stop=stale,
                                  on_answer=lambda i, hit: self._deliver_answer(seq, request, i, hit))

        self.answers.put(job, lambda _: None, lambda exc: log.warning("answers failed: %s", exc))

    def _deliver_answer(self, seq: int, request: SearchRequest, row: int, hit: Hit) -> None:
        """On the query thread, as each answer is found: the GUI thread gets a signal."""
        if seq == self._seq and not self._closed:
            emit(self.answer_ready, seq, request, row, hit)

    def _search_error(self, seq: int, exc: BaseException) -> None:
        if seq < self._asked_at or self._closed:
            return
        log.warning("search failed: %s", exc)
        emit(self.search_failed, seq, str(exc) or type(exc).__name__)

    def refresh_after_switch(self) -> None:
        super().refresh_after_switch()
        self.refresh_catalog()

    # -- preview -------------------------------------------------------------------------
    def load_preview(self, hit: Hit, terms: list[str]) -> int:
        """The hit in its file's text; ``preview_ready`` brings it with this number."""
        self._preview_seq += 1
        seq = self._preview_seq

        def job(engine: Engine):
            if seq != self._preview_seq:
                return None
            return engine.preview(hit, terms=terms)

        self.previews.put(job, lambda doc: self._deliver_preview(seq, doc),
                          lambda exc: self._deliver_preview(seq, None))
        return seq

    def _deliver_preview(self, seq: int, doc: PreviewDoc | None) -> None:
        if seq == self._preview_seq and not self._closed:
            emit(self.preview_ready, seq, doc)

    def copy_out(self, hit: Hit, done: Callable[[str], None],
                 failed: Callable[[BaseException], None]) -> None:
        """The document inside a file (an archive member, a message of a mailbox) copied
        to a private temporary folder on the query thread; ``done(path)`` on the GUI
        thread."""
        self.copy_outs.put(lambda engine: str(engine.copy_out(hit)), done, failed)

    # -- catalog reads -------------------------------------------------------------------
    def refresh_catalog(self, *_: object) -> None:
        """Re-read folders, file kinds and failed files (on the query thread)."""

        def job(engine: Engine):
            roots = engine.roots()
            kinds = engine.kinds()
            failed = [(f.path, f.error or "", f.state, f.chain) for f in engine.failed_files()]
            return roots, kinds, failed, engine.folder_names()

        def done(res):
            if self._closed:
                return
            roots, kinds, failed, names = res
            emit(self.roots_loaded, roots)
            emit(self.folder_names_loaded, names)
            emit(self.kinds_loaded, kinds)
            emit(self.failed_loaded, failed)

        def advice_done(res):
            if not self._closed:
                emit(self.model_choice_loaded, *res)

        self.catalog_reads.put(job, done, lambda exc: log.warning("catalog read failed: %s", exc))
        self.advice_reads.put(lambda engine: (engine.models.chooser.choice(), engine.model_advice()),
                              advice_done, lambda exc: log.warning("model advice failed: %s", exc))

    # -- copies and versions -------------------------------------------------------------
    def refresh_duplicates(self) -> None:
        """Look for copies and versions again (on the ``copies`` thread);
        ``duplicates_ready`` brings them."""
        self._duplicates_version = self.progress.index_version

        def job(engine: Engine):
            t = time.monotonic()
            groups = engine.duplicates(
                stop=lambda: engine.foreground.wait_quiet(closing=lambda: self._closed))
            return groups, time.monotonic() - t

        def done(res) -> None:
            if self._closed:
                return
            groups, self._duplicates_took = res
            self._duplicates_at = time.monotonic()
            self.duplicates = list(groups)
            emit(self.duplicates_ready, self.duplicates)

        self.duplicate_reads.put(job, done,
                                 lambda exc: log.warning("copies and versions failed: %s", exc))

    # -- what the engine tells us --------------------------------------------------------
    def _on_self_engine_ready(self) -> None:
        self._catalog_version = -1
        self._failed_seen = 0
        for stream in (self.searches, self.previews, self.catalog_reads, self.roots_reads,
                       self.duplicate_reads, self.answers):
            stream.pump()
        self.refresh_catalog()
        self.refresh()
        self.refresh_duplicates()

    def _on_self_model_state_changed(self, state: ModelState, _message: str) -> None:
        if state is ModelState.READY:
            self.refresh()          # the same question, now by meaning too

    def _on_self_index_changed(self, _version: int) -> None:
        self.refresh()

    def _on_self_progress_changed(self, snap: Snapshot) -> None:
        # the folder counts and kinds settle when indexing does; a new failure shows at once
        if ((snap.state is State.IDLE and snap.index_version != self._catalog_version)
                or snap.failed != self._failed_seen):
            self._catalog_version = snap.index_version if snap.state is State.IDLE else -1
            self._failed_seen = snap.failed
            self.refresh_catalog()
        elif snap.busy and snap.index_version != self._counted_version:
            now = time.monotonic()
            if now - self._counted_at >= self.count_every_s:
                self._counted_at, self._counted_version = now, snap.index_version
                self.refresh_roots()
        if (snap.state is State.IDLE and snap.index_version != self._duplicates_version
                and not self._duplicates_recent()):
            self.refresh_duplicates()

    def refresh_roots(self) -> None:
        """Re-read the folders alone (their file counts), the cheap part of a catalog read."""

        def done(roots):
            if not self._closed:
                emit(self.roots_loaded, roots)

        self.roots_reads.put(lambda engine: engine.roots(), done,
                             lambda exc: log.warning("folder read failed: %s", exc))

    def _duplicates_recent(self) -> bool:
        """The last look was costly and ended less than ten times its length ago."""
        took = self._duplicates_took
        return took > 1.0 and time.monotonic() - self._duplicates_at < 10 * took

    @property
    def duplicates_stale(self) -> bool:
        """The index moved since the copies were last looked for."""
        return self.duplicates is None or self._duplicates_version != self.progress.index_version

    def _shutdown_queries(self) -> None:
        self._seq += 1
        self._asked_at = self._seq
        self._answer_timer.stop()
        self._answer_next = None
        for stream in (self.searches, self.previews, self.catalog_reads, self.roots_reads,
                       self.duplicate_reads, self.answers, self.advice_reads):
            stream.clear()
        self.answer_runner.shutdown(wait=True)
        self.advice_runner.shutdown(wait=True)
        self.queries.shutdown(wait=True)
        self.copies.shutdown(wait=True)     # a look in progress stops at its next check


def folder_label(path: str) -> str:
    home = str(Path.home())
    if path == home or path.startswith(home + os.sep):
        return "~" + path[len(home):]
    return path
