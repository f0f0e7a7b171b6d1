"""Everything the window asks of the engine, off the GUI thread.

Three single-thread runners keep each stream ordered and the GUI thread free:

* ``queries``: searches, "more like this", previews and catalog reads (fast, ordered;
  a request number drops answers to questions nobody asks any more);
* ``tasks``: opening the engine, adding/removing folders, saving settings, restarting
  the engine after a settings change (may take seconds: watching a big tree);
* ``model``: loading the embedding model (seconds: importing torch).

Indexing itself runs on the engine's ``IndexService`` thread; its callbacks arrive
through ``IndexerBridge``.
"""
from __future__ import annotations

import dataclasses
import gc
import logging
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal

from desktop_search.config import Settings
from desktop_search.core.query import query_terms
from desktop_search.core.engine import Engine
from desktop_search.core.indexing import IndexService, Snapshot
from desktop_search.core.query import highlight_spans
from desktop_search.core.search import Filters, Hit
from desktop_search.ui.bridge import IndexerBridge, TaskRunner, emit

log = logging.getLogger(__name__)

#: ``make(settings)`` or ``make(settings, embedder=...)`` (a model already loaded) -> Engine
EngineFactory = Callable[..., Engine]

#: how much of a file the preview shows around the passage (characters)
PREVIEW_CHARS = 60_000

#: how long a busy indexer may stay silent before we check whether it is done

#: settings whose change needs the engine restarted (the indexer caches its rules)
_ENGINE_FIELDS = ("model", "device", "backend", "max_file_mb", "exclude_patterns",
                  "exclude_dirs", "skip_hidden", "respect_gitignore", "follow_symlinks",
                  "extract_timeout_s")


@dataclass
class PreviewDoc:
    """A file's text around a hit, with where to highlight (offsets into ``text``)."""

    hit: Hit
    text: str
    passage: tuple[int, int]
    words: list[tuple[int, int]]
    truncated_before: bool = False
    truncated_after: bool = False


