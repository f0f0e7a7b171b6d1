"""The catalog's writes of files and their passages: each change of a file (indexed,
failed, copied, moved, touched, forgotten) is one transaction, and what it added and
dropped is logged for the word index (``Database.transaction``).
"""
from __future__ import annotations

import sqlite3
import time
from typing import Any, Iterable, Sequence

from desktop_search.core import lang
from desktop_search.core.store.rows import (ON_DISK, Inner, NewChunk)
from desktop_search.core.store.word_index import Source
from desktop_search.core.store.database import Database, where_in

_ON_DISK = ON_DISK


class FileWrites(Database):
    """One transaction per change of a file; the reads are ``Catalog``'s."""

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


    # -- documents inside a file (their reads: tables.MemberRows) -------------------------
    def drop_members(self, container_id: int, *, keep: Iterable[str] = ()) -> list[int]:
        """Forget the documents inside a file but those keyed ``keep``; returns the
        passages dropped."""
        keep = set(keep)
        with self.transaction() as c:
            gone = [r[0] for r in c.execute(
                "SELECT id, member FROM files WHERE container_id=?", (container_id,))
                if r[1] not in keep]
            ids = [r[0] for r in where_in(c, "SELECT id FROM chunks WHERE file_id IN ({})", gone)]
            self._drop_chunks(c, ids)
            for _ in where_in(c, "DELETE FROM files WHERE id IN ({})", gone):
                pass
            return ids


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
        for _ in where_in(c, "DELETE FROM chunks WHERE id IN ({})", ids):
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


def lang_of(texts: Sequence[str]) -> str:
    """The language a file's passages are stemmed for: its first thousand characters."""
    return lang.text_language(texts)
