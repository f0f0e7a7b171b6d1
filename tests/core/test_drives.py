"""Drives that come and go, with real watchdog observers and real files.

Network shares (no inotify events) are stood in for by a real folder whose file system
the one seam (``drives.FileSystems``) reports as NFS: it must be watched by polling, and
its changes still found. A drive that vanishes is a root renamed away (and back), or an
unmounted stand-in: the mount gone from the table and its mount point left empty.
"""
from __future__ import annotations

import os

from desktop_search.core.engine import Engine
from desktop_search.core.indexing.drives import (Drives, Mount, SystemFileSystems, is_network_fs,
                                                 mount_of)
from tests.conftest import catalog_files, eventually


class FakeFileSystems:
    """A mount table the test edits (mount, unmount)."""

    def __init__(self, *mounts: Mount) -> None:
        self.table = [Mount("/", "ext4"), *mounts]

    def mounts(self) -> list[Mount]:
        return list(self.table)


def words(eng, text):
    return sorted(os.path.basename(h.path) for h in eng.search(text, dense=False, k=20))


def file_count(eng) -> int:
    return len(catalog_files(eng, state=None))


def test_network_file_systems_are_told_apart():
    for t in ("nfs", "nfs4", "cifs", "smb3", "fuse.sshfs", "fuse.rclone", "9p"):
        assert is_network_fs(t), t
    for t in ("ext4", "btrfs", "xfs", "tmpfs", "vfat", "fuseblk", "overlay"):
        assert not is_network_fs(t), t
    table = [Mount("/", "ext4"), Mount("/mnt/nas", "nfs4"), Mount("/mnt/nas/usb", "vfat")]
    assert mount_of(table, "/mnt/nas/docs").fstype == "nfs4"
    assert mount_of(table, "/mnt/nas/usb/a").fstype == "vfat"
    assert mount_of(table, "/mnt/nasty").point == "/"


def test_the_real_mount_table_is_read():
    fs = SystemFileSystems()
    assert any(m.point == "/" for m in fs.mounts())
    here = Drives(fs).mount(os.getcwd())
    assert here is not None and here.fstype


def test_a_network_share_is_watched_by_polling_and_its_changes_are_found(data_dir, hash_embedder,
                                                                          tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "old.txt").write_text("The harbour master logs every ferry.")
    eng = Engine(data_dir, embedder=hash_embedder,
                 filesystems=FakeFileSystems(Mount(str(share), "nfs")))
    eng.add_root(share)
    svc = eng.index_service(debounce=0.05, poll_s=0.3)
    svc.start()
    try:
        assert svc.wait_idle(30)
        assert svc.watcher.polled() == [str(share)]      # not the system's events
        (share / "new.txt").write_text("A lighthouse keeper writes to the harbour master.")
        assert eventually(lambda: words(eng, "lighthouse") == ["new.txt"], 20)
        (share / "old.txt").unlink()                     # a file gone from a present share
        assert eventually(lambda: words(eng, "ferry") == [], 20)
        assert words(eng, "harbour") == ["new.txt"]
    finally:
        svc.stop()
        eng.close()


