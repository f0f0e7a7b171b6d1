"""A real watchdog observer, end to end: the index follows the folder while it runs."""
from __future__ import annotations

import os
import shutil

import pytest

from desktop_search.core.engine import Engine
from tests.conftest import catalog_files, eventually
from desktop_search.core.indexing.watcher import Change, ChangeQueue


def found(eng, words):
    """Files whose indexed text has these words (the word index, no ranking noise)."""
    return [h.path for h in eng.search(words, dense=False, k=10)]


def indexed_paths(eng):
    return set(catalog_files(eng))


def test_queue_coalesces_editor_save():
    q = ChangeQueue(debounce=0.0)
    q.put(Change("upsert", "/d/.doc.txt.swp"))
    q.put(Change("upsert", "/d/.doc.txt.swp"))
    q.put(Change("move", "/d/doc.txt", src="/d/.doc.txt.swp"))
    q.put(Change("upsert", "/d/doc.txt"))
    assert q.pop_ready(0) == Change("move", "/d/doc.txt", src="/d/.doc.txt.swp")
    assert q.pop_ready(0) is None


def test_queue_keeps_first_name_of_a_chain_of_renames():
    q = ChangeQueue(debounce=0.0)
    q.put(Change("upsert", "/d/a"))
    q.put(Change("move", "/d/b", src="/d/a"))
    q.put(Change("move", "/d/c", src="/d/b"))
    # the move first: the middle name may be where the catalog holds the file by now
    assert q.pop_ready(0) == Change("move", "/d/c", src="/d/a")
    assert q.pop_ready(0) == Change("delete", "/d/b")
    q.put(Change("move", "/d/y", src="/d/x"))
    q.put(Change("delete", "/d/y"))
    assert {q.pop_ready(0), q.pop_ready(0)} == {Change("delete", "/d/x"), Change("delete", "/d/y")}


@pytest.mark.parametrize("queued", ["together", "one_by_one"])
def test_rename_right_after_a_folder_move_keeps_vectors(data_dir, hash_embedder, tmp_path, queued):
    """watchdog reports a folder move as the folder's move plus one move per file inside.
    The folder's move re-points the catalog at once; if a file is renamed before its own
    (now redundant) move is applied, the queue chains the two renames: the file must be
    found under its middle name, not embedded again."""
    docs = tmp_path / "docs"
    (docs / "projects").mkdir(parents=True)
    (docs / "projects" / "p0.txt").write_text("Project zero is about oranges.")
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    calls = hash_embedder.embed_calls
    idx = eng.index_service().ingest
    shutil.move(str(docs / "projects"), str(docs / "archive"))
    os.rename(docs / "archive" / "p0.txt", docs / "archive" / "renamed.txt")
    q = ChangeQueue(debounce=0.0)

    def apply_queue():
        while (c := q.pop_ready(0)) is not None:
            if c.op == "move":
                idx.move_path(c.src, c.path)
            else:
                idx.delete_path(c.path)

    q.put(Change("move", str(docs / "archive"), src=str(docs / "projects")))
    apply_queue()
    # the file's own move: still queued when the rename arrives, or applied after the
    # rename happened on disk but before its event came
    q.put(Change("move", str(docs / "archive" / "p0.txt"), src=str(docs / "projects" / "p0.txt")))
    if queued == "one_by_one":
        apply_queue()
    q.put(Change("move", str(docs / "archive" / "renamed.txt"), src=str(docs / "archive" / "p0.txt")))
    apply_queue()
    assert indexed_paths(eng) == {str(docs / "archive" / "renamed.txt")}
    assert hash_embedder.embed_calls == calls
    assert eng.library.count_unembedded() == 0
    eng.close()


def test_queue_debounces():
    q = ChangeQueue(debounce=0.3)
    q.put(Change("upsert", "/d/a"))
    assert q.pop_ready(0) is None
    assert q.pop_ready(2.0) == Change("upsert", "/d/a")


@pytest.fixture
def service(data_dir, hash_embedder, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "first.txt").write_text("The first document talks about apples.")
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    svc = eng.index_service(debounce=0.2)
    svc.start(watch=True)
    assert svc.wait_idle(30)
    yield eng, svc, docs
    svc.stop()
    eng.close()


