"""The catalog: SQLite (WAL) holding roots, files and passages. The truth, rows only.

The word, vector and picture indexes are fast copies of what is stored here and can be
rebuilt from it at any time, so a kill at any moment leaves a consistent state: each
file's change is one transaction, and the commit hook (``on_commit``) tells the word
index what the transaction added and dropped right after it commits. ``Library`` keeps
the copies in step; the vector columns are ``tables.ChunkVectors``.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence


from desktop_search.core import lang
from desktop_search.core.store import schema
from desktop_search.core.meta import Meta
from desktop_search.core.store.rows import (CONTAINER_KINDS, FAILED, FILE_COLS, INDEXED, SKIPPED,
                                            CatalogStats, ChunkRow, FileRow, Inner, NewChunk)
from desktop_search.core.store.session import Session
from desktop_search.core.store.word_index import Source
from desktop_search.errors import DesktopSearchError, IndexCorrupt

log = logging.getLogger(__name__)

_FILE_COLS = FILE_COLS
_CHUNK_COLS = ("c.id, c.file_id, f.path, c.ord, c.start, c.end, c.page, c.line, {text}, "
               "f.kind, f.title, f.mtime_ns, f.size, f.ocr, f.taken, f.inside, f.sender, "
               "f.recipients")
#: a file on disk (documents inside it share its path)
_ON_DISK = "container_id IS NULL"


#: how a durable commit (one that ends a batch of files) is synced; NORMAL for the others
DURABLE_SYNC = "FULL"

class Catalog:
    """Thread-safe: each thread reads through its own connection; writes are serialized."""

    def __init__(self, path: Path, *, migrate: bool = True, check: bool | None = None) -> None:
        """Open (or create) the catalog. With ``migrate=False`` an older layout raises
        ``CatalogNeedsUpgrade`` instead of being upgraded (a reader must not write while
        another process owns the data folder).

        ``check`` runs SQLite's ``quick_check`` (seconds at a million passages): by default
        only when a process that had the catalog open died without closing it.
        """
        self.path = Path(path)
        self.read_only = not migrate
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._conns: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._session: Session | None = None
        self._tx_added: list[Source] = []
        self._tx_dropped: list[int] = []
        #: told (passages added, passage ids dropped) after each outermost commit, still
        #: under the write lock: the word index follows the catalog through it
        self.on_commit: Callable[[list[Source], list[int]], None] | None = None
        #: called after the write lock is released when a commit changed passages
        self.after_commit: Callable[[], None] | None = None
        unclean = Session.reap_stale(self.path)
        #: whether this open ran the integrity check (after an unclean shutdown, or asked)
        self.checked = bool(check) if check is not None else (unclean or not Session.supported)
        try:
            conn = self.connection()
            ok = conn.execute("PRAGMA quick_check").fetchone()[0] if self.checked else "ok"
            if ok == "ok":
                schema.ensure_current(conn, path=self.path, migrate=migrate,
                                      transaction=self.transaction)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise IndexCorrupt(f"the catalog {self.path} is damaged: {exc}") from None
        except DesktopSearchError:
            self.close()
            raise
        if ok != "ok":
            self.close()
            raise IndexCorrupt(f"the catalog {self.path} is damaged: {ok}")
        self._session = Session.start(self.path)

    def quick_check(self) -> str:
        """SQLite's own structural check: "ok", or what is damaged (for ``doctor``)."""
        try:
            return str(self.connection().execute("PRAGMA quick_check").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            return str(exc)

    # -- connections -------------------------------------------------------------------
    def connection(self) -> sqlite3.Connection:
        """This thread's connection, for reads by the store's own table classes."""
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

    @property
    def write_lock(self) -> threading.RLock:
        """Held by every write; a copy that must not see a half-applied change takes it."""
        return self._write_lock

    def close(self) -> None:
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
    def transaction(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """One atomic write. Nested in another (a batch of files), it is a savepoint:
        its failure undoes only itself, and the outer one commits everything at once.
        The word index follows once the outermost one has committed.

        ``durable``: the commit is on disk when this returns (``synchronous=FULL`` for it:
        the WAL is fsynced, with every commit before it). Other commits are ``NORMAL``: a
        power cut (not a kill: the OS keeps what was written) may roll back those made since
        the last durable one or checkpoint: vectors and notes, made again on the next run."""
        added: list[Source] = []
        dropped: list[int] = []
        with self._write_lock:
            conn = self.connection()
            depth = getattr(self._local, "depth", 0)
            name = f"sp{depth}"
            if depth:
                marks = (len(self._tx_added), len(self._tx_dropped))
                conn.execute(f"SAVEPOINT {name}")
            else:
                self._tx_added = []
                self._tx_dropped = []
                if durable:
                    conn.execute(f"PRAGMA synchronous={DURABLE_SYNC}")
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
                    if (added or dropped) and self.on_commit is not None:
                        self.on_commit(added, dropped)
            finally:
                self._local.depth = depth
                if durable and not depth:
                    conn.execute("PRAGMA synchronous=NORMAL")
        if (added or dropped) and self.after_commit is not None:
            self.after_commit()

    # -- meta ----------------------------------------------------------------------------
    def get_meta(self, key: Meta | str, default: str | None = None) -> str | None:
        """The raw accessor (the store's tables); elsewhere ``Library.meta``."""
        name = key.value if isinstance(key, Meta) else key
        row = self.connection().execute("SELECT value FROM meta WHERE key=?", (name,)).fetchone()
        return str(row[0]) if row else default

    def set_meta(self, key: Meta | str, value: str, conn: sqlite3.Connection | None = None) -> None:
        name = key.value if isinstance(key, Meta) else key
        sql = "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value"
        if conn is not None:
            conn.execute(sql, (name, value))
        else:
            with self.transaction() as c:
                c.execute(sql, (name, value))

    def vector_generation(self) -> int:
        return int(self.get_meta(Meta.VECTOR_GENERATION, "0") or 0)

    def bump_generation(self, conn: sqlite3.Connection) -> None:
        """Every change of what the vector index must hold moves this (inside a write)."""
        conn.execute(
            "INSERT INTO meta(key, value) VALUES('vector_generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value=CAST(value AS INTEGER) + 1")

    # -- roots (their rows are tables.RootRows; forgetting one drops its files) ----------
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
        """The row of the file on disk at ``path`` (not of a document inside it)."""
        row = self.connection().execute(
            f"SELECT {_FILE_COLS} FROM files WHERE path=? AND {_ON_DISK}", (path,)).fetchone()
        return FileRow(*row) if row else None

    def files_of_root(self, root_id: int) -> dict[str, FileRow]:
        rows = self.connection().execute(
            f"SELECT {_FILE_COLS} FROM files WHERE root_id=? AND {_ON_DISK}", (root_id,))
        return {r[1]: FileRow(*r) for r in rows}

    def files_by_hash(self, digest: str) -> list[FileRow]:
        rows = self.connection().execute(
            f"SELECT {_FILE_COLS} FROM files WHERE hash=? AND {_ON_DISK}", (digest,))
        return [FileRow(*r) for r in rows]

    def failed_files(self) -> list[FileRow]:
        """Files, and documents inside files, that are not indexed, with why."""
        rows = self.connection().execute(
            f"SELECT {_FILE_COLS} FROM files WHERE state IN ('failed', 'skipped') "
            "ORDER BY path, container_id IS NOT NULL, id")
        return [FileRow(*r) for r in rows]

    # -- documents inside a file (their reads: tables.MemberRows) -------------------------
    def drop_members(self, container_id: int, *, keep: Iterable[str] = ()) -> list[int]:
        """Forget the documents inside a file but those keyed ``keep``; returns the
        passages dropped."""
        keep = set(keep)
        with self.transaction() as c:
            gone = [r[0] for r in c.execute(
                "SELECT id, member FROM files WHERE container_id=?", (container_id,))
                if r[1] not in keep]
            ids = [r[0] for r in _where_in(c, "SELECT id FROM chunks WHERE file_id IN ({})", gone)]
            self._drop_chunks(c, ids)
            for _ in _where_in(c, "DELETE FROM files WHERE id IN ({})", gone):
                pass
            return ids

    def file_by_id(self, file_id: int) -> FileRow | None:
        row = self.connection().execute(f"SELECT {_FILE_COLS} FROM files WHERE id=?", (file_id,)).fetchone()
        return FileRow(*row) if row else None

    def files_by_ids(self, ids: Iterable[int]) -> dict[int, FileRow]:
        return {r[0]: FileRow(*r) for r in _where_in(
            self.connection(), f"SELECT {_FILE_COLS} FROM files WHERE id IN ({{}})", ids)}

    def _delete_where(self, c: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> list[int]:
        ids = [r[0] for r in c.execute(
            f"SELECT c.id FROM chunks c JOIN files f ON f.id=c.file_id WHERE f.{where}",
            args)]
        self._drop_chunks(c, ids)
        c.execute(f"DELETE FROM files WHERE {where}", args)
        return ids

    def _drop_chunks(self, c: sqlite3.Connection, ids: Sequence[int]) -> None:
        if not ids:
            return
        for _ in _where_in(c, "DELETE FROM chunks WHERE id IN ({})", ids):
            pass
        self._tx_dropped.extend(int(i) for i in ids)
        self.bump_generation(c)

    def put_file(self, *, path: str, root_id: int | None, size: int, mtime_ns: int,
                 digest: str | None, kind: str | None, title: str | None, heading: str,
                 chunks: Sequence[NewChunk], ocr: str | None = None, taken: float | None = None,
                 camera: str | None = None, keep_picture_vector: bool = False,
                 lang: str | None = None, inner: Inner | None = None,
                 keep_members: bool = False) -> tuple[int, list[int]]:
        """Replace a file's chunks in one transaction. Returns (file id, dropped chunk ids).

        New chunks have no vector yet: they are searchable by words at once and the
        embedder fills their vectors from the backlog (``unembedded``). ``ocr`` says whether
        (and when) the words come from OCR; the OCR stage passes ``keep_picture_vector``
        because the picture itself did not change. ``lang`` (ISO 639-1) picks the word
        index's stemmer; guessed from the text when not given. ``inner`` makes it a
        document inside the file at ``path`` (found again by its key there); a file on
        disk drops the documents it held unless ``keep_members``.
        """
        if lang is None:
            lang = lang_of([ch.text for ch in chunks])
        inner = inner or Inner()
        with self.transaction() as c:
            old = self._find(c, path, inner)
            dropped: list[int] = []
            if old:
                dropped = [r[0] for r in c.execute("SELECT id FROM chunks WHERE file_id=?", (old[0],))]
                self._drop_chunks(c, dropped)
                c.execute(
                    "UPDATE files SET root_id=?, size=?, mtime_ns=?, hash=?, kind=?, title=?, heading=?, "
                    "lang=?, state='indexed', error=NULL, attempts=0, indexed_at=?, n_chunks=?, ocr=?, "
                    "taken=?, camera=?, inside=?, locator=?, sender=?, recipients=? WHERE id=?",
                    (root_id, size, mtime_ns, digest, kind, title, heading, lang, time.time(),
                     len(chunks), ocr, taken, camera, inner.inside, inner.locator, inner.sender,
                     inner.recipients, old[0]))
                file_id = old[0]
                if not keep_picture_vector:
                    c.execute("DELETE FROM picture_vectors WHERE file_id=?", (file_id,))
            else:
                file_id = c.execute(
                    "INSERT INTO files(path, root_id, size, mtime_ns, hash, kind, title, heading, lang, "
                    "state, indexed_at, n_chunks, ocr, taken, camera, container_id, member, inside, "
                    "locator, sender, recipients) "
                    "VALUES(?,?,?,?,?,?,?,?,?, 'indexed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (path, root_id, size, mtime_ns, digest, kind, title, heading, lang, time.time(),
                     len(chunks), ocr, taken, camera, inner.container_id, inner.member,
                     inner.inside, inner.locator, inner.sender, inner.recipients)).lastrowid or 0
            if inner.container_id is None and not keep_members:
                dropped += self._drop_members(c, file_id)
            for i, ch in enumerate(chunks):
                cid = c.execute(
                    "INSERT INTO chunks(file_id, ord, start, end, page, line, text) VALUES(?,?,?,?,?,?,?)",
                    (file_id, i, ch.start, ch.end, ch.page, ch.line, ch.text)).lastrowid or 0
                self._tx_added.append(Source(cid, ch.text, heading if i == 0 else "", lang))
            return file_id, dropped

    def put_failure(self, *, path: str, root_id: int | None, size: int, mtime_ns: int,
                    digest: str | None, kind: str | None, state: str, error: str,
                    inner: Inner | None = None) -> list[int]:
        """Record why a file (or, with ``inner``, a document inside it) is not indexed;
        its old chunks, and a file's documents, are dropped."""
        inner = inner or Inner()
        with self.transaction() as c:
            old = self._find(c, path, inner)
            dropped: list[int] = []
            if old:
                own = [r[0] for r in c.execute("SELECT id FROM chunks WHERE file_id=?", (old[0],))]
                self._drop_chunks(c, own)
                dropped += own
                if inner.container_id is None:
                    dropped += self._drop_members(c, old[0])
                c.execute(
                    "UPDATE files SET root_id=?, size=?, mtime_ns=?, hash=?, kind=?, state=?, error=?, "
                    "attempts=attempts+1, indexed_at=?, n_chunks=0, title=NULL, ocr=NULL WHERE id=?",
                    (root_id, size, mtime_ns, digest, kind, state, error, time.time(), old[0]))
                c.execute("DELETE FROM picture_vectors WHERE file_id=?", (old[0],))
            else:
                c.execute(
                    "INSERT INTO files(path, root_id, size, mtime_ns, hash, kind, state, error, attempts, "
                    "indexed_at, container_id, member, inside, locator) VALUES(?,?,?,?,?,?,?,?,1,?,?,?,?,?)",
                    (path, root_id, size, mtime_ns, digest, kind, state, error, time.time(),
                     inner.container_id, inner.member, inner.inside, inner.locator))
            return dropped

    def _find(self, c: sqlite3.Connection, path: str, inner: Inner) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None
        if inner.container_id is None:
            row = c.execute(f"SELECT id FROM files WHERE path=? AND {_ON_DISK}", (path,)).fetchone()
        else:
            row = c.execute("SELECT id FROM files WHERE container_id=? AND member=?",
                            (inner.container_id, inner.member)).fetchone()
        return row

    def _drop_members(self, c: sqlite3.Connection, container_id: int) -> list[int]:
        ids = [r[0] for r in c.execute(
            "SELECT c.id FROM chunks c JOIN files f ON f.id=c.file_id WHERE f.container_id=?",
            (container_id,))]
        self._drop_chunks(c, ids)
        c.execute("DELETE FROM files WHERE container_id=?", (container_id,))
        return ids

    def clone_file(self, src_id: int, *, path: str, root_id: int | None, size: int,
                   mtime_ns: int) -> list[int] | None:
        """Copy a file's chunks (vectors included), and the documents inside it, to a new
        path with the same bytes."""
        with self.transaction() as c:
            if not c.execute(f"SELECT 1 FROM files WHERE id=? AND state='indexed' AND {_ON_DISK}",
                             (src_id,)).fetchone() or c.execute(
                    f"SELECT 1 FROM files WHERE path=? AND {_ON_DISK}", (path,)).fetchone():
                return None
            fid, new_ids = self._copy_row(c, src_id, path=path, root_id=root_id, size=size,
                                          mtime_ns=mtime_ns, container_id=None)
            for (member_id,) in c.execute("SELECT id FROM files WHERE container_id=? ORDER BY id",
                                          (src_id,)).fetchall():
                new_ids += self._copy_row(c, member_id, path=path, root_id=root_id, size=None,
                                          mtime_ns=None, container_id=fid)[1]
            self.bump_generation(c)
            return new_ids

    _COPIED = ("hash, kind, title, heading, state, error, attempts, n_chunks, ocr, taken, camera, "
               "lang, member, inside, locator, sender, recipients")

    def _copy_row(self, c: sqlite3.Connection, src_id: int, *, path: str, root_id: int | None,
                  size: int | None, mtime_ns: int | None,
                  container_id: int | None) -> tuple[int, list[int]]:
        """One row and its chunks (vectors included) copied; a member keeps its own size
        and date."""
        fid = c.execute(
            f"INSERT INTO files(path, root_id, size, mtime_ns, indexed_at, container_id, "
            f"{self._COPIED}) SELECT ?, ?, COALESCE(?, size), COALESCE(?, mtime_ns), ?, ?, "
            f"{self._COPIED} FROM files WHERE id=?",
            (path, root_id, size, mtime_ns, time.time(), container_id, src_id)).lastrowid or 0
        heading, lang = c.execute("SELECT heading, lang FROM files WHERE id=?", (fid,)).fetchone()
        c.execute("INSERT INTO picture_vectors(file_id, vector) SELECT ?, vector FROM "
                  "picture_vectors WHERE file_id=?", (fid, src_id))
        new_ids: list[int] = []
        rows = c.execute("SELECT ord, start, end, page, line, text, vector FROM chunks "
                         "WHERE file_id=? ORDER BY ord", (src_id,)).fetchall()
        for r in rows:
            cid = c.execute("INSERT INTO chunks(file_id, ord, start, end, page, line, text, vector) "
                            "VALUES(?,?,?,?,?,?,?,?)", (fid, *r)).lastrowid or 0
            self._tx_added.append(Source(cid, r[5], heading if r[0] == 0 else "", lang))
            new_ids.append(cid)
        return fid, new_ids

    def touch_file(self, path: str, *, size: int, mtime_ns: int) -> None:
        with self.transaction() as c:
            c.execute(f"UPDATE files SET size=?, mtime_ns=? WHERE path=? AND {_ON_DISK}",
                      (size, mtime_ns, path))

    def delete_file(self, path: str) -> list[int]:
        with self.transaction() as c:
            return self._delete_where(c, "path=?", (path,))

    def move_file(self, old: str, new: str, *, root_id: int | None, size: int | None = None,
                  mtime_ns: int | None = None) -> bool:
        """Re-point a file (rename/move) and the documents inside it: their chunks and
        vectors are kept."""
        with self.transaction() as c:
            row = c.execute(f"SELECT id FROM files WHERE path=? AND {_ON_DISK}", (old,)).fetchone()
            if not row:
                return False
            self._delete_where(c, "path=?", (new,))
            c.execute("UPDATE files SET path=?, root_id=? WHERE id=? OR container_id=?",
                      (new, root_id, row[0], row[0]))
            if size is not None and mtime_ns is not None:
                c.execute("UPDATE files SET size=?, mtime_ns=? WHERE id=?", (size, mtime_ns, row[0]))
            return True

    def paths_under(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/\\") + "/"
        rows = self.connection().execute(
            f"SELECT path FROM files WHERE substr(path, 1, ?) = ? AND {_ON_DISK}",
            (len(prefix), prefix))
        return [r[0] for r in rows]

    # -- passages ------------------------------------------------------------------------
    def chunks(self, ids: Iterable[int], *, text: bool = True) -> dict[int, ChunkRow]:
        """Rows of these chunks in one batched read; ``text=False`` leaves their text empty
        (ranking hundreds of candidates needs only where each one is)."""
        cols = _CHUNK_COLS.format(text="c.text" if text else "''")
        return {r[0]: ChunkRow(*r) for r in _where_in(
            self.connection(), f"SELECT {cols} FROM chunks c JOIN files f ON f.id=c.file_id "
            "WHERE c.id IN ({})", ids)}

    def texts(self, ids: Iterable[int]) -> dict[int, str]:
        """The text of these passages (the few a result list shows)."""
        return dict(_where_in(self.connection(), "SELECT id, text FROM chunks WHERE id IN ({})", ids))

    def headed_texts(self, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """(heading of its file, text) of these passages: what the model reads of them."""
        rows = _where_in(self.connection(), "SELECT c.id, f.heading, c.text FROM chunks c "
                         "JOIN files f ON f.id=c.file_id WHERE c.id IN ({})", ids)
        return {cid: (heading or "", text) for cid, heading, text in rows}

    def chunks_of_file(self, file_id: int) -> list[ChunkRow]:
        cols = _CHUNK_COLS.format(text="c.text")
        rows = self.connection().execute(
            f"SELECT {cols} FROM chunks c JOIN files f ON f.id=c.file_id WHERE c.file_id=? "
            "ORDER BY c.ord", (file_id,)).fetchall()
        return [ChunkRow(*r) for r in rows]

    def first_chunks(self, file_ids: Iterable[int]) -> dict[int, ChunkRow]:
        """Each file's first passage, in one batched read (picture hits show it)."""
        cols = _CHUNK_COLS.format(text="c.text")
        return {r[1]: ChunkRow(*r) for r in _where_in(
            self.connection(), f"SELECT {cols} FROM chunks c JOIN files f ON f.id=c.file_id "
            "WHERE c.ord=0 AND c.file_id IN ({})", file_ids)}

    def newest_first_passages(self, *, kinds: Sequence[str], after: float | None,
                              before: float | None, limit: int) -> list[ChunkRow]:
        """The first passage of the newest indexed files (by the date that matters: a
        photo's taken, a message's sent, else modified), for a query that is only
        filters ("pdfs from 2021")."""
        when = "COALESCE(f.taken, f.mtime_ns / 1e9)"
        where = ["c.ord=0", "f.state='indexed'"]
        args: list[Any] = []
        if kinds:
            where.append(f"f.kind IN ({','.join('?' * len(kinds))})")
            args += list(kinds)
        if after is not None:
            where.append(f"{when} >= ?")
            args.append(after)
        if before is not None:
            where.append(f"{when} < ?")
            args.append(before)
        cols = _CHUNK_COLS.format(text="c.text")
        rows = self.connection().execute(
            f"SELECT {cols} FROM chunks c JOIN files f ON f.id=c.file_id "
            f"WHERE {' AND '.join(where)} ORDER BY {when} DESC LIMIT ?", (*args, limit))
        return [ChunkRow(*r) for r in rows]

    def sample_passages(self, n: int) -> list[str]:
        """Up to n passages spread evenly over the chunk ids (primary-key lookups)."""
        conn = self.connection()
        lo, hi = conn.execute("SELECT MIN(id), MAX(id) FROM chunks").fetchone()
        if lo is None:
            return []
        step = max(1, (hi - lo + 1) // n)
        ids = list(range(lo, hi + 1, step))[:n]
        return list(self.texts(ids).values())

    def max_chunk_id(self) -> int:
        return int(self.connection().execute("SELECT MAX(id) FROM chunks").fetchone()[0] or 0)

    def count_chunks(self) -> int:
        return int(self.connection().execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    # -- checks and status ---------------------------------------------------------------
    def count_duplicate_paths(self) -> int:
        return int(self.connection().execute(
            f"SELECT COUNT(*) FROM (SELECT path FROM files WHERE {_ON_DISK} GROUP BY path "
            "HAVING COUNT(*) > 1)"
        ).fetchone()[0])

    def stats(self) -> CatalogStats:
        c = self.connection()
        files = dict(c.execute(f"SELECT state, COUNT(*) FROM files WHERE {_ON_DISK} "
                               "GROUP BY state").fetchall())
        n_chunks = c.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return CatalogStats(files_indexed=files.get(INDEXED, 0), files_failed=files.get(FAILED, 0),
                            files_skipped=files.get(SKIPPED, 0), chunks=n_chunks,
                            chunks_unembedded=self.connection().execute(
                                "SELECT COUNT(*) FROM chunks WHERE vector IS NULL").fetchone()[0])

    def kinds(self) -> list[str]:
        return [r[0] for r in self.connection().execute(
            "SELECT DISTINCT kind FROM files WHERE state='indexed' AND kind IS NOT NULL "
            f"AND kind NOT IN ({','.join(repr(k) for k in CONTAINER_KINDS)}) ORDER BY kind")]



def _where_in(conn: sqlite3.Connection, sql: str, ids: Iterable[int]) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` (its ``{}`` the placeholders) over ids, 500 a statement."""
    ids = [int(i) for i in ids]
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        yield from conn.execute(sql.format(",".join("?" * len(part))), part)


def lang_of(texts: Sequence[str]) -> str:
    """The language a file's passages are stemmed for: its first few thousand characters."""
    return lang.text_language(texts)