class SearchController(QObject):
    engine_ready = Signal()                       # opened (or re-opened after settings)
    engine_failed = Signal(str)
    results_ready = Signal(int, str, list, bool)  # request number, query, hits, dense
    search_failed = Signal(int, str)
    model_state_changed = Signal(str, str)        # "loading" | "ready" | "failed", message
    progress_changed = Signal(object)             # Snapshot
    file_failed = Signal(str, str)
    index_changed = Signal()
    roots_loaded = Signal(list)                   # engine.roots()
    kinds_loaded = Signal(list)
    failed_loaded = Signal(list)                  # [(path, reason, state)]
    preview_ready = Signal(int, object)           # request number, PreviewDoc | None
    settings_saved = Signal(object)               # Settings
    folder_added = Signal(str)
    folder_removed = Signal(str)
    error_reported = Signal(str)                  # something the user should read

    def __init__(self, *, settings: Settings, make_engine: EngineFactory, watch: bool = True,
                 results_k: int = 30, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._make_engine = make_engine
        self._watch = watch
        self.results_k = results_k
        self.engine: Engine | None = None
        self.service: IndexService | None = None
        self.bridge = IndexerBridge(self)
        self.bridge.progress_changed.connect(self._on_bridge_progress)
        self.bridge.file_failed.connect(self.file_failed)
        self.bridge.index_changed.connect(self.index_changed)
        self.queries = TaskRunner("query", self)
        self.tasks = TaskRunner("task", self)
        self.model = TaskRunner("model", self)
        self.model_state = "loading"
        self.model_message = "Loading the language model…"
        self.progress = Snapshot()
        self._seq = 0                 # the newest search request
        self._preview_seq = 0
        self._pending_search: tuple[int, str, Filters | None] | None = None
        self._generation = 0          # bumps on every engine (re)open
        self._closed = False

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self.engine is not None

    @property
    def model_ready(self) -> bool:
        return self.model_state == "ready"

    def start(self) -> None:
        """Open the engine and start indexing, in the background."""
        settings = self.settings
        self.tasks.submit(lambda: self._open(settings), self._on_opened, self._on_open_failed)

    def _open(self, settings: Settings, embedder=None) -> tuple[Engine, IndexService]:
        engine = (self._make_engine(settings) if embedder is None
                  else self._make_engine(settings, embedder=embedder))
        service = IndexService(engine, listener=self.bridge.listener())
        service.start(watch=self._watch)
        lower_priority(indexer_thread(service))
        return engine, service

    def _on_opened(self, pair: tuple[Engine, IndexService]) -> None:
        if self._closed:
            _close(*pair)
            return
        self.engine, self.service = pair
        self.settings = self.engine.settings
        self._generation += 1
        self._set_model_state("loading", "Loading the language model…")
        engine, gen = self.engine, self._generation
        self.model.submit(lambda: _load_model(engine),
                          lambda _: self._on_model_loaded(gen),
                          lambda exc: self._on_model_failed(gen, exc))
        emit(self.engine_ready)
        if getattr(self.engine, "notice", None):
            emit(self.error_reported, self.engine.notice)
        self.refresh_catalog()
        if self._pending_search is not None:
            seq, query, filters = self._pending_search
            self._pending_search = None
            if seq == self._seq:
                self._run_search(seq, query, filters)

    def _on_open_failed(self, exc: BaseException) -> None:
        msg = str(exc) or type(exc).__name__
        log.error("cannot open the index: %s", msg)
        emit(self.engine_failed, msg)
        emit(self.error_reported, f"Cannot open the index: {msg}")

    def _on_model_loaded(self, gen: int) -> None:
        if gen != self._generation:
            return
        # torch and transformers leave about a million long-lived objects: keep them out of
        # the collector, or each full collection stops every thread for ~0.5 s
        gc.freeze()
        self._set_model_state("ready", "Searching by meaning")

    def _on_model_failed(self, gen: int, exc: BaseException) -> None:
        if gen != self._generation:
            return
        self._set_model_state("failed", f"Searching by words only: {exc}")
        emit(self.error_reported, f"The language model could not be loaded: {exc}")

    def _set_model_state(self, state: str, message: str) -> None:
        self.model_state, self.model_message = state, message
        emit(self.model_state_changed, state, message)

    def shutdown(self) -> None:
        """Stop indexing and close the index; blocks (call once the window is gone)."""
        if self._closed:
            return
        self._closed = True
        self._seq += 1
        self.queries.shutdown(wait=True)
        self.tasks.shutdown(wait=True)      # finishes an open/restart in progress
        self.model.shutdown(wait=True)      # a model still loading (the process waits anyway)
        if self.engine is not None:
            _close(self.engine, self.service)
        self.engine = self.service = None

    # -- search --------------------------------------------------------------------------
    def search(self, query: str, filters: Filters | None = None) -> int:
        """Ask for a query's results; ``results_ready`` brings them with this number."""
        self._seq += 1
        seq = self._seq
        if self.engine is None:
            self._pending_search = (seq, query, filters)
            return seq
        self._run_search(seq, query, filters)
        return seq

    def _run_search(self, seq: int, query: str, filters: Filters | None) -> None:
        engine, dense, k = self.engine, self.model_ready, self.results_k

        def job():
            if seq != self._seq:
                return None          # a newer query came meanwhile: skip the work
            return engine.search(query, k=k, filters=filters, dense=dense)

        self.queries.submit(job, lambda hits: self._deliver(seq, query, hits, dense),
                            lambda exc: self._search_error(seq, exc))

    def more_like_this(self, path: str, filters: Filters | None = None) -> int:
        self._seq += 1
        seq = self._seq
        if self.engine is None or not self.model_ready:
            emit(self.error_reported, "“More like this” needs the language model: it is still loading.")
            return seq
        engine, k = self.engine, self.results_k

        def job():
            if seq != self._seq:
                return None
            return engine.more_like_this(path, k=k, filters=filters)

        label = "like:" + path
        self.queries.submit(job, lambda hits: self._deliver(seq, label, hits, True),
                            lambda exc: self._search_error(seq, exc))
        return seq

    def cancel_search(self) -> None:
        """Forget pending requests (the query was cleared)."""
        self._seq += 1
        self._pending_search = None

    def _deliver(self, seq: int, query: str, hits, dense: bool) -> None:
        if hits is None or seq != self._seq:
            return                   # an answer to an older question: drop it
        emit(self.results_ready, seq, query, hits, dense)

    def _search_error(self, seq: int, exc: BaseException) -> None:
        if seq != self._seq or self._closed:
            return
        log.warning("search failed: %s", exc)
        emit(self.search_failed, seq, str(exc) or type(exc).__name__)

    # -- preview -------------------------------------------------------------------------
    def load_preview(self, hit: Hit, query: str) -> int:
        self._preview_seq += 1
        seq = self._preview_seq
        if self.engine is None:
            return seq
        engine = self.engine

        def job():
            if seq != self._preview_seq:
                return None
            return build_preview(engine, hit, query)

        self.queries.submit(job, lambda doc: self._deliver_preview(seq, doc),
                            lambda exc: self._deliver_preview(seq, None))
        return seq

    def _deliver_preview(self, seq: int, doc) -> None:
        if seq == self._preview_seq:
            emit(self.preview_ready, seq, doc)

    # -- catalog reads -------------------------------------------------------------------
    def refresh_catalog(self) -> None:
        """Re-read folders, file kinds and failed files (on the query thread)."""
        if self.engine is None:
            return
        engine = self.engine

        def job():
            roots = engine.roots()
            kinds = engine.catalog.kinds()
            failed = [(f.path, f.error or "", f.state) for f in engine.catalog.failed_files()]
            return roots, kinds, failed

        def done(res):
            roots, kinds, failed = res
            emit(self.roots_loaded, roots)
            emit(self.kinds_loaded, kinds)
            emit(self.failed_loaded, failed)

        self.queries.submit(job, done, lambda exc: None)

    # -- folders -------------------------------------------------------------------------
    def add_folder(self, path: str) -> None:
        if self.service is None:
            emit(self.error_reported, "The index is still opening; try again in a moment.")
            return
        service = self.service

        def done(root: str) -> None:
            emit(self.folder_added, root)
            self.refresh_catalog()

        self.tasks.submit(lambda: service.add_root(path), done,
                          lambda exc: emit(self.error_reported, f"Cannot add {path}: {exc}"))

    def remove_folder(self, path: str) -> None:
        if self.service is None:
            return
        service = self.service

        def done(_):
            emit(self.folder_removed, path)
            self.refresh_catalog()

        self.tasks.submit(lambda: service.remove_root(path), done,
                          lambda exc: emit(self.error_reported, f"Cannot remove {path}: {exc}"))

    def retry(self, paths: list[str]) -> None:
        if self.service is None:
            return
        for p in paths:
            self.service.retry(p)     # only enqueues

    # -- indexing control ----------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self.service is not None and self.service.paused

    def set_paused(self, paused: bool) -> None:
        if self.service is None:
            return
        if paused:
            self.service.pause()      # sets an Event and reports progress: cheap
        else:
            self.service.resume()      # publishes the state it resumes in

    def _on_bridge_progress(self, progress: Snapshot) -> None:
        self.progress = progress
        emit(self.progress_changed, progress)

    # -- settings ------------------------------------------------------------------------
    def apply_settings(self, new: Settings) -> None:
        """Save settings; restart the engine in the background if indexing depends on them.

        A new model is loaded first, while the current index keeps answering; a model
        that cannot be loaded is reported and nothing changes.
        """
        new.validate()
        old = self.settings
        restart = any(getattr(old, f) != getattr(new, f) for f in _ENGINE_FIELDS)
        model_changed = (old.model, old.device, old.backend) != (new.model, new.device, new.backend)
        if model_changed and self.engine is not None:
            self._set_model_state("loading", f"Loading the model {new.model}…")
            self.model.submit(lambda: _load_embedder(new),
                              lambda emb: self._switch(new, restart=True, embedder=emb),
                              self._on_new_model_failed)
            return
        self._switch(new, restart=restart)

    def _on_new_model_failed(self, exc: BaseException) -> None:
        # the current model and index stay as they were
        self._set_model_state("ready" if self.engine is not None and self.engine.model_ready
                              else "failed", "Searching by meaning")
        emit(self.error_reported, f"The model was not changed: {exc}")

    def _switch(self, new: Settings, *, restart: bool, embedder=None) -> None:
        engine, service = self.engine, self.service

        def job():
            path = engine.settings_path if engine is not None else None
            if path is not None:
                new.save(path)
            if not restart or engine is None:
                if engine is not None:
                    # launch behaviour only: the live settings object follows
                    for f in dataclasses.fields(new):
                        setattr(engine.settings, f.name, getattr(new, f.name))
                return None
            _close(engine, service)
            return self._open(new, embedder)

        def done(pair):
            self.settings = new
            emit(self.settings_saved, new)
            if pair is not None:
                self.engine = self.service = None
                self._on_opened(pair)

        if restart and engine is not None:
            # searches hit the old engine until the new one is open: stop sending them
            self.engine = None
            self.service = None
            self._set_model_state("loading", "Applying the new settings…")
        self.tasks.submit(job, done, self._on_open_failed)


def _load_embedder(settings: Settings):
    """Load a model the user chose (before switching to it). Runs on the model thread."""
    from desktop_search.core.embed import embedder_for

    emb = embedder_for(settings)
    if hasattr(emb, "load"):
        emb.load()
    return emb


def _load_model(engine: Engine) -> None:
    lower_priority(threading.current_thread())
    engine.embedder()
    engine.vectors()


def indexer_thread(service: IndexService) -> threading.Thread | None:
    th = getattr(service, "_thread", None)
    if isinstance(th, threading.Thread):
        return th
    return next((t for t in threading.enumerate() if t.name == "desktop-search-indexer"), None)


def lower_priority(thread: threading.Thread | None, *, by: int = 10) -> bool:
    """Make a background thread yield the CPU to the GUI thread (Linux: per-thread nice).

    On a machine with few cores, embedding (torch's threads), the reader process and the
    GUI thread compete for the CPU; at equal priority the GUI thread can wait tens of ms
    for a turn. Threads and processes started later by this thread inherit its niceness.
    """
    if thread is None or not sys.platform.startswith("linux"):
        return False
    tid = getattr(thread, "native_id", None)
    if tid is None:
        return False
    try:
        now = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(19, now + by))
    except OSError:
        return False
    return True


