"""The catalog's layout: tables, the layout version, and the steps from each older one.

``PRAGMA user_version`` holds the version (readable before any table, and what sqlite3's
own tools show). Each migration runs inside the one transaction that also sets the new
version, so a failure leaves the old file as it was.
"""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from contextlib import AbstractContextManager
from typing import Callable

from desktop_search.errors import DesktopSearchError

log = logging.getLogger(__name__)

#: The catalog's layout version. Version 1 kept it only in ``meta``; version 3 reads
#: pictures; version 4 moved the word index out of SQLite (FTS5) and records each file's
#: language; version 5 holds documents inside files (archive members, messages and their
#: attachments): rows that share their file's path, under its ``container_id``; version 6
#: keeps the copies-and-versions look's own state (``copy_*`` tables: each document's
#: passage fingerprints, the texts already compared, the versions found), so a look
#: compares only what changed since the last one.
SCHEMA_VERSION = 6


class CatalogTooNew(DesktopSearchError):
    """The catalog was written by a newer desktop-search: this one must not touch it."""


class CatalogNeedsUpgrade(DesktopSearchError):
    """The catalog is older than this code and was opened without permission to migrate."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS roots(
    id INTEGER PRIMARY KEY,
    path TEXT UNIQUE NOT NULL,
    added_at REAL NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0,
    last_scan REAL
);
CREATE TABLE IF NOT EXISTS files(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL,
    root_id INTEGER,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    hash TEXT,
    kind TEXT,
    title TEXT,
    heading TEXT NOT NULL DEFAULT '',
    lang TEXT,
    state TEXT NOT NULL,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    indexed_at REAL,
    n_chunks INTEGER NOT NULL DEFAULT 0,
    ocr TEXT,
    taken REAL,
    camera TEXT,
    container_id INTEGER REFERENCES files(id) ON DELETE CASCADE,
    member TEXT,
    inside TEXT,
    locator TEXT,
    sender TEXT,
    recipients TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS files_disk_path ON files(path) WHERE container_id IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS files_member ON files(container_id, member)
    WHERE container_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS files_path ON files(path);
CREATE INDEX IF NOT EXISTS files_hash ON files(hash);
CREATE INDEX IF NOT EXISTS files_root ON files(root_id);
CREATE INDEX IF NOT EXISTS files_state ON files(state);
CREATE TABLE IF NOT EXISTS chunks(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    page INTEGER,
    line INTEGER,
    text TEXT NOT NULL,
    vector BLOB
);
CREATE INDEX IF NOT EXISTS chunks_file ON chunks(file_id);
CREATE INDEX IF NOT EXISTS chunks_unembedded ON chunks(id) WHERE vector IS NULL;
CREATE TABLE IF NOT EXISTS picture_vectors(
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS files_ocr ON files(ocr) WHERE ocr IS NOT NULL;
""" + """
CREATE TABLE IF NOT EXISTS copy_docs(
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    mtime_ns INTEGER NOT NULL,
    n_chunks INTEGER NOT NULL,
    indexed_at REAL,
    n_vectors INTEGER NOT NULL,
    text_hash INTEGER NOT NULL,
    hashes BLOB NOT NULL,
    mean BLOB
);
CREATE INDEX IF NOT EXISTS copy_docs_text ON copy_docs(text_hash);
CREATE TABLE IF NOT EXISTS copy_passages(
    hash INTEGER NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS copy_passages_hash ON copy_passages(hash);
CREATE INDEX IF NOT EXISTS copy_passages_file ON copy_passages(file_id);
CREATE TABLE IF NOT EXISTS copy_looked(
    text_hash INTEGER PRIMARY KEY,
    complete INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS copy_links(
    a INTEGER NOT NULL,
    b INTEGER NOT NULL,
    PRIMARY KEY(a, b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS copy_links_b ON copy_links(b);
"""



