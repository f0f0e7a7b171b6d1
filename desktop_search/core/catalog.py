"""The catalog: SQLite (WAL) holding roots, files, chunks and their vectors.

The catalog is the truth. The USearch index (vectors) and the word index
(``words.WordIndex``, BM25) are fast copies of what is stored here and can be rebuilt
from it at any time, so a kill at any moment leaves a consistent state: each file's
change is one transaction, and the catalog feeds the word index right after it commits.
"""
from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from desktop_search.core import lang as _lang
from desktop_search.core import query as _query
from desktop_search.core.query import QueryWord, STOPWORDS, query_terms  # noqa: F401 (re-exported)
from desktop_search.core.words import Source, WordIndex
from desktop_search.errors import DesktopSearchError, IndexCorrupt

log = logging.getLogger(__name__)

# Below this many passages the word index is rebuilt or caught up before the catalog
# opens (milliseconds); above, on a background thread while queries are answered.
SYNC_WORDS_LIMIT = 20000
# query text and index languages -> its words and languages (the results list, the
# preview and "search again" ask for the same query; language identification is ~1 ms)
_QUERY_CACHE: dict[tuple[str, tuple[str, ...]], tuple[tuple[QueryWord, ...], tuple[str, ...]]] = {}

#: The catalog's layout version, kept in ``PRAGMA user_version`` (readable before any
#: table, and what sqlite3's own tools show). Version 1 kept it only in ``meta``; version 3
#: reads pictures; version 4 moved the word index out of SQLite (FTS5) and records each
#: file's language.
SCHEMA_VERSION = 4


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
    path TEXT UNIQUE NOT NULL,
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
    camera TEXT
);
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


def _v1_to_v2(c: sqlite3.Connection) -> None:
    """Version 2 keeps the layout version in PRAGMA user_version (set by the caller);
    the tables are unchanged, so this step only brings any missing v1 object in."""
    _add_picture_columns(c)   # today's schema indexes them
    for stmt in _statements(_SCHEMA):
        c.execute(stmt)


def _v2_to_v3(c: sqlite3.Connection) -> None:
    """Version 3 reads pictures and scans: files.ocr/taken/camera, picture_vectors."""
    _add_picture_columns(c)
    for stmt in _statements(_SCHEMA):
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


#: MIGRATIONS[v - 1] turns layout v into v + 1. Each step runs inside the one
#: transaction that also sets the new version, so a failure leaves the old file as it was.
MIGRATIONS: list = [_v1_to_v2, _v2_to_v3, _v3_to_v4]
assert len(MIGRATIONS) == SCHEMA_VERSION - 1

# file states
INDEXED = "indexed"   # text extracted and chunked (vectors may still be pending)
FAILED = "failed"     # a reader failed; error says why
SKIPPED = "skipped"   # deliberately not indexed (too large, binary, unsupported)

# files.ocr: whether the words of a picture or scanned page come from OCR
OCR_PENDING = "pending"   # listed and dated; its words are read in the later OCR stage
OCR_DONE = "done"         # some of its text was read by OCR
OCR_NONE = "none"         # OCR found no words


@dataclass(frozen=True, slots=True)
class FileRow:
    id: int
    path: str
    root_id: int | None
    size: int
    mtime_ns: int
    hash: str | None
    kind: str | None
    title: str | None
    state: str
    error: str | None
    attempts: int
    n_chunks: int
    ocr: str | None = None
    taken: float | None = None      # when a photo was taken (EXIF), unix seconds
    camera: str | None = None


@dataclass(frozen=True, slots=True)
class ChunkRow:
    id: int
    file_id: int
    path: str
    ord: int
    start: int
    end: int
    page: int | None
    line: int | None
    text: str
    kind: str | None
    title: str | None
    mtime_ns: int
    size: int
    ocr: str | None = None
    taken: float | None = None


@dataclass(frozen=True, slots=True)
class NewChunk:
    start: int
    end: int
    page: int | None
    line: int | None
    text: str


_FILE_COLS = ("id, path, root_id, size, mtime_ns, hash, kind, title, state, error, attempts, n_chunks, "
              "ocr, taken, camera")


