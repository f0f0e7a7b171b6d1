"""Any sentence-transformers model on torch. sentence-transformers is imported lazily: it takes seconds."""
from __future__ import annotations

import logging
import os
from typing import Any, Sequence

import numpy as np

from desktop_search.core.embed.base import Embedder, EmbedderBase, pick_device, resolve_model
from desktop_search.core.embed.lazy import LazyModel, QueryCache
from desktop_search.errors import ModelError

log = logging.getLogger(__name__)



class SentenceTransformerEmbedder(EmbedderBase):
    """A sentence-transformers model, loaded on first use (or by ``load()``)."""

    def __init__(self, model: str = "all-MiniLM-L6-v2", *, device: str = "auto",
                 batch_size: int = 32, allow_download: bool = True,
                 threads: int | None = None) -> None:
        self._threads = threads       # torch's intra-op threads (process-wide), None: torch's
        self._source, self._model_id, self._offline = resolve_model(model)
        self._device_pref = device
        self._batch_size = batch_size
        self._allow_download = allow_download
        self._model: LazyModel[Any, Embedder] = LazyModel(self._open)
        self.queries = QueryCache()
        self.device: str | None = None
        self.embed_calls = 0  # number of texts embedded: tests count work with it

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def loaded(self) -> bool:
        return self._model.loaded

    @property
    def dim(self) -> int:
        return model_dim(self.load())

    @property
    def max_seq_length(self) -> int:
        return int(self.load().max_seq_length)

    def load(self) -> Any:
        return self._model.model()

    def _open(self) -> Any:
        # Local models never touch the network: set the hub's offline switch ourselves.
        if self._offline:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # the bundle, or a broken install
            from desktop_search.core.embed import prebuilt

            if prebuilt.frozen():
                raise ModelError(prebuilt.needs_torch_message(self._source)) from None
            raise ModelError(f"sentence-transformers is not installed: {exc}") from None
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except Exception:  # noqa: BLE001 - cosmetic only
            pass
        device = pick_device(self._device_pref)
        if self._threads:
            import torch

            torch.set_num_threads(max(1, int(self._threads)))
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
        hit = self.queries.get(text)
        if hit is not None:
            return hit
        model = self.load()
        enc = getattr(model, "encode_query", None) or model.encode
        vec = enc([text], normalize_embeddings=True, convert_to_numpy=True,
                  show_progress_bar=False)[0]
        return self.queries.put(text, np.asarray(vec, dtype=np.float32))


def model_dim(model: Any) -> int:
    """A loaded SentenceTransformer's vector size (the method was renamed in v5)."""
    get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get())
