"""``.rar`` archives (rarfile) as folders, with the limits of zip and tar (``inside.py``).

rarfile reads a RAR's index itself but needs an external program to unpack it: ``unrar``,
``unar``, ``7z`` or ``bsdtar``. Where none is installed, the archive is one refusal that
says so (nothing else is tried). Members are streamed from the program's output and cut
at the caller's limit, as for zip; the program gets the archive from a private copy with
a name of our own when the archive is not a file on disk.
"""
from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from desktop_search.core.extract.archives import Member, _bounded, unsafe_name
from desktop_search.errors import CorruptFile, EncryptedFile, UnsupportedFile
from desktop_search.i18n import N_


#: why a RAR archive is not read where no program to unpack it is installed
NO_TOOL = N_("a RAR archive: reading one needs unrar, unar, 7z or bsdtar, and none is installed")


def tool_available() -> bool:
    """Whether a program that unpacks RAR is installed (rarfile's own search, which runs
    each candidate: asked once per ``PATH``)."""
    return _tool_on(os.environ.get("PATH", ""))


@functools.lru_cache(maxsize=4)
def _tool_on(path: str) -> bool:
    import rarfile

    try:
        rarfile.tool_setup(force=True)
        return True
    except rarfile.RarCannotExec:
        return False


def members(source: BinaryIO) -> Iterator[Member]:
    import rarfile

    if not tool_available():
        raise UnsupportedFile(NO_TOOL)
    name = getattr(source, "name", None)
    if isinstance(name, str) and os.path.isfile(name):
        yield from _walk(rarfile, name)
        return
    with tempfile.TemporaryDirectory(prefix="ds-rar-") as tmp:
        copy = os.path.join(tmp, "archive.rar")           # our name, never the archive's
        with open(copy, "wb") as out:
            while block := source.read(1 << 20):
                out.write(block)
        yield from _walk(rarfile, copy)


def _walk(rarfile: Any, path: str) -> Iterator[Member]:
    errors = (rarfile.Error, OSError, EOFError, ValueError)
    try:
        rf = rarfile.RarFile(path)
        infos = rf.infolist()
    except rarfile.PasswordRequired:
        raise EncryptedFile(N_("a password-protected RAR archive (its names are encrypted too)")
                            ) from None
    except errors as exc:
        raise CorruptFile(N_("damaged RAR archive: {error}").format(error=_reason(exc))) from None
    with rf:
        for info in infos:
            if info.is_dir() or info.is_symlink():
                continue
            problem = unsafe_name(info.filename)
            if info.needs_password():
                problem = N_("password-protected: its contents cannot be read")

            def read(limit: int, info: Any = info) -> bytes:
                try:
                    with rf.open(info) as f:
                        return _bounded(f, limit)
                except errors as exc:
                    raise CorruptFile(N_("damaged RAR member: {error}").format(error=_reason(exc))
                                      ) from None

            mtime = None
            try:
                mtime = info.mtime.timestamp() if info.mtime else None
            except (AttributeError, ValueError, OverflowError, OSError):
                pass
            yield Member(info.filename, info.file_size, info.compress_size, mtime, read,
                         problem, key=f"{info.CRC or 0:08x}:{info.file_size}")


def _reason(exc: BaseException) -> str:
    msg = str(exc).strip() or type(exc).__name__
    return msg.splitlines()[0][:120]
