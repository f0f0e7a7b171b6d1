"""The catalog: SQLite (WAL) holding roots, files and passages. The truth, rows only.

The word, vector and picture indexes are fast copies of what is stored here and can be
rebuilt from it at any time, so a kill at any moment leaves a consistent state: each
file's change is one transaction, and the commit hook (``on_commit``) tells the word
index what the transaction added and dropped right after it commits. ``Library`` keeps
the copies in step; the vector columns are ``tables.ChunkVectors``. The class is layered:
``database.Database`` (connections, transactions, meta) under ``file_writes.FileWrites``
(one transaction per change of a file) under ``Catalog`` (the reads).
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from desktop_search.core.store.rows import (CONTAINER_KINDS, FAILED, FILE_COLS, INDEXED, ON_DISK, SKIPPED,
                                            CatalogStats, ChunkRow, FileRow, NewChunk)
from desktop_search.core.store.database import where_in
from desktop_search.core.store.file_writes import FileWrites, lang_of

__all__ = ["Catalog", "NewChunk", "lang_of"]

_FILE_COLS = FILE_COLS
_CHUNK_COLS = ("c.id, c.file_id, f.path, c.ord, c.start, c.end, c.page, c.line, {text}, "
               "f.kind, f.title, f.mtime_ns, f.size, f.ocr, f.taken, f.inside, f.sender, "
               "f.recipients")
_ON_DISK = ON_DISK


class Catalog(FileWrites):
    """The catalog's reads: files, passages, counts. Opening, transactions and meta are
    ``Database``'s, writes ``FileWrites``'."""

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


    def file_by_id(self, file_id: int) -> FileRow | None:
        row = self.connection().execute(f"SELECT {_FILE_COLS} FROM files WHERE id=?", (file_id,)).fetchone()
        return FileRow(*row) if row else None

    def files_by_ids(self, ids: Iterable[int]) -> dict[int, FileRow]:
        return {r[0]: FileRow(*r) for r in where_in(
            self.connection(), f"SELECT {_FILE_COLS} FROM files WHERE id IN ({{}})", ids)}


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
        return {r[0]: ChunkRow(*r) for r in where_in(
            self.connection(), f"SELECT {cols} FROM chunks c JOIN files f ON f.id=c.file_id "
            "WHERE c.id IN ({})", ids)}

    def chunk_files(self, ids: Iterable[int]) -> dict[int, int]:
        """Chunk id -> its file's id, in one batched read (what pooling candidates by file
        needs: a fraction of ``chunks(text=False)``'s cost)."""
        return dict(where_in(self.connection(), "SELECT id, file_id FROM chunks WHERE id IN ({})",
                             ids))

    def texts(self, ids: Iterable[int]) -> dict[int, str]:
        """The text of these passages (the few a result list shows)."""
        return dict(where_in(self.connection(), "SELECT id, text FROM chunks WHERE id IN ({})", ids))

    def headed_texts(self, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """(heading of its file, text) of these passages: what the model reads of them."""
        rows = where_in(self.connection(), "SELECT c.id, f.heading, c.text FROM chunks c "
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
        return {r[1]: ChunkRow(*r) for r in where_in(
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
