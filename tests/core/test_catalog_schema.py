"""The catalog's layout version: checked on open, older ones migrated in one transaction,
newer ones refused without a write."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from desktop_search.core.search import ask
from desktop_search.core.store import schema as schema_mod
from desktop_search.core.store.catalog import Catalog
from desktop_search.core.store.rows import NewChunk
from desktop_search.core.store.schema import (SCHEMA_VERSION, CatalogNeedsUpgrade, CatalogTooNew,
                                              schema_version)
from desktop_search.core.store.tables import ChunkVectors, PictureRows, RootRows
from desktop_search.core.store.word_feed import WordFeed

# The layout of version 1 exactly as it shipped (frozen here: a migration is tested
# against the old file, not against today's schema).
V1_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS roots(id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL,
    added_at REAL NOT NULL, paused INTEGER NOT NULL DEFAULT 0, last_scan REAL);
CREATE TABLE IF NOT EXISTS files(id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT UNIQUE NOT NULL,
    root_id INTEGER, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, hash TEXT, kind TEXT,
    title TEXT, heading TEXT NOT NULL DEFAULT '', state TEXT NOT NULL, error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, indexed_at REAL, n_chunks INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS files_hash ON files(hash);
CREATE INDEX IF NOT EXISTS files_root ON files(root_id);
CREATE INDEX IF NOT EXISTS files_state ON files(state);
CREATE TABLE IF NOT EXISTS chunks(id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE, ord INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, page INTEGER, line INTEGER,
    text TEXT NOT NULL, vector BLOB);
CREATE INDEX IF NOT EXISTS chunks_file ON chunks(file_id);
CREATE INDEX IF NOT EXISTS chunks_unembedded ON chunks(id) WHERE vector IS NULL;
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    heading, body, tokenize='porter unicode61 remove_diacritics 2');
"""


