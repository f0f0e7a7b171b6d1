"""Archives as folders: the members of ``.zip``, ``.tar``, ``.tar.gz``/``.tgz``,
``.tar.bz2``/``.tbz2``, ``.tar.xz``/``.txz`` (the standard library's readers), ``.7z``
(``sevenzip.py``) and ``.rar`` (``rar.py``).

Members are read one at a time into memory, never written to disk under their own
names, so a member called ``../../.bashrc`` or ``/etc/passwd`` cannot land anywhere; it
is listed as refused all the same, since no honest archive has one. Each member's size
is checked before it is read, and the read stops at the cap whatever the header claims
(a bomb lies about its sizes). What the limits refuse is decided in ``inside.py``.
"""
from __future__ import annotations

import io
import posixpath
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, BinaryIO, Callable

from desktop_search.errors import CorruptFile
from desktop_search.i18n import N_

#: double suffixes first: ``x.tar.gz`` is an archive, ``x.txt.gz`` a compressed text
TAR_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz2", ".tbz", ".txz", ".tar")
ZIP_SUFFIXES = (".zip",)
SEVENZ_SUFFIXES = (".7z",)
RAR_SUFFIXES = (".rar",)

_ERRORS = (OSError, EOFError, zlib.error, ValueError, tarfile.TarError, zipfile.BadZipFile,
           NotImplementedError, RuntimeError, KeyError, OverflowError)
#: tarfile's stream mode meets a gzip header cut short with ``ord(b"")``: a TypeError
#: (found by fuzzing: tests/reliability/fuzz_crashers/tar-*)
_TAR_ERRORS = (*_ERRORS, TypeError)


def archive_kind(name: str) -> str | None:
    """"zip", "tar", "7z" or "rar" for an archive's name; None for anything else."""
    low = name.lower()
    if low.endswith(ZIP_SUFFIXES):
        return "zip"
    if low.endswith(TAR_SUFFIXES):
        return "tar"
    if low.endswith(SEVENZ_SUFFIXES):
        return "7z"
    if low.endswith(RAR_SUFFIXES):
        return "rar"
    return None


@dataclass
class Member:
    """One file in an archive. ``read(limit)`` returns at most ``limit`` + 1 bytes (so a
    caller sees that a member is over a limit without unpacking the rest of it)."""

    name: str
    size: int                     # as the archive declares it (may be a lie)
    packed: int                   # its compressed size, where the archive says
    mtime: float | None
    read: Callable[[int], bytes]
    problem: str | None = None    # why it must not be read (encrypted, unsafe name)
    key: str = ""                 # identity in the archive: a CRC where there is one


#: why a member's name is refused, and the same said of many in one summary row
ABSOLUTE_NAME = N_("an absolute member name (refused: it points outside the archive)")
CLIMBING_NAME = N_("a member name with '..' (refused: it points outside the archive)")
MANY_OUTSIDE = N_("names that climb out of the archive")
#: a refusal reason -> how a summary row says it of many
MANY: dict[str, str] = {ABSOLUTE_NAME: MANY_OUTSIDE, CLIMBING_NAME: MANY_OUTSIDE}


def said_of_many(reason: str) -> str:
    """``reason`` as a summary row says it of many members (itself when there is no such
    phrase). English, as the catalog stores reasons (``reasons.py`` translates them)."""
    return MANY.get(reason, reason)


def unsafe_name(name: str) -> str | None:
    """Why a member's name is refused: absolute, or climbing out of the archive."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return ABSOLUTE_NAME
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return CLIMBING_NAME
    return None


def members(kind: str, source: BinaryIO, *, member_cap: int = 2**62,
            max_unpacked: int = 2**62) -> Iterator[Member]:
    """The regular files of an archive read from ``source``, in archive order. A damaged
    archive raises ``CorruptFile`` when it is met (members before it were yielded).
    ``member_cap`` and ``max_unpacked`` bound a 7z's one unpacking pass (it cannot skip a
    member it does not read): what it keeps of a member, and what it unpacks in all."""
    if kind == "zip":
        yield from _zip_members(source)
    elif kind == "tar":
        yield from _tar_members(source)
    elif kind == "7z":
        from desktop_search.core.extract import sevenzip

        yield from sevenzip.members(source, member_cap=member_cap, max_unpacked=max_unpacked)
    elif kind == "rar":
        from desktop_search.core.extract import rar

        yield from rar.members(source)
    else:
        raise ValueError(kind)


def _bounded(f: IO[bytes], limit: int) -> bytes:
    out = bytearray()
    while len(out) <= limit:
        block = f.read(min(1 << 20, limit + 1 - len(out)))
        if not block:
            break
        out += block
    return bytes(out)


def _zip_members(source: BinaryIO) -> Iterator[Member]:
    try:
        zf = zipfile.ZipFile(source)
        infos = zf.infolist()
    except _ERRORS as exc:
        raise CorruptFile(f"damaged zip archive: {_reason(exc)}") from None
    for info in infos:
        if info.is_dir():
            continue
        problem = unsafe_name(info.filename)
        if info.flag_bits & 0x1:
            problem = "password-protected: its contents cannot be read"

        def read(limit: int, info: zipfile.ZipInfo = info) -> bytes:
            try:
                with zf.open(info) as f:
                    return _bounded(f, limit)
            except _ERRORS as exc:
                raise CorruptFile(f"damaged zip member: {_reason(exc)}") from None

        mtime = None
        try:
            import calendar

            mtime = float(calendar.timegm((*info.date_time, 0, 0, 0)))
        except (ValueError, OverflowError):
            pass
        yield Member(info.filename, info.file_size, info.compress_size, mtime, read, problem,
                     key=f"{info.CRC:08x}:{info.file_size}")


def _tar_members(source: BinaryIO) -> Iterator[Member]:
    try:
        # streaming mode: one pass, whatever the compressor; never seeks back
        tf = tarfile.open(fileobj=source, mode="r|*")
    except _TAR_ERRORS as exc:
        raise CorruptFile(f"damaged tar archive: {_reason(exc)}") from None
    with tf:
        while True:
            try:
                info = tf.next()
            except _TAR_ERRORS as exc:
                raise CorruptFile(f"damaged tar archive: {_reason(exc)}") from None
            if info is None:
                return
            if not info.isreg():
                continue            # folders, links, devices: nothing to read

            def read(limit: int, info: tarfile.TarInfo = info) -> bytes:
                try:
                    f = tf.extractfile(info)
                    return _bounded(f, limit) if f is not None else b""
                except _TAR_ERRORS as exc:
                    raise CorruptFile(f"damaged tar member: {_reason(exc)}") from None

            yield Member(info.name, info.size, info.size, float(info.mtime or 0) or None, read,
                         unsafe_name(info.name), key=f"{info.size}:{int(info.mtime or 0)}")


def base_name(name: str) -> str:
    return posixpath.basename(name.rstrip("/")) or name


def open_bytes(data: bytes) -> BinaryIO:
    return io.BytesIO(data)


def _reason(exc: BaseException) -> str:
    msg = str(exc).strip() or type(exc).__name__
    return msg.splitlines()[0][:120]
