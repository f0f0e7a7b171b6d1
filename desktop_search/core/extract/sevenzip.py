"""``.7z`` archives (py7zr) as folders, with the limits of zip and tar (``inside.py``).

A 7z archive is often solid (its members compressed as one stream): a member can only be
reached by unpacking those before it. So the archive is unpacked in one pass, in a thread
of its own, in memory, and each member is handed over when it is complete (at most one
waits, so at most two are in memory); a member over ``member_cap`` is kept only up to the
cap (the rest is unpacked and dropped, never kept). Everything unpacked, kept or not,
counts toward ``max_unpacked``: past it the pass stops (a bomb costs its limit, never
more). Members with unsafe names and empty ones are never unpacked; a password-protected
archive lists its members with that reason (an archive whose names are encrypted too is
one refusal).
"""
from __future__ import annotations

import io
import queue
import threading
from collections.abc import Iterator
from typing import Any, BinaryIO, Callable

from desktop_search.core.extract.archives import Member, unsafe_name
from desktop_search.errors import CorruptFile, EncryptedFile, TooLarge
from desktop_search.i18n import N_

_DONE = object()


def _bomb_reason() -> str:  # noqa: N802 - a sentence, translated when said
    return N_("the 7z archive unpacks to more than its limit: the rest is refused as a "
             "possible decompression bomb")


def members(source: BinaryIO, *, member_cap: int, max_unpacked: int) -> Iterator[Member]:
    import py7zr

    # py7zr lets its codecs' errors out as they are (zlib, lzma, bz2, struct...): any
    # exception opening or listing the archive is damage
    errors = (Exception,)
    try:
        # py7zr's own count stops members skipped in a solid block too
        szf = py7zr.SevenZipFile(source, mode="r", max_extract_size=max_unpacked)
    except py7zr.PasswordRequired:
        raise EncryptedFile(N_("a password-protected 7z archive (its names are encrypted too)")
                            ) from None
    except errors as exc:
        raise CorruptFile(N_("damaged 7z archive: {error}").format(error=_reason(exc))) from None
    with szf:
        try:
            infos = [f for f in szf.list() if not f.is_directory]
            locked = szf.needs_password()
        except errors as exc:
            raise CorruptFile(N_("damaged 7z archive: {error}").format(error=_reason(exc))) from None
        wanted: list[str] = []
        for info in infos:
            problem = unsafe_name(info.filename)
            if locked:
                problem = N_("password-protected: its contents cannot be read")
            if problem or not info.uncompressed:
                yield Member(info.filename, info.uncompressed, info.compressed or 0,
                             _mtime(info), lambda limit: b"", problem,
                             key=f"{info.crc32 or 0:08x}:{info.uncompressed}")
            else:
                wanted.append(info.filename)
        if not wanted:
            return
        by_name = {i.filename: i for i in infos}
        stream = _Stream(szf, wanted, member_cap=member_cap, max_unpacked=max_unpacked)
        done = 0
        try:
            for name, data in stream:
                info = by_name[name]
                done += 1
                yield Member(name, info.uncompressed, info.compressed or 0, _mtime(info),
                             _reader(data), None,
                             key=f"{info.crc32 or 0:08x}:{info.uncompressed}")
        except TooLarge as exc:                   # a bomb: each member left is named
            for name in wanted[done:]:
                info = by_name[name]
                yield Member(name, info.uncompressed, info.compressed or 0, _mtime(info),
                             lambda limit: b"", str(exc),
                             key=f"{info.crc32 or 0:08x}:{info.uncompressed}")
        finally:
            stream.stop()


class _Stream:
    """The one unpacking pass, as an iterator of (name, bytes) in archive order."""

    def __init__(self, szf: Any, wanted: list[str], *, member_cap: int, max_unpacked: int) -> None:
        self.szf, self.wanted = szf, wanted
        self.member_cap, self.max_unpacked = member_cap, max_unpacked
        self.handoff: queue.Queue[Any] = queue.Queue(maxsize=1)
        self.stopped = threading.Event()
        self.unpacked = 0
        self.thread = threading.Thread(target=self._run, name="ds-7z", daemon=True)
        self.thread.start()

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        for name in self.wanted:
            item = self.handoff.get()
            if item is _DONE:
                return
            if isinstance(item, Exception):
                raise item
            # py7zr unpacks the members asked for in archive order (one thread, one
            # folder after another): the n-th handed over is the n-th wanted
            yield name, item[1]

    def _run(self) -> None:
        from py7zr.exceptions import DecompressionBombError
        from py7zr.io import WriterFactory

        stream = self

        class Factory(WriterFactory):  # type: ignore[misc]  # py7zr is read as Any
            def create(self, filename: str) -> _Writer:
                return _Writer(stream, filename)

        item: object = _DONE
        try:
            self.szf.extract(targets=self.wanted, factory=Factory())
        except _Stopped:
            return
        except TooLarge as exc:
            item = exc
        except DecompressionBombError:
            item = TooLarge(_bomb_reason())
        except MemoryError:
            item = TooLarge(N_("the 7z archive needs more memory than allowed to unpack"))
        except Exception as exc:  # noqa: BLE001 - py7zr's many kinds of damage, all listed
            item = CorruptFile(N_("damaged 7z archive: {error}").format(error=_reason(exc)))
        try:
            self._put(item)
        except _Stopped:
            pass

    def _put(self, item: object) -> None:
        while not self.stopped.is_set():
            try:
                self.handoff.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        raise _Stopped

    def stop(self) -> None:
        """The reader is done with the archive (or gave up): end the pass."""
        self.stopped.set()
        while self.thread.is_alive():
            try:
                self.handoff.get(timeout=0.1)
            except queue.Empty:
                pass
        self.thread.join()


class _Stopped(Exception):
    pass


class _Writer:
    """Where py7zr writes one member: kept up to the cap, all of it counted."""

    def __init__(self, stream: _Stream, filename: str) -> None:
        self.stream, self.filename = stream, filename
        self.buf = io.BytesIO()

    def write(self, s: bytes) -> int:
        stream = self.stream
        if stream.stopped.is_set():
            raise _Stopped
        stream.unpacked += len(s)
        if stream.unpacked > stream.max_unpacked:
            raise TooLarge(_bomb_reason())
        room = stream.member_cap + 1 - self.buf.tell()
        if room > 0:
            self.buf.write(bytes(s[:room]))
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        pass

    def size(self) -> int:
        return self.buf.tell()

    def close(self) -> None:
        self.stream._put((self.filename, self.buf.getvalue()))


def _reader(data: bytes) -> Callable[[int], bytes]:
    """A member's read: its bytes up to the cap and one more (to tell one over it)."""
    return lambda limit: data[:limit + 1]


def _mtime(info: Any) -> float | None:
    try:
        when = info.creationtime
        return when.timestamp() if when is not None else None
    except (AttributeError, ValueError, OverflowError, OSError):
        return None


def _reason(exc: BaseException) -> str:
    msg = str(exc).strip() or type(exc).__name__
    return msg.splitlines()[0][:120]