def _close(engine: Engine, service: IndexService | None) -> None:
    try:
        if service is not None:
            service.stop()
    finally:
        engine.close()


def build_preview(engine: Engine, hit: Hit, query: str, *, limit: int = PREVIEW_CHARS) -> PreviewDoc | None:
    """The file's extracted text around the hit's passage (from the catalog, not the disk).

    Chunks are exact spans of the extracted text and may overlap; gaps between them were
    whitespace. Runs on a worker thread.
    """
    chunks = engine.catalog.chunks_of_file(hit.file_id)
    if not chunks:
        return None
    target = next((i for i, c in enumerate(chunks) if c.id == hit.chunk_id), None)
    if target is None:
        target = min(range(len(chunks)), key=lambda i: abs(chunks[i].start - hit.passage_start))
    # keep a window of chunks around the hit
    lo = hi = target
    size = len(chunks[target].text)
    while size < limit and (lo > 0 or hi < len(chunks) - 1):
        if lo > 0:
            lo -= 1
            size += len(chunks[lo].text)
        if hi < len(chunks) - 1 and size < limit:
            hi += 1
            size += len(chunks[hi].text)
    parts: list[str] = []
    pos = 0
    end_prev = None
    passage = (0, 0)
    for i in range(lo, hi + 1):
        c = chunks[i]
        if end_prev is None:
            piece, piece_src_start = c.text, c.start
        elif c.start >= end_prev:
            gap = c.start - end_prev
            sep = "\n\n" if gap >= 2 else (" " if gap else "")
            parts.append(sep)
            pos += len(sep)
            piece, piece_src_start = c.text, c.start
        else:
            skip = end_prev - c.start
            piece, piece_src_start = c.text[skip:], end_prev
        if i == target:
            # where the hit's whole chunk lies in our text
            start_in_text = pos - (piece_src_start - c.start)
            passage = (max(0, start_in_text), start_in_text + len(c.text))
        parts.append(piece)
        pos += len(piece)
        end_prev = max(end_prev or 0, c.end)
    text = "".join(parts)
    a, b = passage
    terms = query_terms(query) if query and not query.startswith("like:") else []
    words = [(a + s, a + e) for s, e in highlight_spans(text[a:b], terms)]
    return PreviewDoc(hit=hit, text=text, passage=passage, words=words,
                      truncated_before=lo > 0, truncated_after=hi < len(chunks) - 1)


def folder_label(path: str) -> str:
    home = str(Path.home())
    if path == home or path.startswith(home + os.sep):
        return "~" + path[len(home):]
    return path
