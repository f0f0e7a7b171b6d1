"""What every embedder shares: a model built on first use (with a fallback embedder when
it cannot be built), and the last queries' vectors.

A backend owns one ``LazyModel`` and one ``QueryCache`` instead of its own copies: the
double-checked load under a lock, the hand-over to a fallback, and the LRU of query
vectors are written once here.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Callable, Generic, TypeVar

import numpy as np

from desktop_search.errors import ModelError

if TYPE_CHECKING:
    from desktop_search.core.embed.base import Embedder

log = logging.getLogger(__name__)

M = TypeVar("M")
D = TypeVar("D", bound="Embedder")

#: query vectors kept per embedder (typing the same words again costs nothing)
QUERY_CACHE_SIZE = 256


class LazyModel(Generic[M, D]):
    """``open_model()`` run once, on first use, under a lock (seconds: never on a GUI
    thread). When it raises one of ``fallback_on`` and a ``fallback`` is given, the
    embedder that builds takes over for good (``delegate``) and ``get()`` says so by
    returning None."""

    def __init__(self, open_model: Callable[[], M], *,
                 fallback: Callable[[], D] | None = None,
                 fallback_on: tuple[type[Exception], ...] = (ModelError,),
                 why: str = "the model cannot load") -> None:
        self._open = open_model
        self._fallback = fallback
        self._fallback_on = fallback_on
        self._why = why
        self._model: M | None = None
        self._delegate: D | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None or self._delegate is not None

    @property
    def delegate(self) -> D | None:
        """The fallback embedder, once it took over."""
        return self._delegate

    def get(self) -> M | None:
        """The model, loaded; None when the fallback runs instead (it is loaded too)."""
        if self._model is not None:
            return self._model
        if self._delegate is not None:
            return None
        with self._lock:
            if self._model is not None:
                return self._model
            if self._delegate is not None:
                return None
            try:
                self._model = self._open()
                return self._model
            except self._fallback_on as exc:
                if self._fallback is None:
                    raise
                log.warning("%s (%s): using the fallback", self._why, exc)
                delegate = self._fallback()
                delegate.load()
                self._delegate = delegate
                return None

    def model(self) -> M:
        """The model itself; raises when the fallback runs instead."""
        got = self.get()
        if got is None:
            raise ModelError("the fallback model runs instead")
        return got


class QueryCache:
    """The last queries' vectors, least recently used dropped first. The vectors are
    read-only: the same array is handed to every caller."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            hit = self._vectors.get(text)
            if hit is not None:
                self._vectors.move_to_end(text)
            return hit

    def put(self, text: str, vec: np.ndarray) -> np.ndarray:
        vec.setflags(write=False)
        with self._lock:
            self._vectors[text] = vec
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return vec

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()
