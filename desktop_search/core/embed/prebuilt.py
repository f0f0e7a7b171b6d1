"""Model graphs built when the app was packaged (the Linux bundle), used before the cache.

A bundle holds no torch, so it cannot export the English model's graph on first use; the
build script (``packaging/build-linux.sh``) builds every packaged model's graph into the
bundle's ``graphs/`` folder instead, and the backends look there first. The folder is
read-only and made together with the models it serves, so it is named by model, not by a
fingerprint of the model's files (their dates are not kept by every copy). A pip install
has no such folder (unless ``DESKTOP_SEARCH_GRAPHS`` names one): it builds into the cache.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

#: a folder of prebuilt graphs, for a test or a packager (the bundle finds its own)
ENV_GRAPHS = "DESKTOP_SEARCH_GRAPHS"
#: the bundle's folder of graphs, next to its Python modules
BUNDLE_FOLDER = "graphs"
#: the multilingual model's graph folder (e5_graph's files)
E5_NAME = "multilingual-e5-small"


def frozen() -> bool:
    """Whether this is the bundle (a frozen app: no Python, no pip, no torch)."""
    return bool(getattr(sys, "frozen", False))


def graphs_root() -> Path | None:
    env = os.environ.get(ENV_GRAPHS)
    if env:
        return Path(env)
    if frozen():
        base = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
        return base / BUNDLE_FOLDER
    return None


def folder_name(model_id: str) -> str:
    """The folder a model's graphs are in, from the model id its vectors are recorded
    under (without ``+int8``: one folder holds both precisions)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("._")[-80:] or "model"


def graph_folder(model_id: str) -> Path | None:
    """The prebuilt graphs of that model, or None (not a bundle, or not packaged)."""
    root = graphs_root()
    if root is None:
        return None
    folder = root / folder_name(model_id)
    return folder if folder.is_dir() else None


def needs_torch_message(model: str) -> str:
    """What the bundle says of a model it cannot run (one that needs torch)."""
    return (f"the model {model!r} needs torch, which this download does not hold (it runs "
            "the packaged English and multilingual models). To use other models, install "
            "the Python version: in its source folder, pipx install --preinstall "
            "torch==2.13.0 . (see docs/install.md)")