def test_a_local_folder_is_watched_by_the_systems_events(data_dir, hash_embedder, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    eng = Engine(data_dir, embedder=hash_embedder, filesystems=FakeFileSystems())
    eng.add_root(docs)
    svc = eng.index_service(debounce=0.05, poll_s=3600)   # polling would never see it
    svc.start()
    try:
        assert svc.wait_idle(30)
        assert svc.watcher.polled() == []
        (docs / "a.txt").write_text("Compost bins for the allotment.")
        assert eventually(lambda: words(eng, "compost") == ["a.txt"], 20)
    finally:
        svc.stop()
        eng.close()


def _indexed_root(tmp_path, data_dir, hash_embedder, filesystems, root):
    for i in range(3):
        (root / f"note{i}.txt").write_text(f"Note {i}: the lighthouse keeper's log, page {i}.")
    eng = Engine(data_dir, embedder=hash_embedder, filesystems=filesystems)
    eng.add_root(root)
    svc = eng.index_service(debounce=0.05)
    svc.start()
    assert svc.wait_idle(30)
    assert file_count(eng) == 3 and hash_embedder.embed_calls == 3
    return eng, svc


def test_a_folder_renamed_away_keeps_its_index_offline_and_comes_back_unchanged(
        data_dir, hash_embedder, tmp_path):
    root = tmp_path / "usb"
    root.mkdir()
    eng, svc = _indexed_root(tmp_path, data_dir, hash_embedder, FakeFileSystems(), root)
    try:
        away = tmp_path / ".usb-unplugged"
        root.rename(away)                                    # the drive is unplugged
        assert eventually(lambda: eng.roots()[0].offline, 20)
        hits = eng.search("lighthouse keeper", dense=False, k=10)
        assert len(hits) == 3 and all(h.offline for h in hits)
        assert eng.status().to_json()["roots"][0]["offline"] is True   # the CLI's status
        checked = svc.root_checks
        assert svc.wait_root_checks(checked + 2, 30)         # two root checks go by
        assert file_count(eng) == 3
        away.rename(root)                                    # plugged in again
        assert eventually(lambda: not eng.roots()[0].offline, 20)
        assert eventually(lambda: str(root) not in svc.missing_roots, 20)
        assert svc.wait_idle(30)
        assert file_count(eng) == 3
        assert svc.counters.deleted == 0
        assert hash_embedder.embed_calls == 3                # nothing embedded again
        assert not any(h.offline for h in eng.search("lighthouse", dense=False, k=10))
        # files that really go from a present folder still go from the index
        (root / "note0.txt").unlink()
        assert eventually(lambda: file_count(eng) == 2, 20)
    finally:
        svc.stop()
        eng.close()


def test_an_unmounted_drive_leaving_its_empty_mount_point_deletes_nothing(
        data_dir, hash_embedder, tmp_path):
    mnt = tmp_path / "media" / "usb"
    mnt.mkdir(parents=True)
    drive = Mount(str(mnt), "vfat")
    table = FakeFileSystems(drive)
    root = mnt                                   # the user indexed the drive itself
    inner = root / "notes"
    inner.mkdir()
    eng, svc = None, None
    try:
        for i in range(3):
            (inner / f"n{i}.txt").write_text(f"Note {i}: the lighthouse keeper's log, page {i}.")
        eng = Engine(data_dir, embedder=hash_embedder, filesystems=table)
        eng.add_root(root)
        svc = eng.index_service(debounce=0.05)
        svc.start()
        assert svc.wait_idle(30)
        assert file_count(eng) == 3 and hash_embedder.embed_calls == 3
        assert eng.library.root_mount(str(root)) == str(mnt)   # remembered

        # unmount: the drive leaves the table, its files vanish at once, the empty mount
        # point stays (the system's events report the files' folder as gone)
        table.table.remove(drive)
        stash = tmp_path / ".stash"
        inner.rename(stash)
        assert os.listdir(root) == []
        assert eventually(lambda: eng.roots()[0].offline, 20)
        checked = svc.root_checks
        assert svc.wait_root_checks(checked + 2, 30)         # two root checks go by
        assert file_count(eng) == 3
        assert all(h.offline for h in eng.search("lighthouse", dense=False, k=10))

        # mounted again, unchanged
        stash.rename(inner)
        table.table.append(drive)
        assert eventually(lambda: not eng.roots()[0].offline, 20)
        assert eventually(lambda: str(root) not in svc.missing_roots, 20)
        assert svc.wait_idle(30)
        assert file_count(eng) == 3
        assert svc.counters.deleted == 0
        assert hash_embedder.embed_calls == 3
    finally:
        if svc is not None:
            svc.stop()
        if eng is not None:
            eng.close()


def test_a_folder_emptied_on_a_mounted_drive_is_really_emptied(data_dir, hash_embedder, tmp_path):
    """The other side of the rule: the drive is still mounted, so an empty folder means
    its files are gone, and they go from the index."""
    mnt = tmp_path / "media" / "usb"
    mnt.mkdir(parents=True)
    table = FakeFileSystems(Mount(str(mnt), "vfat"))
    eng, svc = _indexed_root(tmp_path, data_dir, hash_embedder, table, mnt)
    try:
        for p in mnt.iterdir():
            p.unlink()
        assert eventually(lambda: file_count(eng) == 0, 20)
        assert not eng.roots()[0].offline
    finally:
        svc.stop()
        eng.close()
