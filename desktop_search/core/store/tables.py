"""The catalog's vector tables: the answering model's vectors, the next model's, pictures'.

Each class reads through the catalog's connection and writes through its transactions,
so a vector stored here is one commit like any other; ``Library`` is what calls them.
"""
from __future__ import annotations

import time
from typing import Iterable, Iterator, Sequence

import numpy as np

from desktop_search.core.store.catalog import Catalog
from desktop_search.core.meta import Meta
from desktop_search.core.store.rows import FILE_COLS, FileRow, Root, inside_json
from desktop_search.core.store.schema import NEXT_VECTORS


def _f16(vectors: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(vectors, dtype=np.float16)


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0, dtype=np.uint64), np.zeros((0, 0), dtype=np.float16)


class ChunkVectors:
    """``chunks.vector``: the vectors of the model that answers queries."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def unembedded(self, limit: int, *, after: int = 0) -> list[tuple[int, str, str]]:
        """(chunk id, heading, text) of chunks still waiting for a vector, oldest first
        (ids above ``after``)."""
        rows = self.catalog.connection().execute(
            "SELECT c.id, f.heading, c.text FROM chunks c JOIN files f ON f.id=c.file_id "
            "WHERE c.vector IS NULL AND c.id > ? ORDER BY c.id LIMIT ?", (after, limit)).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def count_unembedded(self) -> int:
        return int(self.catalog.connection().execute(
            "SELECT COUNT(*) FROM chunks WHERE vector IS NULL").fetchone()[0])

    def count_embedded(self) -> int:
        return int(self.catalog.connection().execute(
            "SELECT COUNT(*) FROM chunks WHERE vector IS NOT NULL").fetchone()[0])

    def store(self, ids: Sequence[int], vectors: np.ndarray) -> list[int]:
        """Store vectors; returns the ids that still existed (a file may have changed meanwhile)."""
        vecs = _f16(vectors)
        stored: list[int] = []
        with self.catalog.transaction() as c:
            for cid, v in zip(ids, vecs):
                cur = c.execute("UPDATE chunks SET vector=? WHERE id=? AND vector IS NULL",
                                (v.tobytes(), int(cid)))
                if cur.rowcount:
                    stored.append(int(cid))
            if stored:
                self.catalog.bump_generation(c)
                c.execute("INSERT INTO meta(key, value) VALUES('vectors_stored', ?) ON CONFLICT(key) "
                          "DO UPDATE SET value=CAST(value AS INTEGER) + ?", (len(stored), len(stored)))
        return stored

    def clear(self) -> None:
        with self.catalog.transaction() as c:
            c.execute("UPDATE chunks SET vector=NULL")
            self.catalog.bump_generation(c)

    def batches(self, batch: int = 20000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """All stored vectors as (ids uint64, vectors float16) batches."""
        last = -1
        conn = self.catalog.connection()
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
        rows = self.catalog.connection().execute(
            "SELECT id FROM chunks WHERE vector IS NOT NULL").fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows))

    def of(self, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of those of these passages that have one."""
        ids = [int(i) for i in ids]
        out_ids, out_vecs = [], []
        conn = self.catalog.connection()
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ",".join("?" * len(part))
            for cid, blob in conn.execute(
                    f"SELECT id, vector FROM chunks WHERE vector IS NOT NULL AND id IN ({marks})", part):
                out_ids.append(cid)
                out_vecs.append(np.frombuffer(blob, dtype=np.float16))
        if not out_ids:
            return _empty()
        return np.asarray(out_ids, dtype=np.uint64), np.stack(out_vecs)