def test_create_modify_delete_followed(service, hash_embedder):
    eng, svc, docs = service
    new = docs / "new.txt"
    new.write_text("Bananas are yellow and sweet.")
    assert eventually(lambda: str(new) in indexed_paths(eng) and eng.library.count_unembedded() == 0)
    assert eng.search("yellow bananas", k=1)[0].path == str(new)

    new.write_text("Cherries are small and red.")
    assert eventually(lambda: found(eng, "cherries") == [str(new)]
                      and eng.library.count_unembedded() == 0)
    assert found(eng, "bananas") == []
    new.unlink()
    assert eventually(lambda: str(new) not in indexed_paths(eng))
    assert eventually(lambda: eng.doctor().ok)


def test_editor_save_reindexes_once(service, hash_embedder):
    eng, svc, docs = service
    target = docs / "first.txt"
    before = hash_embedder.embed_calls
    # what many editors do: write a temp file, then rename it over the original
    tmp = docs / ".first.txt.tmp"
    for i in range(5):
        tmp.write_text(f"The first document now talks about pears, draft {i}.")
    os.replace(tmp, target)
    assert eventually(lambda: found(eng, "pears") == [str(target)]
                      and eng.library.count_unembedded() == 0)
    assert hash_embedder.embed_calls == before + 1
    assert str(tmp) not in indexed_paths(eng)


def test_folder_move_and_rename_keep_vectors(service, hash_embedder):
    eng, svc, docs = service
    sub = docs / "projects"
    sub.mkdir()
    for i in range(5):
        (sub / f"p{i}.txt").write_text(f"Project {i} is about oranges number {i}.")
    assert eventually(lambda: len(indexed_paths(eng)) == 6 and eng.library.count_unembedded() == 0)
    calls = hash_embedder.embed_calls
    shutil.move(str(sub), str(docs / "archive"))
    moved = {str(docs / "first.txt")} | {str(docs / "archive" / f"p{i}.txt") for i in range(5)}
    assert eventually(lambda: set(indexed_paths(eng)) == moved)
    os.rename(docs / "archive" / "p0.txt", docs / "archive" / "renamed.txt")
    assert eventually(lambda: str(docs / "archive" / "renamed.txt") in indexed_paths(eng))
    assert hash_embedder.embed_calls == calls
    assert eventually(lambda: eng.doctor().ok)


def test_reconcile_at_start_catches_offline_changes(data_dir, hash_embedder, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("alpha words")
    (docs / "b.txt").write_text("beta words")
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    eng.close()
    # while the app is closed
    (docs / "a.txt").unlink()
    (docs / "c.txt").write_text("gamma words")
    eng = Engine(data_dir, embedder=hash_embedder)
    svc = eng.index_service()
    svc.start(watch=True)
    assert svc.wait_idle(30)
    assert eventually(lambda: indexed_paths(eng) == {str(docs / "b.txt"), str(docs / "c.txt")})
    svc.stop()
    eng.close()


def test_real_model_through_the_watcher(data_dir, model, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    eng = Engine(data_dir, embedder=model)
    eng.add_root(docs)
    svc = eng.index_service(debounce=0.2)
    svc.start(watch=True)
    (docs / "holiday.md").write_text("# Trip\n\nWe flew to Lisbon and walked along the beach for a week.")
    (docs / "taxes.txt").write_text("File the annual income statement before April.")
    assert eventually(lambda: len(indexed_paths(eng)) == 2 and eng.library.count_unembedded() == 0, 60)
    assert eng.search("vacation by the sea", k=1)[0].path == str(docs / "holiday.md")
    svc.stop()
    eng.close()


def test_paused_folder_is_left_alone_until_resumed(service, tmp_path):
    eng, svc, docs = service
    other = tmp_path / "other"
    other.mkdir()
    svc.add_root(str(other))
    assert eventually(lambda: svc.wait_idle(0) and eng.library.root_id(str(other)) is not None)
    eng.library.set_root_paused(str(docs), True)
    (docs / "while-paused.txt").write_text("written while the folder was paused")
    (docs / "first.txt").unlink()
    # a barrier, not a sleep: a file written after those, in a folder that is not paused,
    # is indexed only after the watcher has delivered (and the service skipped) the others
    (other / "after.txt").write_text("written after the paused changes")
    assert eventually(lambda: str(other / "after.txt") in indexed_paths(eng)
                      and len(svc.queue) == 0 and svc.wait_idle(0))
    assert str(docs / "while-paused.txt") not in indexed_paths(eng)
    assert str(docs / "first.txt") in indexed_paths(eng), "its index keeps answering"
    eng.library.set_root_paused(str(docs), False)
    svc.scan(str(docs))            # as the window's resume does
    assert eventually(lambda: indexed_paths(eng) == {str(docs / "while-paused.txt"),
                                                     str(other / "after.txt")})
