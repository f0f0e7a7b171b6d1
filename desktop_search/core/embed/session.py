"""The embed calls every ONNX backend shares: a session built on first use (``LazyModel``,
with the fallback embedder that takes over when it cannot build) and the last queries'
vectors (``QueryCache``). A backend says only how its texts are prompted and encoded."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from desktop_search.core.embed.base import Embedder, EmbedderBase
from desktop_search.core.embed.lazy import LazyModel, QueryCache
from desktop_search.errors import ModelError


def session_options(ort: Any, threads: int) -> Any:
    """ONNX Runtime's options for a desktop app's model: ``threads`` for one pass, all
    graph optimisations, quiet, and idle workers that sleep instead of spinning (a desktop
    app shares the CPU: on a busy 2-core machine spinning doubled query latency at equal
    throughput)."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return so


class SessionEmbedder(EmbedderBase):
    """``embed_documents`` and ``embed_query`` over ``_session``; subclasses set
    ``_session``, ``queries`` and ``embed_calls`` and implement ``dim``, ``_documents``,
    ``_query_text`` and ``_encode``."""

    _session: LazyModel[Any, Any]   # the fallback: any Embedder
    queries: QueryCache
    embed_calls: int

    @property
    def dim(self) -> int:
        raise NotImplementedError

    def _documents(self, texts: Sequence[str]) -> list[str]:
        """The texts as the model reads passages (its prompt, no empty text)."""
        raise NotImplementedError

    def _query_text(self, text: str) -> str:
        """A query as the model reads it."""
        raise NotImplementedError

    def _encode(self, sess: Any, texts: list[str]) -> np.ndarray:
        """Unit vectors of texts already prompted."""
        raise NotImplementedError

    def _encode_documents(self, sess: Any, texts: list[str]) -> np.ndarray:
        """The indexer's passes (a backend may make them take turns)."""
        return self._encode(sess, texts)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        sess = self._session.get()
        if sess is None:
            return self._fallen_back().embed_documents(texts)
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._encode_documents(sess, self._documents(texts))
        self.embed_calls += len(texts)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        hit = self.queries.get(text)
        if hit is not None:
            return hit
        sess = self._session.get()
        if sess is None:
            return self._fallen_back().embed_query(text)
        return self.queries.put(text, self._encode(sess, [self._query_text(text)])[0])

    def _fallen_back(self) -> Embedder:
        delegate: Embedder | None = self._session.delegate
        if delegate is None:
            raise ModelError("no fallback model")
        return delegate
