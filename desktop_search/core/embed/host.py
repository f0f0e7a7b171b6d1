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

import enum
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from desktop_search import paths
from desktop_search.config import Settings
from desktop_search.core import lang
from desktop_search.core.embed import advice as _advice
from desktop_search.core.embed import embedder_for, make_embedder, registry, resolve_model
from desktop_search.core.embed.base import Embedder, passage_text
from desktop_search.errors import ConfigError, ModelError

if TYPE_CHECKING:
    from desktop_search.core.store.library import Library
    from desktop_search.core.store.vector_index import VectorIndex

log = logging.getLogger(__name__)


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
        #: the configured model while the vectors are re-embedded for it (None otherwise)
        self._next: Embedder | None = None
        self._lock = threading.RLock()
        self._query_languages: dict[str, int] = {}
        #: why the model could not be loaded (None: fine, or not tried yet)
        self.error: str | None = None

    # -- the model -------------------------------------------------------------------------
    def model(self) -> Embedder:
        """The embedder that answers, not necessarily loaded (cheap)."""
        with self._lock:
            if self._embedder is None:
                self._embedder = embedder_for(self.settings)
            return self._embedder

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
                if old_id is not None:
                    log.warning("model changed from %s to %s, and %s cannot run here: "
                                "re-embedding every passage", old_id, model_id, old_id)
                    lib.drop_all_vectors(old_id, dim)
                lib.set_vector_model(model_id, dim)
            return lib.open_vectors(model_id, dim)

    def _rebuild(self, model_id: str) -> Embedder | None:
        """An embedder for vectors recorded under model_id, if it runs here offline."""
        info = registry.by_model_id(model_id)
        name = model_id.split("+int8")[0]
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
        if model_id.endswith("+int8"):
            backend = "onnx-int8"
        elif backend == "onnx-int8":  # the stored vectors are fp32 ones
            backend = "auto"
        try:
            emb = make_embedder(name, device=self.settings.device, backend=backend,
                                cache_dir=paths.cache_dir())
        except ModelError:
            return None
        return emb if emb.model_id == model_id else None

    # -- switching models ------------------------------------------------------------------
    def switch(self, name: str) -> None:
        """Make ``name`` the model: its vectors are made in the background (the indexing
        service does it when idle) while the current ones keep answering; resumable after
        a kill; switching back calls it off. The window's one-click offer of
        ``advice().suggested`` calls this (on a worker thread: a sentence-transformers
        model loads to tell its dimension)."""
        name = name.strip()
        if not name:
            raise ConfigError("model must not be empty")
        with self._lock:
            if name == self.settings.model and self._next is None:
                return
            emb = make_embedder(name, device=self.settings.device, backend=self.settings.backend,
                                cache_dir=paths.cache_dir())
            self.settings.model = name
            if self.settings_path is not None:
                self.settings.save(self.settings_path)
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

    def change(self) -> dict | None:
        """Progress of a model switch: {"from", "to", "done", "total"}, or None."""
        nxt = self.library.next_vectors.model()
        if nxt is None:
            return None
        done, total = self.library.next_vectors.progress()
        return {"from": self.library.vector_model()[0], "to": nxt[0], "done": done,
                "total": total}

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

    # -- languages and advice ----------------------------------------------------------------
    def note_query(self, language: lang.Language) -> None:
        """Count the language of a search (the advice weighs what the user asks)."""
        if language.sure:
            self._query_languages[language.code] = self._query_languages.get(language.code, 0) + 1

    def documents(self) -> dict[str, float]:
        """The collection's languages as last measured (language -> share of its text)."""
        return _advice.catalog_profile(self.library.catalog).shares

    def advice(self) -> _advice.ModelAdvice:
        """Whether another installed model would understand these files and searches: the
        window offers it in one click, ``status`` prints it."""
        asked = dict(self._query_languages)  # this process's searches (the window's)
        wanted = self.library.next_vectors.model()
        current = wanted[0] if wanted else (self.library.vector_model()[0] or self.settings.model)
        profile = _advice.catalog_profile(self.library.catalog)
        if not profile.sampled:  # indexed before languages were measured: look now, read-only
            profile = _advice.profile_texts(_advice.sample_texts(self.library.catalog))
        return _advice.advise(model=current, documents=profile, queries=asked)