def make_v1(path) -> None:
    """A version-1 catalog with one root, one file, two passages (one with a vector)."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(V1_SCHEMA)
    db.execute("INSERT INTO meta VALUES('schema', '1')")
    db.execute("INSERT INTO meta VALUES('model_id', 'test/hash-64')")
    db.execute("INSERT INTO roots(path, added_at) VALUES('/docs', 1.0)")
    db.execute("INSERT INTO files(path, root_id, size, mtime_ns, kind, title, heading, state, "
               "n_chunks) VALUES('/docs/a.txt', 1, 10, 5, 'text', 'a', 'a', 'indexed', 2)")
    vec = np.ones(4, dtype=np.float16).tobytes()
    for i, (text, v) in enumerate([("cats sleep in the sun", vec), ("iron rusts in rain", None)]):
        db.execute("INSERT INTO chunks(file_id, ord, start, end, text, vector) VALUES(1,?,?,?,?,?)",
                   (i, 0, len(text), text, v))
        db.execute("INSERT INTO chunks_fts(rowid, heading, body) VALUES(?,?,?)", (i + 1, "", text))
    db.commit()
    db.close()


def test_new_catalog_gets_the_current_version(tmp_path):
    cat = Catalog(tmp_path / "c.sqlite3")
    assert schema_version(cat.connection()) == SCHEMA_VERSION
    assert cat.connection().execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    cat.close()


def test_version_1_is_migrated_and_keeps_everything(tmp_path):
    path = tmp_path / "c.sqlite3"
    make_v1(path)
    cat = Catalog(path)
    assert schema_version(cat.connection()) == SCHEMA_VERSION == 6
    assert cat.get_meta("schema") == str(SCHEMA_VERSION)
    # version 4: the FTS5 table is gone (the word index is rebuilt from the chunks, and
    # the file's language detected for it)
    assert cat.connection().execute("SELECT 1 FROM sqlite_master WHERE name='chunks_fts'").fetchone() is None
    assert [r.path for r in RootRows(cat).all()] == ["/docs"]
    assert cat.get_file("/docs/a.txt").n_chunks == 2
    assert ChunkVectors(cat).count_unembedded() == 1 and list(ChunkVectors(cat).embedded_ids()) == [1]
    feed = WordFeed(cat, folder=tmp_path / "words")
    feed.open()     # rebuilt from the passages: the FTS5 table is gone
    words = ask("rusts", index_languages=feed.words.index_languages()).words
    assert [cid for cid, _ in feed.words.search(list(words), 5)] == [2]
    assert cat.connection().execute("SELECT lang FROM files").fetchone()[0] is not None
    # and it keeps working as a current catalog
    cat.put_file(path="/docs/b.txt", root_id=1, size=3, mtime_ns=1, digest="h", kind="text",
                 title="b", heading="b", chunks=[NewChunk(0, 3, None, 1, "dogs bark")])
    cat.close()
    again = Catalog(path)
    assert schema_version(again.connection()) == SCHEMA_VERSION and again.stats().files_indexed == 2
    again.close()


def test_a_failing_migration_leaves_the_old_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite3"
    make_v1(path)

    def broken(c):
        c.execute("CREATE TABLE half_done(x)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(schema_mod, "MIGRATIONS", [broken])
    with pytest.raises(Exception, match="disk I/O error"):
        Catalog(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    assert db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()[0] == "1"
    assert db.execute("SELECT 1 FROM sqlite_master WHERE name='half_done'").fetchone() is None
    assert db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == 2
    db.close()
    monkeypatch.undo()
    assert schema_version(Catalog(path).connection()) == SCHEMA_VERSION


def test_version_2_gains_pictures_and_keeps_everything(tmp_path):
    path = tmp_path / "c.sqlite3"
    make_v1(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=2")   # v2 = v1's tables + the version pragma
    db.commit()
    db.close()
    cat = Catalog(path)
    assert schema_version(cat.connection()) == SCHEMA_VERSION
    f = cat.get_file("/docs/a.txt")
    assert f.n_chunks == 2 and f.ocr is None and f.taken is None
    cat.put_file(path="/docs/p.jpg", root_id=1, size=3, mtime_ns=1, digest="p", kind="picture",
                 title=None, heading="p.jpg", chunks=[], ocr="pending", taken=1.5e9)
    pictures = PictureRows(cat)
    assert pictures.next_ocr().path == "/docs/p.jpg" and pictures.count_without_vector() == 1
    cat.close()


def test_a_reader_does_not_migrate(tmp_path):
    path = tmp_path / "c.sqlite3"
    make_v1(path)
    with pytest.raises(CatalogNeedsUpgrade, match="version 1"):
        Catalog(path, migrate=False)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    db.close()


def test_a_newer_catalog_is_refused_untouched(tmp_path):
    path = tmp_path / "c.sqlite3"
    Catalog(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 7}")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(CatalogTooNew, match="newer desktop-search"):
        Catalog(path)
    assert path.read_bytes() == before


def test_a_reader_upgrades_only_when_nobody_owns_the_folder(tmp_path, hash_embedder):
    from desktop_search.core.engine import Engine
    from desktop_search.core.ownership import DataFolderBusy, Ownership

    data = tmp_path / "data"
    data.mkdir()
    make_v1(data / "catalog.sqlite3")
    with Ownership.acquire(data, kind="window"):
        with pytest.raises(DataFolderBusy, match="in use by the Desktop Search window"):
            Engine(data, embedder=hash_embedder, read_only=True)
    eng = Engine(data, embedder=hash_embedder, read_only=True)
    assert schema_version(eng.catalog.connection()) == SCHEMA_VERSION
    assert [r.path for r in eng.roots()] == ["/docs"]
    eng.close()


def test_version_4_gains_documents_inside_files_and_keeps_every_passage(tmp_path):
    """Layout 5 rebuilds ``files`` (a path is unique only among files on disk): the ids,
    passages and vectors stay as they were (no cascade from the rebuild)."""
    path = tmp_path / "c.sqlite3"
    make_v1(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("BEGIN")
    for step in schema_mod.MIGRATIONS[:3]:        # 1 -> 4 as it shipped
        step(db)
    db.execute("PRAGMA user_version=4")
    db.execute("COMMIT")
    cols = {r[1] for r in db.execute("PRAGMA table_info(files)")}
    assert "container_id" not in cols and "lang" in cols
    db.close()
    cat = Catalog(path)
    assert schema_version(cat.connection()) == SCHEMA_VERSION == 6
    f = cat.get_file("/docs/a.txt")
    assert f.id == 1 and f.n_chunks == 2 and f.chain == []
    assert cat.count_chunks() == 2 and list(ChunkVectors(cat).embedded_ids()) == [1]
    # one file on disk now holds many documents under its own path
    from desktop_search.core.store.rows import Inner, inside_json
    for i, name in enumerate(["one.txt", "two.txt"]):
        cat.put_file(path="/docs/a.txt", root_id=1, size=3, mtime_ns=1, digest=f"m{i}",
                     kind="text", title=None, heading=name, chunks=[NewChunk(0, 3, None, 1, name)],
                     inner=Inner(container_id=1, member=name, inside=inside_json([name])))
    from desktop_search.core.store.tables import MemberRows
    members = MemberRows(cat)
    assert cat.get_file("/docs/a.txt").id == 1 and set(members.of(1)) == {"one.txt", "two.txt"}
    assert members.at("/docs/a.txt", ["two.txt"]).chain == ["two.txt"]
    with pytest.raises(sqlite3.IntegrityError):   # still one row per file on disk
        cat.connection().execute("INSERT INTO files(path, size, mtime_ns, state) "
                                 "VALUES('/docs/a.txt', 1, 1, 'indexed')")
    assert cat.delete_file("/docs/a.txt") and cat.count_chunks() == 0
    cat.close()


def test_version_5_gains_the_copies_tables_and_keeps_every_passage(tmp_path):
    """Layout 6 adds the copies-and-versions look's own tables, empty (the first look
    fills them); nothing else moves."""
    path = tmp_path / "c.sqlite3"
    make_v1(path)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys=OFF")
    db.execute("BEGIN")
    for step in schema_mod.MIGRATIONS[:4]:        # 1 -> 5 as it shipped
        step(db)
    db.execute("PRAGMA user_version=5")
    db.execute("COMMIT")
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert not {n for n in names if n.startswith("copy_")}
    db.close()
    cat = Catalog(path)
    assert schema_version(cat.connection()) == SCHEMA_VERSION == 6
    names = {r[0] for r in cat.connection().execute("SELECT name FROM sqlite_master")}
    assert {"copy_docs", "copy_passages", "copy_looked", "copy_links"} <= names
    assert cat.get_file("/docs/a.txt").n_chunks == 2 and cat.count_chunks() == 2
    cat.close()
