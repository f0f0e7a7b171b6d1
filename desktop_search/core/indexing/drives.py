"""Folders on drives that come and go: network shares (watched by polling) and drives
that are unplugged or unmounted (their index kept, their results marked offline).

Which file system holds a folder comes through one seam, :class:`FileSystems`
(``mount_of(path)``); :class:`SystemFileSystems` reads ``/proc/self/mounts`` on Linux
and ``psutil.disk_partitions`` elsewhere. A test hands :class:`Drives` its own.

"The root itself is gone" (offline: keep everything) is told apart from "files inside a
present root are gone" (delete them): a root is offline when its folder is missing or
unreadable, or when it is empty and the drive it was last seen on is no longer mounted
(an unmounted drive leaves its empty mount point behind).
"""
from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol

#: file systems where inotify (and its kin) sees nothing of what other machines change
NETWORK_FS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph",
    "glusterfs", "lustre", "gpfs", "davfs", "fuse.sshfs", "sshfs", "fuse.rclone",
    "fuse.gvfsd-fuse", "fuse.davfs2", "fuse.s3fs", "webdav", "afpfs", "fuse.afpfs",
})
#: FUSE types that are local disks (ntfs-3g, exFAT): their events are seen as usual
LOCAL_FUSE = frozenset({"fuseblk", "fuse.ntfs-3g", "fuse.exfat", "fuse.portal"})
#: a network share is compared with its last snapshot this often
POLL_S = 30.0
#: the mount table is read again after this long
MOUNTS_TTL_S = 2.0
#: a search trusts what the worker last found about a root for this long (the worker
#: looks every 2 s), so typing never waits on a slow or hung network share
PRESENT_TTL_S = 5.0
#: the catalog's meta key under which the mount a root was last seen on is kept


def is_network_fs(fstype: str) -> bool:
    t = (fstype or "").lower()
    if t in LOCAL_FUSE:
        return False
    return t in NETWORK_FS or t.startswith("fuse.") or t.startswith("nfs")


@dataclass(frozen=True, slots=True)
class Mount:
    point: str
    fstype: str


class FileSystems(Protocol):
    """Which mounted file system holds a path."""

    def mounts(self) -> list[Mount]: ...


def mount_of(mounts: list[Mount], path: str) -> Mount | None:
    """The mount holding ``path``: the longest mount point above it."""
    best: Mount | None = None
    for m in mounts:
        p = m.point.rstrip(os.sep) or os.sep
        if path == p or path.startswith(p.rstrip(os.sep) + os.sep) or p == os.sep:
            if best is None or len(p) > len(best.point):
                best = m
    return best


def _unescape(field: str) -> str:
    # /proc/mounts writes a space as \040, a tab as \011, a newline \012, a backslash \134
    return (field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n")
            .replace("\\134", "\\"))


class SystemFileSystems:
    """This computer's mount table, read at most every ``MOUNTS_TTL_S`` seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = -1e9
        self._mounts: list[Mount] = []

    def mounts(self) -> list[Mount]:
        with self._lock:
            now = time.monotonic()
            if now - self._at >= MOUNTS_TTL_S:
                self._at = now
                self._mounts = self._read()
            return self._mounts

    @staticmethod
    def _read() -> list[Mount]:
        if sys.platform.startswith("linux"):
            try:
                with open("/proc/self/mounts", encoding="utf-8", errors="surrogateescape") as f:
                    out = []
                    for line in f:
                        parts = line.split()
                        if len(parts) >= 3:
                            out.append(Mount(point=_unescape(parts[1]), fstype=parts[2]))
                    return out
            except OSError:
                pass
        try:
            import psutil

            return [Mount(point=p.mountpoint, fstype=p.fstype)
                    for p in psutil.disk_partitions(all=True)]
        except Exception:  # noqa: BLE001 - no mount table: every folder counts as local
            return []


class Drives:
    """Where each root lives, whether it is there, and whether it must be polled.

    ``recall``/``remember`` keep the mount each root was last seen on across runs (the
    catalog's meta table, through the library); without them it is kept in memory.
    """

    def __init__(self, filesystems: FileSystems | None = None, *,
                 recall: Callable[[str], str | None] | None = None,
                 remember: Callable[[str, str], None] | None = None) -> None:
        self.filesystems = filesystems or SystemFileSystems()
        self._recall = recall
        self._remember = remember
        self._seen: dict[str, str | None] = {}
        self._found: dict[str, tuple[float, bool]] = {}    # root -> (when, present)
        self._lock = threading.Lock()

    def mount(self, path: str) -> Mount | None:
        return mount_of(self.filesystems.mounts(), path)

    def polled(self, root: str) -> bool:
        """Whether changes under ``root`` must be found by polling (a network share)."""
        m = self.mount(root)
        return m is not None and is_network_fs(m.fstype)

    def _last_mount(self, root: str) -> str | None:
        with self._lock:
            if root not in self._seen:
                self._seen[root] = self._recall(root) if self._recall else None
            return self._seen[root]

    def present(self, root: str) -> bool:
        """False when the root itself is gone (unplugged, unmounted, renamed away): its
        index is kept, its results are offline, and nothing under it is deleted."""
        found = self._present(root)
        with self._lock:
            self._found[root] = (time.monotonic(), found)
        return found

    def _present(self, root: str) -> bool:
        if not (os.path.isdir(root) and os.access(root, os.R_OK | os.X_OK)):
            return False
        last = self._last_mount(root)
        if not last or last == os.sep:
            return True
        try:
            with os.scandir(root) as it:
                if next(it, None) is not None:
                    return True     # something there: the drive (or the folder) is back
        except OSError:
            return False
        # empty: the folder emptied, or the drive's mount point left behind
        return any(m.point == last for m in self.filesystems.mounts())

    def seen(self, root: str) -> None:
        """The root is present: remember the mount it is on (cheap when unchanged)."""
        m = self.mount(root)
        point = m.point if m is not None else None
        if point is None or self._last_mount(root) == point:
            return
        with self._lock:
            self._seen[root] = point
        if self._remember is not None:
            self._remember(root, point)

    def offline(self, roots: list[str]) -> set[str]:
        """The roots that are gone, as last found if that is recent (searches ask this)."""
        now = time.monotonic()
        out = set()
        for r in roots:
            with self._lock:
                when, found = self._found.get(r, (-1e9, True))
            if now - when > PRESENT_TTL_S:
                found = self.present(r)
            if not found:
                out.add(r)
        return out