class Catalog:
    """Thread-safe: each thread reads through its own connection; writes are serialized."""

    def __init__(self, path: Path, *, migrate: bool = True, words_folder: Path | None = None,
                 check: bool | None = None) -> None:
        """Open (or create) the catalog. With ``migrate=False`` an older layout raises
        ``CatalogNeedsUpgrade`` instead of being upgraded (a reader must not write while
        another process owns the data folder), and the word index is kept in memory
        only (its snapshot is the owner's to write).

        ``check`` runs SQLite's ``quick_check`` (seconds at a million passages): by default
        only when a process that had the catalog open died without closing it.
        """
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._session: _Session | None = None
        unclean = _Session.reap_stale(self.path)
        #: whether this open ran the integrity check (after an unclean shutdown, or asked)
        self.checked = bool(check) if check is not None else (unclean or not _Session.supported)
        try:
            conn = self._conn()
            ok = conn.execute("PRAGMA quick_check").fetchone()[0] if self.checked else "ok"
            if ok == "ok":
                self._check_version(migrate=migrate)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise IndexCorrupt(f"the catalog {self.path} is damaged: {exc}") from None
        except DesktopSearchError:
            self.close()
            raise
        if ok != "ok":
            self.close()
            raise IndexCorrupt(f"the catalog {self.path} is damaged: {ok}")
        self._session = _Session.start(self.path)
        self.read_only = not migrate
        self.words = WordIndex(folder=words_folder or self.path.parent / "words",
                               read_only=self.read_only)
        self._words_stop = threading.Event()
        self._words_thread: threading.Thread | None = None
        self._open_words()
        _lang.preload()             # queries ask for their language


    def quick_check(self) -> str:
        """SQLite's own structural check: "ok", or what is damaged (for ``doctor``)."""
        try:
            return self._conn().execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            return str(exc)

    # -- the word index ------------------------------------------------------------------
    def _open_words(self) -> None:
        """Load the word index's snapshot and bring it level with the catalog, or rebuild
        it; big gaps are closed on a background thread (queries see what is there)."""
        loaded = self.words.load()
        #: how the word index opened: from its snapshot, or rebuilt from the catalog
        self.words_opened_from = "snapshot" if loaded else "rebuilt"
        conn = self._conn()
        if loaded:
            gap = conn.execute("SELECT COUNT(*) FROM chunks WHERE id > ?",
                               (self.words.max_id,)).fetchone()[0]
            small = gap < SYNC_WORDS_LIMIT and len(self.words) < SYNC_WORDS_LIMIT
            job = self._words_catch_up
        else:
            small = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] < SYNC_WORDS_LIMIT
            job = self._words_rebuild
        if small:
            job()
        else:
            self._words_thread = threading.Thread(target=self._words_job, args=(job,),
                                                  name="word-index", daemon=True)
            self._words_thread.start()

    def _words_job(self, job) -> None:
        try:
            job()
        except Exception:  # noqa: BLE001 - a failed rebuild leaves words missing, not the app
            if not self._words_stop.is_set():
                log.exception("word index: catching up with the catalog failed")

    def _words_catch_up(self) -> None:
        with self._write_lock:
            self.words.catch_up(newer=self._word_sources, ids_upto=self._ids_upto,
                                count_upto=self._count_upto)
        self.words.save()

    def _words_rebuild(self) -> None:
        with self._write_lock:
            self.words.rebuild(self._word_sources(0))

    def _ids_upto(self, max_id: int) -> np.ndarray:
        rows = self._conn().execute("SELECT id FROM chunks WHERE id <= ?", (max_id,)).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def _count_upto(self, max_id: int) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM chunks WHERE id <= ?",
                                    (max_id,)).fetchone()[0]

    def _word_sources(self, after: int, batch: int = 20000) -> Iterator[list[Source]]:
        """Passages with an id above ``after``, as the word index needs them, in id order.
        Files from before languages were recorded get theirs now (from their first passage)."""
        conn = self._conn()
        last = after
        while not self._words_stop.is_set():
            rows = conn.execute(
                "SELECT c.id, c.text, CASE WHEN c.ord=0 THEN f.heading ELSE '' END, f.lang, f.id "
                "FROM chunks c JOIN files f ON f.id=c.file_id WHERE c.id > ? ORDER BY c.id LIMIT ?",
                (last, batch)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            guessed: dict[int, str] = {}
            out = []
            for cid, text, heading, lang, fid in rows:
                if lang is None:
                    lang = guessed.get(fid)
                    if lang is None:
                        lang = guessed[fid] = text_language([NewChunk(0, 0, None, None, text)])
                out.append(Source(cid, text, heading, lang))
            if guessed and not self.read_only:
                with self.transaction() as c:
                    c.executemany("UPDATE files SET lang=? WHERE id=?",
                                  [(l, f) for f, l in guessed.items()])
            yield out

    def _words_changed(self, added: list[Source], dropped: Sequence[int]) -> None:
        """After a commit (still holding the write lock): the word index follows."""
        if dropped:
            self.words.remove(dropped)
        if added:
            self.words.add(added)

    def words_ready(self, timeout: float | None = None) -> bool:
        """Whether the word index holds the whole catalog (waits up to ``timeout``)."""
        t = self._words_thread
        if t is not None:
            t.join(timeout)
            return not t.is_alive()
        return True

    def save_words(self) -> None:
        if self._words_thread is None or not self._words_thread.is_alive():
            self.words.save()

    # -- schema version --------------------------------------------------------------------
    def schema_version(self) -> int:
        """The version on disk: ``user_version``, else the v1 ``meta`` row, else 0 (empty)."""
        conn = self._conn()
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

    def _check_version(self, *, migrate: bool) -> None:
        """A new file gets the current layout; an older one is migrated, step by step, in
        one transaction (all or nothing); a newer one is refused before anything is written."""
        version = self.schema_version()
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise CatalogTooNew(
                f"the catalog {self.path} was written by a newer desktop-search (layout "
                f"version {version}; this one knows up to {SCHEMA_VERSION}): upgrade "
                "desktop-search, or point --data-dir at another folder")
        if version and not migrate:
            raise CatalogNeedsUpgrade(f"the catalog {self.path} has layout version {version} "
                                      f"and needs an upgrade to {SCHEMA_VERSION}")
        with self.transaction() as c:
            now = self.schema_version()   # another process may have done it meanwhile
            if now == 0:
                for stmt in _statements(_SCHEMA):
                    c.execute(stmt)
            else:
                for step in MIGRATIONS[now - 1:SCHEMA_VERSION - 1]:
                    step(c)
            c.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self.set_meta("schema", str(SCHEMA_VERSION), conn=c)
        if version:
            import logging

            logging.getLogger(__name__).warning("catalog %s upgraded from layout %d to %d",
                                                self.path, version, SCHEMA_VERSION)

    # -- connections -------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append(conn)
        return conn

    def close(self) -> None:
        stop = getattr(self, "_words_stop", None)
        if stop is not None:
            stop.set()
            t = self._words_thread
            if t is not None:
                t.join(30.0)
            try:
                self.save_words()
            except OSError as exc:
                log.warning("could not save the word index: %s", exc)
        with self._conns_lock:
            for c in self._conns:
                try:
                    c.close()
                except sqlite3.Error:
                    pass
            self._conns.clear()
        self._local = threading.local()
        if self._session is not None:
            self._session.end()
            self._session = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write. Nested in another (a batch of files), it is a savepoint:
        its failure undoes only itself, and the outer one commits everything at once.
        The word index follows once the outermost one has committed."""
        added: list[Source] = []
        dropped: list[int] = []
        with self._write_lock:
            conn = self._conn()
            depth = getattr(self._local, "depth", 0)
            name = f"sp{depth}"
            if depth:
                marks = (len(self._tx_added), len(self._tx_dropped))
                conn.execute(f"SAVEPOINT {name}")
            else:
                self._tx_added: list[Source] = []
                self._tx_dropped: list[int] = []
                conn.execute("BEGIN IMMEDIATE")
            self._local.depth = depth + 1
            try:
                yield conn
            except BaseException:
                if depth:
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                    del self._tx_added[marks[0]:]      # the word index never sees it
                    del self._tx_dropped[marks[1]:]
                else:
                    conn.execute("ROLLBACK")
                    self._tx_added, self._tx_dropped = [], []
                raise
            else:
                if depth:
                    conn.execute(f"RELEASE {name}")
                else:
                    conn.execute("COMMIT")
                    added, dropped = self._tx_added, self._tx_dropped
                    self._tx_added, self._tx_dropped = [], []
                    if added or dropped:
                        self._words_changed(added, dropped)
            finally:
                self._local.depth = depth
        if added or dropped:
            self.words.maintain()

    # -- meta ----------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str, conn: sqlite3.Connection | None = None) -> None:
        sql = "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value"
        if conn is not None:
            conn.execute(sql, (key, value))
        else:
            with self.transaction() as c:
                c.execute(sql, (key, value))

    def vector_generation(self) -> int:
        return int(self.get_meta("vector_generation", "0") or 0)

    def _bump_generation(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES('vector_generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER) + 1")

    # -- roots ---------------------------------------------------------------------------
    def add_root(self, path: str) -> int:
        with self.transaction() as c:
            c.execute("INSERT OR IGNORE INTO roots(path, added_at) VALUES(?, ?)", (path, time.time()))
            return c.execute("SELECT id FROM roots WHERE path=?", (path,)).fetchone()[0]

    def absorb_root(self, inner: str, *, into: str) -> None:
        """A new root that contains an older one takes over its files."""
        with self.transaction() as c:
            c.execute("UPDATE files SET root_id=(SELECT id FROM roots WHERE path=?) "
                      "WHERE root_id=(SELECT id FROM roots WHERE path=?)", (into, inner))
            c.execute("DELETE FROM roots WHERE path=?", (inner,))

    def roots(self) -> list[dict]:
        rows = self._conn().execute(
            "SELECT r.id, r.path, r.added_at, r.paused, r.last_scan, "
            "(SELECT COUNT(*) FROM files f WHERE f.root_id=r.id AND f.state='indexed') "
            "FROM roots r ORDER BY r.path").fetchall()
        return [dict(id=r[0], path=r[1], added_at=r[2], paused=bool(r[3]), last_scan=r[4],
                     files=r[5]) for r in rows]

    def root_paths(self) -> list[tuple[int, str, bool]]:
        """(id, path, paused) of every root: cheap, for per-file decisions."""
        return [(r[0], r[1], bool(r[2])) for r in self._conn().execute(
            "SELECT id, path, paused FROM roots")]

    def root_id(self, path: str) -> int | None:
        row = self._conn().execute("SELECT id FROM roots WHERE path=?", (path,)).fetchone()
        return row[0] if row else None

    def set_root_paused(self, path: str, paused: bool) -> None:
        with self.transaction() as c:
            c.execute("UPDATE roots SET paused=? WHERE path=?", (int(paused), path))

    def mark_root_scanned(self, root_id: int) -> None:
        with self.transaction() as c:
            c.execute("UPDATE roots SET last_scan=? WHERE id=?", (time.time(), root_id))

    def remove_root(self, path: str) -> list[int]:
        """Forget a root and every file under it; returns the chunk ids dropped."""
        with self.transaction() as c:
            row = c.execute("SELECT id FROM roots WHERE path=?", (path,)).fetchone()
            if not row:
                return []
            ids = self._delete_where(c, "root_id=?", (row[0],))
            c.execute("DELETE FROM roots WHERE id=?", (row[0],))
            return ids

    # -- files ---------------------------------------------------------------------------
    def get_file(self, path: str) -> FileRow | None:
        row = self._conn().execute(f"SELECT {_FILE_COLS} FROM files WHERE path=?", (path,)).fetchone()
        return FileRow(*row) if row else None

    def files_of_root(self, root_id: int) -> dict[str, FileRow]:
        rows = self._conn().execute(f"SELECT {_FILE_COLS} FROM files WHERE root_id=?", (root_id,))
        return {r[1]: FileRow(*r) for r in rows}

    def files_by_hash(self, digest: str) -> list[FileRow]:
        rows = self._conn().execute(f"SELECT {_FILE_COLS} FROM files WHERE hash=?", (digest,))
        return [FileRow(*r) for r in rows]

    def failed_files(self) -> list[FileRow]:
        rows = self._conn().execute(
            f"SELECT {_FILE_COLS} FROM files WHERE state IN ('failed', 'skipped') ORDER BY path")
        return [FileRow(*r) for r in rows]

    def file_by_id(self, file_id: int) -> FileRow | None:
        row = self._conn().execute(f"SELECT {_FILE_COLS} FROM files WHERE id=?", (file_id,)).fetchone()
        return FileRow(*row) if row else None

    def _delete_where(self, c: sqlite3.Connection, where: str, args: tuple) -> list[int]:
        ids = [r[0] for r in c.execute(
            f"SELECT c.id FROM chunks c JOIN files f ON f.id=c.file_id WHERE f.{where}",
            args)]
        self._drop_chunks(c, ids)
        c.execute(f"DELETE FROM files WHERE {where}", args)
        return ids

    def _drop_chunks(self, c: sqlite3.Connection, ids: Sequence[int]) -> None:
        if not ids:
            return
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ",".join("?" * len(part))
            c.execute(f"DELETE FROM chunks WHERE id IN ({marks})", part)
        self._tx_dropped.extend(int(i) for i in ids)
        self._bump_generation(c)

    def put_file(self, *, path: str, root_id: int | None, size: int, mtime_ns: int,
                 digest: str | None, kind: str | None, title: str | None, heading: str,
                 chunks: Sequence[NewChunk], ocr: str | None = None, taken: float | None = None,
                 camera: str | None = None, keep_picture_vector: bool = False,
                 lang: str | None = None) -> tuple[int, list[int]]:
        """Replace a file's chunks in one transaction. Returns (file id, dropped chunk ids).

        New chunks have no vector yet: they are searchable by words at once and the
        embedder fills their vectors from the backlog (``unembedded``). ``ocr`` says whether
        (and when) the words come from OCR; the OCR stage passes ``keep_picture_vector``
        because the picture itself did not change. ``lang`` (ISO 639-1) picks the word
        index's stemmer; guessed from the text when not given.
        """
        if lang is None:
            lang = text_language(chunks)
        with self.transaction() as c:
            old = c.execute("SELECT id FROM files WHERE path=?", (path,)).fetchone()
            dropped: list[int] = []
            if old:
                dropped = [r[0] for r in c.execute("SELECT id FROM chunks WHERE file_id=?", (old[0],))]
                self._drop_chunks(c, dropped)
                c.execute(
                    "UPDATE files SET root_id=?, size=?, mtime_ns=?, hash=?, kind=?, title=?, heading=?, "
                    "lang=?, state='indexed', error=NULL, attempts=0, indexed_at=?, n_chunks=?, ocr=?, "
                    "taken=?, camera=? WHERE id=?",
                    (root_id, size, mtime_ns, digest, kind, title, heading, lang, time.time(),
                     len(chunks), ocr, taken, camera, old[0]))
                file_id = old[0]
                if not keep_picture_vector:
                    c.execute("DELETE FROM picture_vectors WHERE file_id=?", (file_id,))
            else:
                file_id = c.execute(
                    "INSERT INTO files(path, root_id, size, mtime_ns, hash, kind, title, heading, lang, "
                    "state, indexed_at, n_chunks, ocr, taken, camera) "
                    "VALUES(?,?,?,?,?,?,?,?,?, 'indexed', ?, ?, ?, ?, ?)",
                    (path, root_id, size, mtime_ns, digest, kind, title, heading, lang, time.time(),
                     len(chunks), ocr, taken, camera)).lastrowid
            for i, ch in enumerate(chunks):
                cid = c.execute(
                    "INSERT INTO chunks(file_id, ord, start, end, page, line, text) VALUES(?,?,?,?,?,?,?)",
                    (file_id, i, ch.start, ch.end, ch.page, ch.line, ch.text)).lastrowid
                self._tx_added.append(Source(cid, ch.text, heading if i == 0 else "", lang))
            return file_id, dropped

    def put_failure(self, *, path: str, root_id: int | None, size: int, mtime_ns: int,
                    digest: str | None, kind: str | None, state: str, error: str) -> list[int]:
        """Record why a file is not indexed (its old chunks, if any, are dropped)."""
        with self.transaction() as c:
            old = c.execute("SELECT id, attempts FROM files WHERE path=?", (path,)).fetchone()
            dropped: list[int] = []
            if old:
                dropped = [r[0] for r in c.execute("SELECT id FROM chunks WHERE file_id=?", (old[0],))]
                self._drop_chunks(c, dropped)
                c.execute(
                    "UPDATE files SET root_id=?, size=?, mtime_ns=?, hash=?, kind=?, state=?, error=?, "
                    "attempts=attempts+1, indexed_at=?, n_chunks=0, title=NULL, ocr=NULL WHERE id=?",
                    (root_id, size, mtime_ns, digest, kind, state, error, time.time(), old[0]))
                c.execute("DELETE FROM picture_vectors WHERE file_id=?", (old[0],))
            else:
                c.execute(
                    "INSERT INTO files(path, root_id, size, mtime_ns, hash, kind, state, error, attempts, "
                    "indexed_at) VALUES(?,?,?,?,?,?,?,?,1,?)",
                    (path, root_id, size, mtime_ns, digest, kind, state, error, time.time()))
            return dropped

    def clone_file(self, src_id: int, *, path: str, root_id: int | None, size: int,
                   mtime_ns: int) -> list[int] | None:
        """Copy a file's chunks (vectors included) to a new path with the same bytes."""
        with self.transaction() as c:
            src = c.execute("SELECT hash, kind, title, heading, n_chunks, ocr, taken, camera, lang "
                            "FROM files WHERE id=? AND state='indexed'", (src_id,)).fetchone()
            if not src or c.execute("SELECT 1 FROM files WHERE path=?", (path,)).fetchone():
                return None
            fid = c.execute(
                "INSERT INTO files(path, root_id, size, mtime_ns, hash, kind, title, heading, state, "
                "indexed_at, n_chunks, ocr, taken, camera, lang) "
                "VALUES(?,?,?,?,?,?,?,?, 'indexed', ?, ?, ?, ?, ?, ?)",
                (path, root_id, size, mtime_ns, src[0], src[1], src[2], src[3], time.time(),
                 src[4], src[5], src[6], src[7], src[8])).lastrowid
            c.execute("INSERT INTO picture_vectors(file_id, vector) SELECT ?, vector FROM "
                      "picture_vectors WHERE file_id=?", (fid, src_id))
            new_ids = []
            rows = c.execute("SELECT ord, start, end, page, line, text, vector FROM chunks "
                             "WHERE file_id=? ORDER BY ord", (src_id,)).fetchall()
            for r in rows:
                cid = c.execute("INSERT INTO chunks(file_id, ord, start, end, page, line, text, vector) "
                                "VALUES(?,?,?,?,?,?,?,?)", (fid, *r)).lastrowid
                self._tx_added.append(Source(cid, r[5], src[3] if r[0] == 0 else "", src[8]))
                new_ids.append(cid)
            self._bump_generation(c)
            return new_ids

    def touch_file(self, path: str, *, size: int, mtime_ns: int) -> None:
        with self.transaction() as c:
            c.execute("UPDATE files SET size=?, mtime_ns=? WHERE path=?", (size, mtime_ns, path))

    def delete_file(self, path: str) -> list[int]:
        with self.transaction() as c:
            return self._delete_where(c, "path=?", (path,))

    def move_file(self, old: str, new: str, *, root_id: int | None, size: int | None = None,
                  mtime_ns: int | None = None) -> bool:
        """Re-point a file (rename/move): its chunks and vectors are kept."""
        with self.transaction() as c:
            row = c.execute("SELECT id FROM files WHERE path=?", (old,)).fetchone()
            if not row:
                return False
            self._delete_where(c, "path=?", (new,))
            c.execute("UPDATE files SET path=?, root_id=? WHERE id=?", (new, root_id, row[0]))
            if size is not None and mtime_ns is not None:
                c.execute("UPDATE files SET size=?, mtime_ns=? WHERE id=?", (size, mtime_ns, row[0]))
            return True

    def paths_under(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/\\") + "/"
        rows = self._conn().execute(
            "SELECT path FROM files WHERE substr(path, 1, ?) = ?", (len(prefix), prefix))
        return [r[0] for r in rows]

    # -- vectors -------------------------------------------------------------------------
    def unembedded(self, limit: int, *, after: int = 0) -> list[tuple[int, str, str]]:
        """(chunk id, heading, text) of chunks still waiting for a vector, oldest first
        (ids above ``after``)."""
        rows = self._conn().execute(
            "SELECT c.id, f.heading, c.text FROM chunks c JOIN files f ON f.id=c.file_id "
            "WHERE c.vector IS NULL AND c.id > ? ORDER BY c.id LIMIT ?", (after, limit)).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def count_unembedded(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM chunks WHERE vector IS NULL").fetchone()[0]

    def set_vectors(self, ids: Sequence[int], vectors: np.ndarray) -> list[int]:
        """Store vectors; returns the ids that still existed (a file may have changed meanwhile)."""
        vecs = np.ascontiguousarray(vectors, dtype=np.float16)
        stored: list[int] = []
        with self.transaction() as c:
            for cid, v in zip(ids, vecs):
                cur = c.execute("UPDATE chunks SET vector=? WHERE id=? AND vector IS NULL",
                                (v.tobytes(), int(cid)))
                if cur.rowcount:
                    stored.append(int(cid))
            if stored:
                self._bump_generation(c)
                c.execute("INSERT INTO meta(key, value) VALUES('vectors_stored', ?) ON CONFLICT(key) "
                          "DO UPDATE SET value=CAST(value AS INTEGER) + ?", (len(stored), len(stored)))
        return stored

    def clear_vectors(self) -> None:
        with self.transaction() as c:
            c.execute("UPDATE chunks SET vector=NULL")
            self._bump_generation(c)

    # -- a model change in the background ------------------------------------------------
    #: vectors of the model being switched to, filled in the background while chunks.vector
    #: (the current model's) keeps answering; promoted in one transaction when complete.
    #: Created by the first switch (no layout version needed: older code ignores it).
    _NEXT_VECTORS = ("CREATE TABLE IF NOT EXISTS next_vectors("
                     "chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE, "
                     "vector BLOB NOT NULL)")

    def next_model(self) -> tuple[str, int] | None:
        """(model id, dim) of the model the vectors are being switched to, if any."""
        mid = self.get_meta("next_model_id")
        return (mid, int(self.get_meta("next_dim") or 0)) if mid else None

    def begin_next_model(self, model_id: str, dim: int) -> None:
        """Start (or resume, when it is the same model) re-embedding for model_id."""
        if self.next_model() == (model_id, dim):
            return
        with self.transaction() as c:
            c.execute(self._NEXT_VECTORS)
            c.execute("DELETE FROM next_vectors")
            self.set_meta("next_model_id", model_id, conn=c)
            self.set_meta("next_dim", str(dim), conn=c)

    def cancel_next_model(self) -> None:
        with self.transaction() as c:
            c.execute(self._NEXT_VECTORS)
            c.execute("DELETE FROM next_vectors")
            c.execute("DELETE FROM meta WHERE key IN ('next_model_id', 'next_dim')")

    def next_unembedded(self, limit: int) -> list[tuple[int, str, str]]:
        """(chunk id, heading, text) of chunks the next model has not embedded yet."""
        rows = self._conn().execute(
            "SELECT c.id, f.heading, c.text FROM chunks c JOIN files f ON f.id=c.file_id "
            "WHERE NOT EXISTS (SELECT 1 FROM next_vectors n WHERE n.chunk_id=c.id) "
            "ORDER BY c.id LIMIT ?", (limit,)).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def next_progress(self) -> tuple[int, int]:
        """(chunks the next model has embedded, chunks in all)."""
        c = self._conn()
        return (c.execute("SELECT COUNT(*) FROM next_vectors").fetchone()[0],
                c.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def set_next_vectors(self, ids: Sequence[int], vectors: np.ndarray) -> int:
        vecs = np.ascontiguousarray(vectors, dtype=np.float16)
        n = 0
        with self.transaction() as c:
            for cid, v in zip(ids, vecs):
                n += c.execute("INSERT OR REPLACE INTO next_vectors(chunk_id, vector) "
                               "SELECT id, ? FROM chunks WHERE id=?", (v.tobytes(), int(cid))).rowcount
        return n

    def promote_next_model(self) -> str:
        """The next model's vectors become the vectors, in one transaction (a kill before
        or after leaves one model's complete set). Returns the new model id."""
        nxt = self.next_model()
        if nxt is None:
            raise ValueError("no model change in progress")
        with self.transaction() as c:
            c.execute("UPDATE chunks SET vector=(SELECT n.vector FROM next_vectors n "
                      "WHERE n.chunk_id=chunks.id)")
            c.execute("DELETE FROM next_vectors")
            self.set_meta("model_id", nxt[0], conn=c)
            self.set_meta("dim", str(nxt[1]), conn=c)
            c.execute("DELETE FROM meta WHERE key IN ('next_model_id', 'next_dim')")
            self._bump_generation(c)
        return nxt[0]

    def iter_vectors(self, batch: int = 20000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """All stored vectors as (ids uint64, vectors float16) batches."""
        last = -1
        conn = self._conn()
        while True:
            rows = conn.execute(
                "SELECT id, vector FROM chunks WHERE vector IS NOT NULL AND id > ? ORDER BY id LIMIT ?",
                (last, batch)).fetchall()
            if not rows:
                return
            ids = np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows))
            vecs = np.stack([np.frombuffer(r[1], dtype=np.float16) for r in rows])
            last = rows[-1][0]
            yield ids, vecs

    def embedded_ids(self) -> np.ndarray:
        rows = self._conn().execute("SELECT id FROM chunks WHERE vector IS NOT NULL").fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows))

    def vectors_for(self, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        ids = [int(i) for i in ids]
        out_ids, out_vecs = [], []
        conn = self._conn()
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ",".join("?" * len(part))
            for cid, blob in conn.execute(
                    f"SELECT id, vector FROM chunks WHERE vector IS NOT NULL AND id IN ({marks})", part):
                out_ids.append(cid)
                out_vecs.append(np.frombuffer(blob, dtype=np.float16))
        if not out_ids:
            return np.zeros(0, dtype=np.uint64), np.zeros((0, 0), dtype=np.float16)
        return np.asarray(out_ids, dtype=np.uint64), np.stack(out_vecs)

    # -- pictures ------------------------------------------------------------------------
    def next_ocr(self) -> FileRow | None:
        """The oldest file waiting for OCR (the stage after text files and their vectors)."""
        row = self._conn().execute(
            f"SELECT {_FILE_COLS} FROM files WHERE ocr='pending' AND state='indexed' "
            "ORDER BY id LIMIT 1").fetchone()
        return FileRow(*row) if row else None

    def count_ocr_pending(self) -> int:
        return self._conn().execute(
            "SELECT COUNT(*) FROM files WHERE ocr='pending' AND state='indexed'").fetchone()[0]

    def pictures_without_vector(self, limit: int) -> list[FileRow]:
        rows = self._conn().execute(
            f"SELECT {_FILE_COLS} FROM files f WHERE kind='picture' AND state='indexed' AND NOT "
            "EXISTS (SELECT 1 FROM picture_vectors p WHERE p.file_id=f.id) ORDER BY id LIMIT ?",
            (limit,)).fetchall()
        return [FileRow(*r) for r in rows]

    def count_pictures_without_vector(self) -> int:
        return self._conn().execute(
            "SELECT COUNT(*) FROM files f WHERE kind='picture' AND state='indexed' AND NOT EXISTS "
            "(SELECT 1 FROM picture_vectors p WHERE p.file_id=f.id)").fetchone()[0]

    def set_picture_vector(self, file_id: int, vector: np.ndarray, *, size: int,
                           mtime_ns: int) -> bool:
        """Store a picture's vector unless the file changed meanwhile (then it is redone)."""
        blob = np.ascontiguousarray(vector, dtype=np.float16).tobytes()
        with self.transaction() as c:
            ok = c.execute("SELECT 1 FROM files WHERE id=? AND size=? AND mtime_ns=? AND "
                           "state='indexed'", (file_id, size, mtime_ns)).fetchone()
            if not ok:
                return False
            c.execute("INSERT OR REPLACE INTO picture_vectors(file_id, vector) VALUES(?, ?)",
                      (file_id, blob))
            return True

    def picture_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Every stored picture vector: (file ids uint64, vectors float16)."""
        rows = self._conn().execute(
            "SELECT p.file_id, p.vector FROM picture_vectors p JOIN files f ON f.id=p.file_id "
            "WHERE f.state='indexed'").fetchall()
        if not rows:
            return np.zeros(0, dtype=np.uint64), np.zeros((0, 0), dtype=np.float16)
        return (np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows)),
                np.stack([np.frombuffer(r[1], dtype=np.float16) for r in rows]))

    def picture_vector(self, file_id: int) -> np.ndarray | None:
        row = self._conn().execute("SELECT vector FROM picture_vectors WHERE file_id=?",
                                   (file_id,)).fetchone()
        return np.frombuffer(row[0], dtype=np.float16) if row else None

    def clear_picture_vectors(self) -> None:
        with self.transaction() as c:
            c.execute("DELETE FROM picture_vectors")

    def files_by_ids(self, ids: Iterable[int]) -> dict[int, FileRow]:
        out: dict[int, FileRow] = {}
        ids = [int(i) for i in ids]
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ",".join("?" * len(part))
            for r in self._conn().execute(
                    f"SELECT {_FILE_COLS} FROM files WHERE id IN ({marks})", part):
                out[r[0]] = FileRow(*r)
        return out

    # -- search --------------------------------------------------------------------------
    def chunks(self, ids: Sequence[int], *, text: bool = True) -> dict[int, ChunkRow]:
        """Rows of these chunks; ``text=False`` leaves their text empty (ranking hundreds of
        candidates needs only where each one is)."""
        out: dict[int, ChunkRow] = {}
        conn = self._conn()
        ids = [int(i) for i in ids]
        col = "c.text" if text else "''"
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ",".join("?" * len(part))
            for r in conn.execute(
                    f"SELECT c.id, c.file_id, f.path, c.ord, c.start, c.end, c.page, c.line, {col}, "
                    f"f.kind, f.title, f.mtime_ns, f.size, f.ocr, f.taken FROM chunks c "
                    f"JOIN files f ON f.id=c.file_id WHERE c.id IN ({marks})", part):
                out[r[0]] = ChunkRow(*r)
        return out

    def chunks_of_file(self, file_id: int) -> list[ChunkRow]:
        rows = self._conn().execute(
            "SELECT c.id, c.file_id, f.path, c.ord, c.start, c.end, c.page, c.line, c.text, "
            "f.kind, f.title, f.mtime_ns, f.size, f.ocr, f.taken FROM chunks c "
            "JOIN files f ON f.id=c.file_id WHERE c.file_id=? ORDER BY c.ord", (file_id,)).fetchall()
        return [ChunkRow(*r) for r in rows]

    def query_words(self, query: str) -> tuple[list[QueryWord], list[str]]:
        """The query's words with the forms to look up, and the languages they were
        stemmed for (those of the indexed text, and the query's own when it is clear: a
        Portuguese stem meets English stems of the same root, `oceanos` -> `ocean`, which
        is worth 14 nDCG points on pira-xl; it costs the language model's 75 MB)."""
        langs = self.words.index_languages()
        key = (query, tuple(langs))
        hit = _QUERY_CACHE.get(key)
        if hit is not None:
            return list(hit[0]), list(hit[1])
        guess = _lang.detect(query)
        if guess.sure and _query.has_stemmer(guess.code) and guess.code not in langs:
            langs.append(guess.code)
        words = _query.query_words(query, languages=langs)
        if len(_QUERY_CACHE) > 512:
            _QUERY_CACHE.clear()
        _QUERY_CACHE[key] = (tuple(words), tuple(langs))
        return words, langs

    def lexical(self, query: str, limit: int, *,
                words: list[QueryWord] | None = None) -> list[tuple[int, float]]:
        """BM25 over chunks: (chunk id, score, higher is better)."""
        if words is None:
            words, _ = self.query_words(query)
        return self.words.search(words, limit)

    # -- checks and repair (core.doctor) ---------------------------------------------------
    def count_duplicate_paths(self) -> int:
        return self._conn().execute(
            "SELECT COUNT(*) FROM (SELECT path FROM files GROUP BY path HAVING COUNT(*) > 1)"
        ).fetchone()[0]

    def word_index_mismatch(self) -> tuple[int, int]:
        """(word-index entries without a passage, passages missing from the word index);
        (0, 0) while the word index is still being built."""
        if not self.words_ready(timeout=0):
            return 0, 0
        with self._write_lock:
            have = self.words.live_ids()
            want = self._ids_upto(2**62)
        return int(len(np.setdiff1d(have, want))), int(len(np.setdiff1d(want, have)))

    def repair_word_index(self) -> None:
        """Rebuild the word index from the catalog."""
        self._words_rebuild()

    # -- status --------------------------------------------------------------------------
    def stats(self) -> dict:
        c = self._conn()
        files = dict(c.execute("SELECT state, COUNT(*) FROM files GROUP BY state").fetchall())
        n_chunks = c.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return dict(files_indexed=files.get(INDEXED, 0), files_failed=files.get(FAILED, 0),
                    files_skipped=files.get(SKIPPED, 0), chunks=n_chunks,
                    chunks_unembedded=self.count_unembedded())

    def kinds(self) -> list[str]:
        return [r[0] for r in self._conn().execute(
            "SELECT DISTINCT kind FROM files WHERE state='indexed' AND kind IS NOT NULL ORDER BY kind")]


def text_language(chunks: Sequence[NewChunk]) -> str:
    """The language of a file's text (its first few thousand characters), "und" when
    it cannot be told."""
    sample, n = [], 0
    for ch in chunks:
        sample.append(ch.text)
        n += len(ch.text)
        if n >= 2000:
            break
    guess = _lang.detect(" ".join(sample))
    return guess.code if guess.code != "und" and guess.confidence >= 0.5 else "und"


class _Session:
    """A marker file per open catalog, locked (``flock``) while the process lives.

    A marker whose lock can be taken belongs to a process that died without closing the
    catalog: only then is the integrity check worth its seconds. The kernel releases the
    lock of a killed process, so no pid guessing is needed.
    """

    try:
        import fcntl as _fcntl
    except ImportError:  # pragma: no cover - not POSIX: always check
        _fcntl = None
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
    def start(cls, db: Path) -> "_Session | None":
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

