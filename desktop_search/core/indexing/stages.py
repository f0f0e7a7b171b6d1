"""The worker's stages after reading, in the order a user needs them: the passages'
vectors, then the words in pictures and scans (OCR), then the pictures' own vectors, and
last a model switch's re-embedding. Each step is short, so a pause takes effect between
steps; each is resumable after a kill (the catalog says what is done).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from desktop_search.core.indexing.backlog import EMBED_BATCH
from desktop_search.core.indexing.ingest import CHANGED
from desktop_search.core.indexing.state import State
from desktop_search.core.notice import Notice
from desktop_search.errors import ModelError

if TYPE_CHECKING:
    from desktop_search.config import Settings
    from desktop_search.core.embed.host import ModelHost
    from desktop_search.core.indexing.ingest import Ingest
    from desktop_search.core.indexing.state import Progress
    from desktop_search.core.store import Library


class WorkerControl(Protocol):
    """What the stages need of the worker that runs them (``IndexService``), and no more."""

    library: Library
    models: ModelHost
    ingest: Ingest
    progress: Progress
    settings: Settings

    def set_state(self, state: State, *, model_loading: bool = False,
                  force: bool = True) -> None: ...

    def fail(self, exc: ModelError) -> None: ...

    def save_now_and_then(self) -> None: ...


class Stages:
    def __init__(self, worker: WorkerControl) -> None:
        self.worker = worker
        self.library = worker.library
        self.models = worker.models
        self.ingest = worker.ingest
        self.progress = worker.progress
        self.embed_batch = EMBED_BATCH
        self._model_checked = False
        self._pictures_off = False    # the picture model failed: text goes on without it

    def step(self) -> bool:
        """One step of the first stage with work waiting. False when none has any."""
        if self._embed_some():
            return True
        # pictures and scans last: text files are searchable first, whatever their number
        return self._ocr_some() or self._picture_vectors_some()

    def pending(self) -> bool:
        """Whether any stage has work waiting (cheap counts; the worker asks before it
        waits for mains power or a calmer CPU)."""
        if self.library.count_unembedded():
            return True
        if (self.worker.settings.read_text_in_pictures
                and self.library.picture_rows.count_ocr_pending()):
            return True
        pi = None if self._pictures_off else self.library.pictures()
        if pi is not None and pi.pending():
            return True
        return self.library.next_vectors.model() is not None

    def settle(self) -> None:
        """Choose the model from the passages read so far (``ModelHost.settle``)."""
        if self.library.count_unembedded() and self.models.settle():
            self._model_checked = False     # the model chosen for these files replaces the first

    def _embed_some(self) -> bool:
        self.settle()
        if not self._model_checked:
            # Loading the model also checks it is the one the vectors were made with
            # (a different one clears them, and they join the backlog).
            if not self.models.vectors_open:
                self.worker.set_state(State.EMBEDDING, model_loading=True)
            try:
                self.models.vectors()
            except ModelError as exc:
                self.worker.fail(exc)
                return False
            self._model_checked = True
        if self.library.count_unembedded() == 0:
            return self._embed_next()
        self.progress.embedding_started(self.ingest.counters.chunks_embedded)
        self.worker.set_state(State.EMBEDDING, model_loading=not self.models.ready)
        try:
            with self.ingest.lock:
                n = self.ingest.embed_backlog(self.embed_batch)
        except ModelError as exc:
            self.worker.fail(exc)
            return False
        if n:
            self.progress.changed()
            self.worker.save_now_and_then()
            self.worker.set_state(State.EMBEDDING, model_loading=False, force=False)
        return n > 0

    def _ocr_some(self) -> bool:
        """Read the words of one picture or scan (the OCR stage). False when none waits."""
        if not self.worker.settings.read_text_in_pictures:
            return False   # turned off: what waits stays listed, its words unread
        rows = self.library.picture_rows
        n = rows.count_ocr_pending()
        if not n:
            return False
        self.progress.pictures_waiting(n)
        self.worker.set_state(State.PICTURES)
        with self.ingest.lock:
            result = self.ingest.ocr_next()
        if result is None:
            return False
        if result in CHANGED:
            self.progress.changed()
        self.progress.pictures_waiting(rows.count_ocr_pending())
        self.worker.set_state(State.PICTURES, force=False)
        return True

    def _picture_vectors_some(self) -> bool:
        """Embed a few pictures with the image model, when picture search is on."""
        if self._pictures_off:
            return False
        pi = self.library.pictures()
        if pi is None:
            return False
        n = pi.pending()
        if not n:
            return False
        self.progress.pictures_waiting(n)
        self.worker.set_state(State.PICTURES)
        try:
            with self.ingest.lock:
                done = pi.embed_some(on_download=self.progress.picture_download)
        except ModelError as exc:
            # text search goes on without it; the user is told why
            self._pictures_off = True
            pi.error = str(exc)
            self.progress.tell(Notice.error(str(exc)))
            return False
        finally:
            self.progress.picture_download_over()
        if done:
            self.progress.changed()
        self.progress.pictures_waiting(pi.pending())
        self.worker.set_state(State.PICTURES, force=False)
        return done > 0

    def _embed_next(self) -> bool:
        """With the backlog done: re-embed for a model switch, a batch at a time (a kill
        loses at most one batch; the next run resumes)."""
        if self.library.next_vectors.model() is None:
            return False
        self.worker.set_state(State.EMBEDDING, force=False)
        try:
            with self.ingest.lock:
                n, switched = self.models.embed_next(self.embed_batch)
        except ModelError as exc:
            self.worker.fail(exc)
            return False
        if switched:
            self.progress.changed()
        self.progress.emit(force=switched)
        return bool(n or switched)