class NextVectors:
    """``next_vectors``: a model switch in the background. The next model's vectors fill in
    while the current ones keep answering, and replace them in one transaction."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def model(self) -> tuple[str, int] | None:
        """(model id, dim) of the model the vectors are being switched to, if any."""
        mid = self.catalog.get_meta(Meta.NEXT_MODEL_ID)
        return (mid, int(self.catalog.get_meta(Meta.NEXT_DIM) or 0)) if mid else None

    def begin(self, model_id: str, dim: int) -> None:
        """Start (or resume, when it is the same model) re-embedding for model_id."""
        if self.model() == (model_id, dim):
            return
        with self.catalog.transaction() as c:
            c.execute(NEXT_VECTORS)
            c.execute("DELETE FROM next_vectors")
            self.catalog.set_meta(Meta.NEXT_MODEL_ID, model_id, conn=c)
            self.catalog.set_meta(Meta.NEXT_DIM, str(dim), conn=c)

    def cancel(self) -> None:
        with self.catalog.transaction() as c:
            c.execute(NEXT_VECTORS)
            c.execute("DELETE FROM next_vectors")
            c.execute("DELETE FROM meta WHERE key IN ('next_model_id', 'next_dim')")

    def unembedded(self, limit: int) -> list[tuple[int, str, str]]:
        """(chunk id, heading, text) of chunks the next model has not embedded yet."""
        rows = self.catalog.connection().execute(
            "SELECT c.id, f.heading, c.text FROM chunks c JOIN files f ON f.id=c.file_id "
            "WHERE NOT EXISTS (SELECT 1 FROM next_vectors n WHERE n.chunk_id=c.id) "
            "ORDER BY c.id LIMIT ?", (limit,)).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def progress(self) -> tuple[int, int]:
        """(chunks the next model has embedded, chunks in all)."""
        c = self.catalog.connection()
        return (c.execute("SELECT COUNT(*) FROM next_vectors").fetchone()[0],
                c.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def store(self, ids: Sequence[int], vectors: np.ndarray) -> int:
        n = 0
        with self.catalog.transaction() as c:
            for cid, v in zip(ids, _f16(vectors)):
                n += c.execute("INSERT OR REPLACE INTO next_vectors(chunk_id, vector) "
                               "SELECT id, ? FROM chunks WHERE id=?", (v.tobytes(), int(cid))).rowcount
        return n

    def promote(self) -> str:
        """The next model's vectors become the vectors, in one transaction (a kill before
        or after leaves one model's complete set). Returns the new model id."""
        nxt = self.model()
        if nxt is None:
            raise ValueError("no model change in progress")
        with self.catalog.transaction() as c:
            c.execute("UPDATE chunks SET vector=(SELECT n.vector FROM next_vectors n "
                      "WHERE n.chunk_id=chunks.id)")
            c.execute("DELETE FROM next_vectors")
            self.catalog.set_meta(Meta.MODEL_ID, nxt[0], conn=c)
            self.catalog.set_meta(Meta.DIM, str(nxt[1]), conn=c)
            c.execute("DELETE FROM meta WHERE key IN ('next_model_id', 'next_dim')")
            self.catalog.bump_generation(c)
        return nxt[0]


