"""One way to replace a file on disk: a reader sees the old file or the new one, never half.

Write a temporary file beside the target, fsync it, rename it over the target, then fsync
the folder so the rename itself survives a power cut. Every file the app writes that
must survive a kill (settings, the vector and word indexes, the menu entry) goes through
``atomic_write``.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (a no-op where folders can't be
    opened, as on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_file(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[str], None], *, durable: bool = True,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
    """Replace ``path`` with what ``write(temp_path)`` writes, atomically and durably.

    ``write`` may write the temp file by name (usearch, numpy). A failure leaves the old
    file as it was and no temp file behind; ``on_error`` may turn the failure into a
    clearer one (it is called before the original is re-raised). ``durable=False`` skips
    the fsyncs, for caches (a thumbnail lost in a power cut is drawn again).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        if durable:
            fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if on_error is not None:
            on_error(exc)
        raise
    if durable:
        fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)

    atomic_write(path, write, durable=durable)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def private_temp_folder(prefix: str, *, sweep_after_s: float = 86_400.0) -> Path:
    """A new folder only this user can read (0700) in the system's temporary folder. The
    folders this prefix made earlier that have not changed for ``sweep_after_s`` are
    removed first: what was handed to another program to open is kept a day, then goes."""
    import shutil
    import time

    root = Path(tempfile.gettempdir())
    cutoff = time.time() - sweep_after_s
    me = os.getuid() if hasattr(os, "getuid") else None
    for p in root.glob(prefix + "*"):
        try:
            st = p.lstat()
        except OSError:
            continue
        mine = me is None or st.st_uid == me
        if p.is_dir() and not p.is_symlink() and st.st_mtime < cutoff and mine:
            shutil.rmtree(p, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=prefix))