def _statements(script: str) -> list[str]:
    """The statements of a schema script, to run inside one transaction (executescript
    would commit first)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out


def _before_v5(script: str) -> list[str]:
    """The statements an older step may run: those that need no column of layout 5
    (``_v4_to_v5`` brings those in)."""
    return [s for s in _statements(script) if "container_id" not in s and " copy_" not in s]


def _v1_to_v2(c: sqlite3.Connection) -> None:
    """Version 2 keeps the layout version in PRAGMA user_version (set by the caller);
    the tables are unchanged, so this step only brings any missing v1 object in."""
    _add_picture_columns(c)   # today's schema indexes them
    for stmt in _before_v5(_SCHEMA):
        c.execute(stmt)


def _v2_to_v3(c: sqlite3.Connection) -> None:
    """Version 3 reads pictures and scans: files.ocr/taken/camera, picture_vectors."""
    _add_picture_columns(c)
    for stmt in _before_v5(_SCHEMA):
        c.execute(stmt)


def _add_picture_columns(c: sqlite3.Connection) -> None:
    have = {r[1] for r in c.execute("PRAGMA table_info(files)")}
    for column, kind in (("ocr", "TEXT"), ("taken", "REAL"), ("camera", "TEXT")):
        if column not in have:
            c.execute(f"ALTER TABLE files ADD COLUMN {column} {kind}")


def _v3_to_v4(c: sqlite3.Connection) -> None:
    """The word index left SQLite (``words.WordIndex``, rebuilt from the chunks at the
    next open); files record their language, detected then for the files already there."""
    cols = {r[1] for r in c.execute("PRAGMA table_info(files)")}
    if "lang" not in cols:
        c.execute("ALTER TABLE files ADD COLUMN lang TEXT")
    c.execute("DROP TABLE IF EXISTS chunks_fts")


#: the columns of ``files`` in layout 4, copied as they are by ``_v4_to_v5``
_V4_FILE_COLS = ("id, path, root_id, size, mtime_ns, hash, kind, title, heading, lang, state, "
                 "error, attempts, indexed_at, n_chunks, ocr, taken, camera")


def _v4_to_v5(c: sqlite3.Connection) -> None:
    """Documents inside files: a file's path is unique only among files on disk, so the
    table is rebuilt (SQLite cannot drop a UNIQUE constraint) with the same ids, so
    passages, vectors and the word index keep pointing at the same rows. The caller turns
    foreign keys off around the transaction, as SQLite's own recipe for this says."""
    c.execute("DROP TABLE IF EXISTS files_v5")
    create = next(s for s in _statements(_SCHEMA) if s.startswith("CREATE TABLE IF NOT EXISTS files("))
    c.execute(create.replace("files(", "files_v5(", 1))
    c.execute(f"INSERT INTO files_v5({_V4_FILE_COLS}) SELECT {_V4_FILE_COLS} FROM files")
    c.execute("DROP TABLE files")
    c.execute("ALTER TABLE files_v5 RENAME TO files")
    for stmt in _statements(_SCHEMA):
        if " copy_" not in stmt:          # layout 6's
            c.execute(stmt)
    bad = c.execute("PRAGMA foreign_key_check").fetchall()
    if bad:
        raise sqlite3.DatabaseError(f"rows point at missing files after the upgrade: {bad[:3]}")


def _v5_to_v6(c: sqlite3.Connection) -> None:
    """The copies-and-versions look keeps its state in ``copy_*`` tables (new, empty:
    the first look fills them)."""
    for stmt in _statements(_SCHEMA):
        if " copy_" in stmt:
            c.execute(stmt)


#: MIGRATIONS[v - 1] turns layout v into v + 1. Each step runs inside the one
#: transaction that also sets the new version, so a failure leaves the old file as it was.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1_to_v2, _v2_to_v3, _v3_to_v4,
                                                          _v4_to_v5, _v5_to_v6]
assert len(MIGRATIONS) == SCHEMA_VERSION - 1


#: vectors of the model being switched to, filled in the background while chunks.vector
#: (the current model's) keeps answering; promoted in one transaction when complete.
#: Created by the first switch (no layout version needed: older code ignores it).
NEXT_VECTORS = ("CREATE TABLE IF NOT EXISTS next_vectors("
                "chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE, "
                "vector BLOB NOT NULL)")


def schema_version(conn: sqlite3.Connection) -> int:
    """The version on disk: ``user_version``, else the v1 ``meta`` row, else 0 (empty)."""
    v = conn.execute("PRAGMA user_version").fetchone()[0]
    if v:
        return int(v)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
        row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row:
            return int(row[0])
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name='files'").fetchone():
            return 1
    return 0


def ensure_current(conn: sqlite3.Connection, *, path: Path, migrate: bool,
                   transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]) -> None:
    """A new file gets the current layout; an older one is migrated, step by step, in one
    transaction (all or nothing); a newer one is refused before anything is written.
    ``transaction`` is the catalog's own (so the migration is one write like any other)."""
    version = schema_version(conn)
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise CatalogTooNew(
            f"the catalog {path} was written by a newer desktop-search (layout "
            f"version {version}; this one knows up to {SCHEMA_VERSION}): upgrade "
            "desktop-search, or point --data-dir at another folder")
    if version and not migrate:
        raise CatalogNeedsUpgrade(f"the catalog {path} has layout version {version} "
                                  f"and needs an upgrade to {SCHEMA_VERSION}")
    # a step that rebuilds a table must not cascade its drop into the passages; foreign
    # keys can only be switched outside a transaction
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        with transaction() as c:
            now = schema_version(c)   # another process may have done it meanwhile
            if now == 0:
                for stmt in _statements(_SCHEMA):
                    c.execute(stmt)
            else:
                for step in MIGRATIONS[now - 1:SCHEMA_VERSION - 1]:
                    step(c)
            c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            c.execute("INSERT INTO meta(key, value) VALUES('schema', ?) ON CONFLICT(key) "
                      "DO UPDATE SET value=excluded.value", (str(SCHEMA_VERSION),))
    finally:
        conn.execute("PRAGMA foreign_keys=ON")
    if version:
        log.warning("catalog %s upgraded from layout %d to %d", path, version, SCHEMA_VERSION)
