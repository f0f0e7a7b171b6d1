"""Incremental indexing: add, modify, delete, rename, move, copy, exclusions, restart.

The hash embedder counts embed calls so reuse (no re-embedding) is proven exactly.
"""
from __future__ import annotations

import os
import shutil

import pytest

from desktop_search.config import Settings
from desktop_search.core.engine import Engine
from tests.conftest import catalog_files


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def index(engine):
    svc = engine.index_service()
    svc.run_until_idle()
    return svc.counters


def paths(engine):
    return sorted(os.path.relpath(p, engine._root) for p in catalog_files(engine))


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "docs"
    write(d / "cats.txt", "Cats sleep most of the day.\n\nThey hunt mice at night.")
    write(d / "sub" / "budget.md", "# Budget\n\nRevenue grew while costs fell.")
    write(d / "notes.rst", "Notes\n=====\n\nA meeting about the garden fence.")
    return d


@pytest.fixture
def engine(data_dir, hash_embedder, docs):
    eng = Engine(data_dir, embedder=hash_embedder)
    eng._root = eng.add_root(docs)
    yield eng
    eng.close()


def test_index_then_nothing_to_do(engine, hash_embedder):
    c = index(engine)
    assert c.indexed == 3 and c.failed == 0
    assert paths(engine) == ["cats.txt", "notes.rst", os.path.join("sub", "budget.md")]
    calls = hash_embedder.embed_calls
    assert calls == engine.catalog.stats().chunks > 0
    c = index(engine)
    assert c.indexed == 0
    assert hash_embedder.embed_calls == calls
    assert engine.doctor().ok


def test_modify_reembeds_only_that_file(engine, docs, hash_embedder):
    index(engine)
    before = hash_embedder.embed_calls
    p = docs / "cats.txt"
    write(p, "Dogs bark at the postman every morning.")
    os.utime(p, ns=(1, 1))  # a different mtime whatever the clock resolution
    index(engine)
    assert hash_embedder.embed_calls == before + 1
    hits = engine.search("postman barking dogs", k=1)
    assert hits[0].path == str(p)
    assert engine.doctor().ok


def test_touch_without_change_is_not_reembedded(engine, docs, hash_embedder):
    index(engine)
    before = hash_embedder.embed_calls
    os.utime(docs / "cats.txt", ns=(5, 5))
    index(engine)
    assert hash_embedder.embed_calls == before
    assert engine.catalog.get_file(str(docs / "cats.txt")).mtime_ns == 5


def test_delete_removes_file_chunks_and_vectors(engine, docs):
    index(engine)
    n = len(engine.vectors())
    (docs / "cats.txt").unlink()
    index(engine)
    assert "cats.txt" not in paths(engine)
    assert len(engine.vectors()) < n
    assert all(h.path != str(docs / "cats.txt") for h in engine.search("cats sleep mice", k=5))
    assert engine.doctor().ok


def test_rename_and_move_reuse_vectors(engine, docs, hash_embedder):
    index(engine)
    before = hash_embedder.embed_calls
    os.rename(docs / "cats.txt", docs / "felines.txt")
    (docs / "archive").mkdir()
    shutil.move(str(docs / "sub"), str(docs / "archive" / "sub"))
    c = index(engine)
    assert hash_embedder.embed_calls == before, "a rename or move must not re-embed"
    assert c.moved == 2
    assert paths(engine) == [os.path.join("archive", "sub", "budget.md"), "felines.txt", "notes.rst"]
    assert engine.search("cats mice", k=1)[0].path == str(docs / "felines.txt")
    assert engine.doctor().ok


def test_copy_clones_chunks_without_embedding(engine, docs, hash_embedder):
    index(engine)
    before = hash_embedder.embed_calls
    shutil.copy(docs / "cats.txt", docs / "cats-copy.txt")
    index(engine)
    assert hash_embedder.embed_calls == before
    hits = engine.search("cats sleep", k=5)
    assert {str(docs / "cats.txt"), str(docs / "cats-copy.txt")} <= {h.path for h in hits}
    assert engine.doctor().ok


