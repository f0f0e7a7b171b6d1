"""The engine's life in the window: open it, load the model, apply settings, add and
remove folders, pause indexing; and the indexing service's news, as Qt signals.

Two single-thread runners keep the GUI thread free:

* ``tasks``: opening the engine, adding/removing folders, saving settings, restarting
  the engine after a settings change (may take seconds: watching a big tree);
* ``model``: loading the embedding model (seconds: importing torch).

Indexing itself runs on the engine's ``IndexService`` thread; it publishes ``Snapshot``s
that arrive through ``IndexerBridge``. Nothing here polls the service: it is told
commands (``submit``, ``pause``, ``add_root``...) and renders what it publishes.
Queries live in ``controller.py``.
"""
from __future__ import annotations

import dataclasses
import gc
import logging
import os
import sys
import threading
from typing import Callable

from PySide6.QtCore import QObject, Signal

from desktop_search.i18n import _
from desktop_search.config import Settings
from desktop_search.core.embed.host import ModelState
from desktop_search.core.engine import Engine
from desktop_search.core.indexing import IndexService, Reindex, Rescan, Snapshot
from desktop_search.core.indexing.scan import norm
from desktop_search.ui.bridge import IndexerBridge, TaskRunner, emit

log = logging.getLogger(__name__)

#: ``make(settings)`` or ``make(settings, embedder=...)`` (a model already loaded) -> Engine
EngineFactory = Callable[..., Engine]

#: settings whose change needs the engine restarted (the indexer caches its rules)
_ENGINE_FIELDS = ("model", "device", "backend", "max_file_mb", "exclude_patterns",
                  "exclude_dirs", "skip_hidden", "respect_gitignore", "follow_symlinks",
                  "extract_timeout_s", "max_cores")


