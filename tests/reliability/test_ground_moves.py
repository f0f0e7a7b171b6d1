"""The ground moves: folders vanish and return, the disk fills, the data files get damaged.
The app keeps the last good state, says so, and rebuilds what it must."""
from __future__ import annotations

import errno
import os
import shutil
import sqlite3

import pytest

from desktop_search.core.engine import Engine
from tests.conftest import catalog_files, eventually


class Recorder:
    def __init__(self):
        self.failures = []
        self.progress = None

    def snapshot_changed(self, p):
        self.progress = p

    def notice(self, notice):
        self.failures.append((notice.path or "", notice.text))


def files(eng):
    return {os.path.basename(p) for p in catalog_files(eng)}


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    for i in range(6):
        (d / f"n{i}.txt").write_text(f"note {i} about lighthouses and ships")
    return d


@pytest.mark.slow  # real watcher waits
def test_watched_folder_deleted_and_recreated(data_dir, hash_embedder, docs, tmp_path):
    rec = Recorder()
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    svc = eng.index_service(listener=rec, debounce=0.1)
    svc.start(watch=True)
    assert svc.wait_idle(30) and len(files(eng)) == 6
    backup = tmp_path / "backup"
    shutil.move(str(docs), str(backup))
    assert eventually(lambda: any("missing" in r for _, r in rec.failures))
    assert len(files(eng)) == 6, "the last good index is kept while the folder is away"
    assert eng.search("lighthouses", dense=False)
    # it comes back, with one file less and one more
    (backup / "n0.txt").unlink()
    (backup / "new.txt").write_text("a new note about harbours")
    shutil.move(str(backup), str(docs))
    assert eventually(lambda: "new.txt" in files(eng) and "n0.txt" not in files(eng))
    # and it is watched again
    (docs / "later.txt").write_text("written after the folder came back")
    assert eventually(lambda: "later.txt" in files(eng))
    svc.stop()
    eng.close()


def test_disk_full_during_catalog_write_pauses_and_recovers(data_dir, hash_embedder, docs, monkeypatch):
    rec = Recorder()
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    real_put = eng.catalog.put_file
    calls = {"n": 0}

    def full_once(**kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise sqlite3.OperationalError("database or disk is full")
        return real_put(**kw)

    monkeypatch.setattr(eng.catalog, "put_file", full_once)
    svc = eng.index_service(listener=rec, debounce=0.1)
    svc.start(watch=True)
    assert eventually(lambda: svc.paused)
    assert any("disk is full" in r for _, r in rec.failures)
    assert len(files(eng)) == 2, "what was written before stays"
    assert eng.doctor().ok
    svc.resume()   # the user made room
    assert eventually(lambda: len(files(eng)) == 6 and eng.library.count_unembedded() == 0)
    svc.stop()
    assert eng.doctor().ok
    eng.close()


def test_disk_full_during_vector_save_keeps_last_good_file(data_dir, hash_embedder, docs, monkeypatch):
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    vi = eng.vectors()
    good = vi.path.read_bytes()
    (docs / "more.txt").write_text("more words about ships")

    def enospc(path, **arrays):
        with open(path, "wb") as f:
            f.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    # a small change is saved as the delta next to the memory-mapped base
    monkeypatch.setattr("desktop_search.core.store.vector_files._savez", enospc)
    with pytest.raises(OSError):
        eng.index_service().run_until_idle()
    assert vi.path.read_bytes() == good
    assert not list(data_dir.glob("*.tmp")) and not vi.delta_path.exists()
    eng.catalog.close()
    monkeypatch.undo()      # room again
    # next start: the saved index is behind the catalog and is caught up from it
    eng2 = Engine(data_dir, embedder=hash_embedder)
    assert eng2.doctor().ok
    assert eng2.search("ships", k=10, dense=True)
    eng2.close()


def test_truncated_vector_file_is_rebuilt(data_dir, hash_embedder, docs):
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    n, path = len(eng.vectors()), eng.vectors().path
    eng.close()
    with open(path, "r+b") as f:
        f.truncate(64)
    eng = Engine(data_dir, embedder=hash_embedder)
    assert len(eng.vectors()) == n and eng.doctor().ok
    eng.close()


def test_corrupt_catalog_is_set_aside_and_rebuilt(data_dir, hash_embedder, docs):
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    eng.close()
    db = data_dir / "catalog.sqlite3"
    raw = bytearray(db.read_bytes())
    raw[100:4000] = os.urandom(3900)
    raw[0:16] = b"not a database!!"
    db.write_bytes(bytes(raw))
    eng = Engine(data_dir, embedder=hash_embedder)
    assert eng.notice and "damaged" in eng.notice
    assert list(data_dir.glob("catalog.sqlite3.damaged-*"))
    assert [r.path for r in eng.roots()] == [str(docs)], "the folders are remembered"
    eng.index_service().run_until_idle()
    assert len(files(eng)) == 6 and eng.doctor().ok
    eng.close()


def test_data_folder_is_private(tmp_path):
    d = tmp_path / "private-data"
    eng = Engine(d, embedder=None)
    assert (os.stat(d).st_mode & 0o777) == 0o700
    eng.close()
