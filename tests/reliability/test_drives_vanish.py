"""A drive pulled out while its folder is being indexed, and plugged in again; a network
share changed while polled. Real watchdog observers, real files, a real index on disk.

Whatever the moment, the index keeps what it had, deletes nothing while the drive is
away, and once it is back it equals a clean index of the folder, each passage embedded
once.
"""
from __future__ import annotations

import os
import threading

import pytest

from desktop_search.core.engine import Engine
from desktop_search.core.indexing.drives import Mount
from tests.conftest import catalog_files as catalog_rows
from tests.conftest import eventually
from tests.core.test_drives import FakeFileSystems

pytestmark = pytest.mark.slow   # real observers, waits of seconds


def catalog_files(eng) -> set[str]:
    return {os.path.basename(p) for p in catalog_rows(eng)}


def write_folder(folder, n):
    sub = folder / "notes"
    sub.mkdir(parents=True)
    for i in range(n):
        (sub / f"n{i:03d}.txt").write_text(
            f"Note {i}. The lighthouse keeper counted {i} ships passing the harbour. " * 3)


@pytest.mark.parametrize("pull_after", [5, 60])
def test_drive_pulled_mid_index_and_plugged_back(data_dir, hash_embedder, tmp_path, pull_after):
    mnt = tmp_path / "media" / "usb"
    mnt.mkdir(parents=True)
    drive = Mount(str(mnt), "exfat")
    table = FakeFileSystems(drive)
    n = 150
    write_folder(mnt, n)
    eng = Engine(data_dir, embedder=hash_embedder, filesystems=table)
    eng.add_root(mnt)
    pulled = threading.Event()
    stash = tmp_path / ".away"

    class Puller:
        """Pulls the drive out from the indexer's own progress, at a chosen file."""

        def snapshot_changed(self, snap):
            if snap.files_done >= pull_after and not pulled.is_set():
                pulled.set()
                table.table.remove(drive)          # unmounted ...
                (mnt / "notes").rename(stash)      # ... its files gone at once

        def notice(self, notice):
            pass

    svc = eng.index_service(listener=Puller(), debounce=0.05)
    svc.start()
    try:
        assert eventually(lambda: pulled.is_set(), 60)
        assert eventually(lambda: eng.roots()[0].offline, 20)
        # the files read before the pull are kept: they may still be in the batch the
        # indexer commits as one transaction (WRITE_BATCH_FILES), so wait for it (on a
        # busy machine the read came before the commit and saw 1 file of 5)
        assert eventually(lambda: len(catalog_files(eng)) >= pull_after - 1, 30)
        kept = catalog_files(eng)
        assert svc.wait_root_checks(svc.root_checks + 2, 30)   # the indexer goes on meanwhile
        assert catalog_files(eng) >= kept, "nothing deleted while the drive is away"
        assert svc.counters.deleted == 0

        stash.rename(mnt / "notes")                # plugged in again
        table.table.append(drive)
        assert eventually(lambda: not eng.roots()[0].offline, 20)
        assert eventually(lambda: len(catalog_files(eng)) == n, 60)
        assert svc.wait_idle(60)
        assert svc.counters.deleted == 0
        assert eng.library.count_unembedded() == 0
        # each passage embedded once: as many embeddings as passages in the catalog
        chunks = eng.catalog.count_chunks()
        assert hash_embedder.embed_calls == chunks
        assert len(eng.search("lighthouse keeper", dense=False, k=200)) == n
    finally:
        svc.stop()
        eng.close()


def test_polled_share_follows_a_burst_of_changes(data_dir, hash_embedder, tmp_path):
    share = tmp_path / "share"
    write_folder(share, 40)
    eng = Engine(data_dir, embedder=hash_embedder,
                 filesystems=FakeFileSystems(Mount(str(share), "cifs")))
    eng.add_root(share)
    svc = eng.index_service(debounce=0.05, poll_s=0.5)
    svc.start()
    try:
        assert svc.wait_idle(60) and len(catalog_files(eng)) == 40
        assert svc.watcher.polled() == [str(share)]
        notes = share / "notes"
        for i in range(0, 40, 4):
            (notes / f"n{i:03d}.txt").unlink()                       # 10 deleted
        for i in range(1, 40, 4):
            (notes / f"n{i:03d}.txt").rename(notes / f"moved{i:03d}.txt")   # 10 renamed
        for i in range(10):
            (notes / f"new{i}.txt").write_text(f"A new note {i} about the ferry timetable.")
        want = {p.name for p in notes.iterdir()}
        assert eventually(lambda: catalog_files(eng) == want, 60)
        assert svc.wait_idle(60)
        assert catalog_files(eng) == want
    finally:
        svc.stop()
        eng.close()