class EngineHost(QObject):
    engine_ready = Signal()                       # opened (or re-opened after settings)
    engine_failed = Signal(str)
    model_state_changed = Signal(object, str)     # ModelState, message
    progress_changed = Signal(object)             # Snapshot
    noticed = Signal(object)                      # a Notice from the indexing service
    index_changed = Signal(int)                   # Snapshot.index_version moved
    settings_saved = Signal(object)               # Settings
    folder_added = Signal(str)
    folder_removed = Signal(str)
    error_reported = Signal(str)                  # something the user should read

    def __init__(self, *, settings: Settings, make_engine: EngineFactory, watch: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._make_engine = make_engine
        self._watch = watch
        self.engine: Engine | None = None
        self.service: IndexService | None = None
        self.bridge = IndexerBridge(self)
        self.bridge.progress_changed.connect(self._on_bridge_progress_changed)
        self.bridge.noticed.connect(self.noticed)
        self.bridge.index_changed.connect(self.index_changed)
        #: an engine opened on the task thread that the GUI thread has not taken yet
        self._pending: tuple[Engine, IndexService] | None = None
        self.tasks = TaskRunner("task", self)
        self.model = TaskRunner("model", self)
        self.model_state = ModelState.LOADING
        self.model_message = _("Loading the language model…")
        self.progress = Snapshot()
        self._generation = 0          # bumps on every engine (re)open
        self._closed = False

    # -- lifecycle -----------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self.engine is not None

    @property
    def model_ready(self) -> bool:
        return self.model_state is ModelState.READY

    def start(self) -> None:
        """Open the engine and start indexing, in the background."""
        settings = self.settings
        self.tasks.submit(lambda: self._open(settings), self._on_opened, self._on_open_failed)

    def _open(self, settings: Settings, embedder=None) -> tuple[Engine, IndexService]:
        engine = (self._make_engine(settings) if embedder is None
                  else self._make_engine(settings, embedder=embedder))
        service = engine.index_service(listener=self.bridge.listener())
        service.start(watch=self._watch)
        lower_priority(service.thread)
        # until the GUI thread takes it: a window quit meanwhile must still close it
        self._pending = (engine, service)
        return engine, service

    def _on_opened(self, pair: tuple[Engine, IndexService]) -> None:
        self._pending = None
        if self._closed:
            return      # shutdown closed it: it was still pending then
        self.engine, self.service = pair
        self.settings = self.engine.settings
        self._generation += 1
        self._set_model_state(ModelState.LOADING, _("Loading the language model…"))
        engine, gen = self.engine, self._generation
        self.model.submit(lambda: _load_model(engine),
                          lambda _: self._on_model_loaded(gen),
                          lambda exc: self._on_model_failed(gen, exc))
        emit(self.engine_ready)
        if getattr(self.engine, "notice", None):
            emit(self.error_reported, self.engine.notice)

    def _on_open_failed(self, exc: BaseException) -> None:
        msg = str(exc) or type(exc).__name__
        log.error("cannot open the index: %s", msg)
        emit(self.engine_failed, msg)
        emit(self.error_reported, _("Cannot open the index: {error}").format(error=msg))

    def _on_model_loaded(self, gen: int) -> None:
        if gen != self._generation:
            return
        # torch and transformers leave about a million long-lived objects: keep them out of
        # the collector, or each full collection stops every thread for ~0.5 s
        gc.freeze()
        self._set_model_state(ModelState.READY, _("Searching by meaning"))

    def _on_model_failed(self, gen: int, exc: BaseException) -> None:
        if gen != self._generation:
            return
        self._set_model_state(ModelState.FAILED, _("Searching by words only: {error}").format(error=exc))
        emit(self.error_reported, _("The language model could not be loaded: {error}").format(error=exc))

    def _set_model_state(self, state: ModelState, message: str) -> None:
        self.model_state, self.model_message = state, message
        emit(self.model_state_changed, state, message)

    def shutdown(self) -> None:
        """Stop indexing and close the index; blocks (call once the window is gone)."""
        if self._closed:
            return
        self._closed = True
        self._shutdown_queries()
        self.tasks.shutdown(wait=True)      # finishes an open/restart in progress
        self.model.shutdown(wait=True)      # a model still loading (the process waits anyway)
        if self.engine is not None:
            _close(self.engine, self.service)
        elif self._pending is not None:
            # opened, but the GUI thread never took it (quit before the event loop ran
            # _on_opened): its indexing thread would outlive the app and abort at exit
            _close(*self._pending)
        self.engine = self.service = self._pending = None

    def _shutdown_queries(self) -> None:
        """Stop asking the engine anything (the query side overrides this)."""

    # -- folders -------------------------------------------------------------------------
    def add_folder(self, path: str) -> None:
        if self.service is None:
            emit(self.error_reported, _("The index is still opening; try again in a moment."))
            return
        service = self.service
        self.tasks.submit(lambda: service.add_root(path), lambda root: emit(self.folder_added, root),
                          lambda exc: emit(self.error_reported,
                                             _("Cannot add {path}: {error}").format(path=path, error=exc)))

    def remove_folder(self, path: str) -> None:
        if self.service is None:
            return
        service = self.service
        self.tasks.submit(lambda: service.remove_root(path), lambda _: emit(self.folder_removed, path),
                          lambda exc: emit(self.error_reported,
                                             _("Cannot remove {path}: {error}").format(path=path, error=exc)))

    def accept_model_advice(self, name: str) -> None:
        """The window's one-click offer: re-read every passage with ``name`` in the
        background while the current model keeps answering; the app keeps choosing."""
        if self.engine is None:
            return
        engine = self.engine
        self.tasks.submit(lambda: engine.models.switch(name, chosen_by_user=False),
                          lambda _: self.refresh_after_switch(),
                          lambda exc: emit(self.error_reported,
                                             _("The model was not changed: {error}").format(error=exc)))

    def refresh_after_switch(self) -> None:
        """A switch began: the service picks it up when idle (the query side re-reads)."""
        if self.service is not None:
            self.service.nudge()

    def rescan(self, paths: list[str]) -> None:
        """Compare these folders with the index again (only enqueues)."""
        if self.service is not None:
            for p in paths:
                self.service.submit(Rescan(norm(p)))

    def retry(self, paths: list[str]) -> None:
        """Read these files again, even if they look unchanged (only enqueues)."""
        if self.service is not None:
            for p in paths:
                self.service.submit(Reindex(norm(p)))

    # -- indexing control ----------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self.service is not None and self.service.paused

    def set_paused(self, paused: bool) -> None:
        if self.service is None:
            return
        if paused:
            self.service.pause()      # sets an Event and publishes the state: cheap
        else:
            self.service.resume()     # publishes the state it resumes in

    def index_now_anyway(self) -> None:
        """The status bar's "Index now anyway": no waiting until indexing is done."""
        if self.service is not None:
            self.service.index_now_anyway()

    def _on_bridge_progress_changed(self, progress: Snapshot) -> None:
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
            self._set_model_state(ModelState.LOADING, _("Loading the model {name}…").format(name=new.model))
            self.model.submit(lambda: _load_embedder(new),
                              lambda emb: self._switch(new, restart=True, embedder=emb),
                              self._on_new_model_failed)
            return
        self._switch(new, restart=restart)

    def _on_new_model_failed(self, exc: BaseException) -> None:
        # the current model and index stay as they were
        self._set_model_state(ModelState.READY if self.engine is not None and self.engine.model_ready
                              else ModelState.FAILED, _("Searching by meaning"))
        emit(self.error_reported, _("The model was not changed: {error}").format(error=exc))

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
            self._set_model_state(ModelState.LOADING, _("Applying the new settings…"))
        self.tasks.submit(job, done, self._on_open_failed)


def _load_embedder(settings: Settings):
    """Load a model the user chose (before switching to it). Runs on the model thread."""
    from desktop_search.core.embed import embedder_for

    emb = embedder_for(settings)
    emb.load()
    return emb


def _load_model(engine: Engine) -> None:
    lower_priority(threading.current_thread())
    engine.embedder()
    engine.vectors()


def indexer_thread(service: IndexService) -> threading.Thread | None:
    """The service's worker thread (the heartbeat test lowers and reads its priority)."""
    return service.thread


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