class PictureRows:
    """Pictures and scans: the OCR stage's queue and ``picture_vectors`` (one vector a file)."""

    _WAITING = ("FROM files f WHERE kind='picture' AND state='indexed' AND container_id IS NULL "
                "AND NOT EXISTS "
                "(SELECT 1 FROM picture_vectors p WHERE p.file_id=f.id)")

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def next_ocr(self) -> FileRow | None:
        """The oldest file waiting for OCR (the stage after text files and their vectors)."""
        row = self.catalog.connection().execute(
            f"SELECT {FILE_COLS} FROM files WHERE ocr='pending' AND state='indexed' "
            "AND container_id IS NULL "
            "ORDER BY id LIMIT 1").fetchone()
        return FileRow(*row) if row else None

    def count_ocr_pending(self) -> int:
        return int(self.catalog.connection().execute(
            "SELECT COUNT(*) FROM files WHERE ocr='pending' AND state='indexed'").fetchone()[0])

    def without_vector(self, limit: int) -> list[FileRow]:
        rows = self.catalog.connection().execute(
            f"SELECT {FILE_COLS} {self._WAITING} ORDER BY id LIMIT ?", (limit,)).fetchall()
        return [FileRow(*r) for r in rows]

    def count_without_vector(self) -> int:
        return int(self.catalog.connection().execute(f"SELECT COUNT(*) {self._WAITING}").fetchone()[0])

    def store(self, file_id: int, vector: np.ndarray, *, size: int, mtime_ns: int) -> bool:
        """Store a picture's vector unless the file changed meanwhile (then it is redone)."""
        blob = _f16(vector).tobytes()
        with self.catalog.transaction() as c:
            ok = c.execute("SELECT 1 FROM files WHERE id=? AND size=? AND mtime_ns=? AND "
                           "state='indexed'", (file_id, size, mtime_ns)).fetchone()
            if not ok:
                return False
            c.execute("INSERT OR REPLACE INTO picture_vectors(file_id, vector) VALUES(?, ?)",
                      (file_id, blob))
            return True

    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Every stored picture vector: (file ids uint64, vectors float16)."""
        rows = self.catalog.connection().execute(
            "SELECT p.file_id, p.vector FROM picture_vectors p JOIN files f ON f.id=p.file_id "
            "WHERE f.state='indexed'").fetchall()
        if not rows:
            return _empty()
        return (np.fromiter((r[0] for r in rows), dtype=np.uint64, count=len(rows)),
                np.stack([np.frombuffer(r[1], dtype=np.float16) for r in rows]))

    def vector(self, file_id: int) -> np.ndarray | None:
        row = self.catalog.connection().execute(
            "SELECT vector FROM picture_vectors WHERE file_id=?", (file_id,)).fetchone()
        return np.frombuffer(row[0], dtype=np.float16) if row else None

    def clear(self) -> None:
        with self.catalog.transaction() as c:
            c.execute("DELETE FROM picture_vectors")


class RootRows:
    """``roots``: the folders the user asked to index."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def add(self, path: str) -> int:
        with self.catalog.transaction() as c:
            c.execute("INSERT OR IGNORE INTO roots(path, added_at) VALUES(?, ?)", (path, time.time()))
            return int(c.execute("SELECT id FROM roots WHERE path=?", (path,)).fetchone()[0])

    def absorb(self, inner: str, *, into: str) -> None:
        """A new root that contains an older one takes over its files."""
        with self.catalog.transaction() as c:
            c.execute("UPDATE files SET root_id=(SELECT id FROM roots WHERE path=?) "
                      "WHERE root_id=(SELECT id FROM roots WHERE path=?)", (into, inner))
            c.execute("DELETE FROM roots WHERE path=?", (inner,))

    def all(self) -> list[Root]:
        """Every root with its count of indexed files."""
        rows = self.catalog.connection().execute(
            "SELECT r.id, r.path, r.paused, r.added_at, r.last_scan, "
            "(SELECT COUNT(*) FROM files f WHERE f.root_id=r.id AND f.state='indexed' "
            "AND f.container_id IS NULL) "
            "FROM roots r ORDER BY r.path").fetchall()
        return [Root(id=r[0], path=r[1], paused=bool(r[2]), added_at=r[3], last_scan=r[4],
                     files=r[5]) for r in rows]

    def brief(self) -> list[Root]:
        """Every root without its file count: cheap, for per-file decisions."""
        return [Root(id=r[0], path=r[1], paused=bool(r[2])) for r in self.catalog.connection().execute(
            "SELECT id, path, paused FROM roots")]

    def id_of(self, path: str) -> int | None:
        row = self.catalog.connection().execute("SELECT id FROM roots WHERE path=?", (path,)).fetchone()
        return row[0] if row else None

    def set_paused(self, path: str, paused: bool) -> None:
        with self.catalog.transaction() as c:
            c.execute("UPDATE roots SET paused=? WHERE path=?", (int(paused), path))

    def mark_scanned(self, root_id: int) -> None:
        with self.catalog.transaction() as c:
            c.execute("UPDATE roots SET last_scan=? WHERE id=?", (time.time(), root_id))


class MemberRows:
    """The documents inside files (archive members, messages, attachments): rows under
    their file's row, sharing its path (``container_id``, ``member``, ``inside``)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def of(self, container_id: int) -> dict[str, FileRow]:
        """The documents inside a file on disk, by their key there."""
        rows = self.catalog.connection().execute(
            f"SELECT {FILE_COLS} FROM files WHERE container_id=?", (container_id,))
        return {r[16]: FileRow(*r) for r in rows}

    def at(self, path: str, inside: Sequence[str]) -> FileRow | None:
        """The document at ``inside`` in the file at ``path`` (the file itself for [])."""
        if not inside:
            return self.catalog.get_file(path)
        row = self.catalog.connection().execute(
            f"SELECT {FILE_COLS} FROM files WHERE path=? AND inside=? AND container_id IS NOT "
            "NULL ORDER BY id LIMIT 1", (path, inside_json(inside))).fetchone()
        return FileRow(*row) if row else None

    def set_locator(self, file_id: int, locator: str) -> None:
        """Where a document inside a file now is (a mailbox compacted): nothing re-read."""
        with self.catalog.transaction() as c:
            c.execute("UPDATE files SET locator=? WHERE id=?", (locator, file_id))
