"""Whether the last process to open a catalog closed it: a locked marker file per open.

A marker whose lock can be taken belongs to a process that died without closing the
catalog: only then is the integrity check worth its seconds. The kernel releases the lock
of a killed process, so no pid guessing is needed.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


class Session:
    """The marker of one open catalog (``start``); ``reap_stale`` finds dead ones."""

    try:
        import fcntl as _fcntl
    except ImportError:  # pragma: no cover - not POSIX: always check
        _fcntl = None  # type: ignore[assignment]
    supported = _fcntl is not None

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self.fd = path, fd

    @staticmethod
    def _pattern(db: Path) -> str:
        return db.name + ".open-*"

    @classmethod
    def reap_stale(cls, db: Path) -> bool:
        """Remove the markers of dead processes; True when there was one (unclean)."""
        if cls._fcntl is None or not db.parent.is_dir():
            return False
        unclean = False
        for marker in db.parent.glob(cls._pattern(db)):
            try:
                fd = os.open(marker, os.O_RDWR)
            except OSError:
                continue
            try:
                cls._fcntl.flock(fd, cls._fcntl.LOCK_EX | cls._fcntl.LOCK_NB)
            except OSError:
                os.close(fd)        # held: a live process has the catalog open
                continue
            unclean = True
            marker.unlink(missing_ok=True)
            os.close(fd)
        return unclean

    @classmethod
    def start(cls, db: Path) -> "Session | None":
        if cls._fcntl is None:
            return None
        marker = db.with_name(f"{db.name}.open-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            fd = os.open(marker, os.O_RDWR | os.O_CREAT, 0o600)
            cls._fcntl.flock(fd, cls._fcntl.LOCK_EX | cls._fcntl.LOCK_NB)
        except OSError:
            return None     # a read-only folder: nothing to mark, the next open checks
        return cls(marker, fd)

    def end(self) -> None:
        """A clean close: the marker goes, so the next open skips the check."""
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self.fd)