def test_default_exclusions_gitignore_and_patterns(data_dir, hash_embedder, tmp_path):
    d = tmp_path / "proj"
    write(d / "keep.py", "def main():\n    return 'kept'\n")
    write(d / ".hidden" / "secret.txt", "hidden words")
    write(d / ".git" / "config.txt", "git words")
    write(d / "node_modules" / "lib" / "index.js", "module words")
    write(d / "build" / "out.txt", "build words")
    write(d / "logs" / "run.log", "log words")
    write(d / "drafts" / "draft.md", "draft words")
    write(d / ".gitignore", "build/\n*.log\n")
    settings = Settings(exclude_patterns=["drafts/"])
    eng = Engine(data_dir, settings=settings, embedder=hash_embedder)
    eng._root = eng.add_root(d)
    index(eng)
    assert paths(eng) == ["keep.py"]
    eng.close()


def test_size_cap_and_unreadable_are_recorded_with_reasons(data_dir, hash_embedder, tmp_path):
    d = tmp_path / "d"
    write(d / "big.txt", "x " * 700_000)
    write(d / "ok.txt", "fine words here")
    (d / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (d / "blob.txt").write_bytes(bytes(range(256)) * 64)
    eng = Engine(data_dir, settings=Settings(max_file_mb=1.0), embedder=hash_embedder)
    eng._root = eng.add_root(d)
    c = index(eng)
    reasons = {os.path.basename(f.path): f.error for f in eng.catalog.failed_files()}
    assert "size cap" in reasons["big.txt"]
    assert "broken.pdf" in reasons and reasons["broken.pdf"]
    assert "binary" in reasons["blob.txt"].lower()
    assert paths(eng) == ["ok.txt"]
    assert c.skipped + c.failed == 3
    # a failed file is not retried while it is unchanged
    c2 = index(eng)
    assert c2.failed == 0 and c2.skipped == 0
    eng.close()


def test_restart_resumes_embedding_backlog(data_dir, hash_embedder, docs):
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    # extract only (as if killed before embedding)
    svc = eng.index_service()
    svc.scan(str(docs))
    svc._run(svc._commands.popleft())
    while (ch := svc.queue.pop_ready(0)) is not None:
        svc.changes.apply(ch)
    pending = eng.library.count_unembedded()
    assert pending > 0 and hash_embedder.embed_calls == 0
    # words are searchable before any vector exists
    assert eng.search("garden fence", dense=False)[0].path.endswith("notes.rst")
    eng.catalog.close()
    eng2 = Engine(data_dir, embedder=hash_embedder)
    index(eng2)
    assert hash_embedder.embed_calls == pending
    assert eng2.library.count_unembedded() == 0
    assert eng2.doctor().ok
    eng2.close()


def test_model_change_reembeds_and_never_mixes(data_dir, hash_embedder, docs):
    class Other(type(hash_embedder)):
        model_id = "test/other-32"
        dim = 32

    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    index(eng)
    n = eng.catalog.stats().chunks
    eng.close()
    other = Other()
    eng2 = Engine(data_dir, embedder=other)
    index(eng2)
    assert other.embed_calls == n
    assert eng2.vectors().ndim == 32 and len(eng2.vectors()) == n
    assert eng2.catalog.get_meta("model_id") == "test/other-32"
    eng2.close()


def test_vector_index_is_repaired_from_catalog(engine, data_dir, hash_embedder):
    index(engine)
    n = len(engine.vectors())
    engine.close()
    (data_dir / "vectors.usearch").write_bytes(b"garbage")
    eng = Engine(data_dir, embedder=hash_embedder)
    assert len(eng.vectors()) == n
    assert eng.doctor().ok
    eng.close()


def test_remove_root(engine):
    index(engine)
    engine.remove_root(engine._root)
    assert engine.catalog.stats().chunks == 0
    assert len(engine.vectors()) == 0
    assert engine.roots() == []


def test_filters(engine, docs):
    from desktop_search.core.search import Filters

    index(engine)
    hits = engine.search("budget revenue garden cats", k=10, filters=Filters(kinds=["markdown"]))
    assert [os.path.basename(h.path) for h in hits] == ["budget.md"]
    hits = engine.search("budget revenue garden cats", k=10, filters=Filters(folders=[str(docs / "sub")]))
    assert [os.path.basename(h.path) for h in hits] == ["budget.md"]
    hits = engine.search("budget revenue garden cats", k=10, filters=Filters(modified_after=4e9))
    assert hits == []


def test_more_like_this(engine, docs):
    write(docs / "kittens.txt", "Kittens sleep all day and hunt mice at night.")
    index(engine)
    hits = engine.more_like_this(docs / "cats.txt", k=3)
    assert hits[0].path == str(docs / "kittens.txt")
    assert all(h.path != str(docs / "cats.txt") for h in hits)
