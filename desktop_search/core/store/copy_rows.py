"""The copies-and-versions look's own state in the catalog (layout 6, ``copy_*`` tables).

- ``copy_docs``: per indexed document, what it was when last read (mtime, passages,
  indexing time, vectors), its passages' fingerprints in order (``hashes``, int64), the
  fingerprint of that sequence (``text_hash``: the same for copies) and its unit mean
  passage vector (float16, NULL before any vector).
- ``copy_passages``: fingerprint -> document (each distinct one once), so "who else has
  this passage" is an index lookup, not a pass over the library.
- ``copy_looked``: texts already compared against the index (``complete``: with all
  their vectors).
- ``copy_links``: two texts found to be versions of each other (a < b).

Links name texts, not files: a copy renamed, moved or deleted while another copy of its
text stays keeps its group. Rows of a deleted file go with it (ON DELETE CASCADE).
"""
from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import numpy as np

from desktop_search.core.store.catalog import Catalog
from desktop_search.core.store.passage_rows import DocumentRow

#: meta key: the vector model the stored means were made with (another one: start over)
MODEL_KEY = "copies_model"


@dataclass(frozen=True, slots=True)
class Signature:
    """One document as the look keeps it."""

    file_id: int
    mtime_ns: int
    n_chunks: int
    indexed_at: float | None
    n_vectors: int
    hashes: np.ndarray            # int64, one per passage, reading order
    mean: np.ndarray | None       # float32 unit vector, None before any vector

    @property
    def text_hash(self) -> int:
        return text_hash(self.hashes)


def text_hash(hashes: np.ndarray) -> int:
    """The fingerprint of a sequence of passage fingerprints: equal for copies."""
    d = hashlib.blake2b(np.ascontiguousarray(hashes, dtype=np.int64).tobytes(), digest_size=8)
    return int.from_bytes(d.digest(), "little", signed=True)


def as_hashes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.int64)


def _where_in(conn: sqlite3.Connection, sql: str, ids: Iterable[int]) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` (its ``{}`` the placeholders) over ids, 500 a statement."""
    ids = [int(i) for i in ids]
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        yield from conn.execute(sql.format(",".join("?" * len(part))), part)


class CopyRows:
    """Reads and writes of the ``copy_*`` tables (the look in ``search.copies_look``)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def _conn(self) -> sqlite3.Connection:
        return self.catalog.connection()

    # -- keeping up with the files ---------------------------------------------------------
    def start(self, model_id: str | None) -> None:
        """Forget everything when the vectors are another model's than last time."""
        if (self.catalog.get_meta(MODEL_KEY) or "") != (model_id or ""):
            self.reset(model_id)

    def reset(self, model_id: str | None = None) -> None:
        """Forget every look (the next one reads and compares the whole index)."""
        with self.catalog.transaction() as c:
            for table in ("copy_passages", "copy_docs", "copy_looked", "copy_links"):
                c.execute(f"DELETE FROM {table}")
            self.catalog.set_meta(MODEL_KEY, model_id or "", conn=c)

    def drop_gone(self) -> int:
        """Forget documents that are no longer indexed with text; returns how many."""
        gone = "SELECT id FROM files WHERE state != 'indexed' OR n_chunks = 0"
        with self.catalog.transaction() as c:
            c.execute(f"DELETE FROM copy_passages WHERE file_id IN ({gone})")
            return c.execute(f"DELETE FROM copy_docs WHERE file_id IN ({gone})").rowcount

    def changed(self) -> list[tuple[int, int]]:
        """(file id, passages) of the documents new or changed since they were last read,
        and of those read before all their vectors were made that have more now."""
        conn = self._conn()
        ids = [(r[0], r[1]) for r in conn.execute(
            "SELECT f.id, f.n_chunks FROM files f LEFT JOIN copy_docs d ON d.file_id = f.id "
            "WHERE f.state = 'indexed' AND f.n_chunks > 0 AND (d.file_id IS NULL "
            "OR d.mtime_ns != f.mtime_ns OR d.n_chunks != f.n_chunks "
            "OR d.indexed_at IS NOT f.indexed_at)")]
        have = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT file_id, n_vectors, n_chunks FROM copy_docs WHERE n_vectors < n_chunks")}
        if have:
            more = _where_in(conn, "SELECT file_id, COUNT(vector) FROM chunks "
                             "WHERE file_id IN ({}) GROUP BY file_id", have)
            ids += [(fid, have[fid][1]) for fid, n in more if n > have[fid][0]]
        return sorted(set(ids))

    def put(self, sigs: list[Signature]) -> set[int]:
        """Store these documents' signatures; returns the texts they had before (a text
        that left every document must be let go: ``let_go_vanished``)."""
        if not sigs:
            return set()
        with self.catalog.transaction() as c:
            ids = [s.file_id for s in sigs]
            before = {r[0] for r in _where_in(
                c, "SELECT text_hash FROM copy_docs WHERE file_id IN ({})", ids)}
            list(_where_in(c, "DELETE FROM copy_passages WHERE file_id IN ({})", ids))
            c.executemany(
                "INSERT OR REPLACE INTO copy_docs(file_id, mtime_ns, n_chunks, indexed_at, "
                "n_vectors, text_hash, hashes, mean) VALUES(?,?,?,?,?,?,?,?)",
                [(s.file_id, s.mtime_ns, s.n_chunks, s.indexed_at, s.n_vectors, s.text_hash,
                  np.ascontiguousarray(s.hashes, np.int64).tobytes(),
                  None if s.mean is None else s.mean.astype(np.float16).tobytes())
                 for s in sigs])
            c.executemany("INSERT INTO copy_passages(hash, file_id) VALUES(?, ?)",
                          [(h, s.file_id) for s in sigs for h in set(s.hashes.tolist())])
        return before

    def let_go_vanished(self) -> int:
        """Texts no document has any more: their links go, and the texts they were linked
        to are compared again (two versions joined only through a deleted third one may
        still be versions of each other). Returns how many texts were let go."""
        alive = "SELECT text_hash FROM copy_docs"
        with self.catalog.transaction() as c:
            dead = [r for r in c.execute(
                f"SELECT a, b FROM copy_links WHERE a NOT IN ({alive}) OR b NOT IN ({alive})")]
            again = {t for pair in dead for t in pair}
            list(_where_in(c, "DELETE FROM copy_looked WHERE text_hash IN ({})", again))
            c.executemany("DELETE FROM copy_links WHERE a=? AND b=?", dead)
            gone = c.execute(f"DELETE FROM copy_looked WHERE text_hash NOT IN ({alive})").rowcount
        return gone + len(again)

    # -- what to compare -----------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        """(texts, texts already compared)."""
        conn = self._conn()
        texts = conn.execute("SELECT COUNT(DISTINCT text_hash) FROM copy_docs").fetchone()[0]
        looked = conn.execute("SELECT COUNT(*) FROM copy_looked").fetchone()[0]
        return int(texts), int(looked)

    def texts_to_compare(self) -> list[int]:
        """Texts not yet compared, or compared before all their vectors were made."""
        return [r[0] for r in self._conn().execute(
            "SELECT DISTINCT d.text_hash FROM copy_docs d LEFT JOIN copy_looked l "
            "ON l.text_hash = d.text_hash WHERE l.text_hash IS NULL "
            "OR (l.complete = 0 AND d.n_vectors = d.n_chunks) ORDER BY d.text_hash")]

    def reps(self, texts: Iterable[int] | None = None) -> Iterator[tuple[int, int, bytes, bytes | None, int]]:
        """(text, file id of its newest document, hashes, mean, complete) for these texts
        (all when None), in text order."""
        sql = ("SELECT d.text_hash, d.file_id, d.hashes, d.mean, d.n_vectors = d.n_chunks "
               "FROM copy_docs d JOIN files f ON f.id = d.file_id {where} "
               "ORDER BY d.text_hash, f.mtime_ns DESC, f.path")
        rows = (self._conn().execute(sql.format(where="")) if texts is None else
                _where_in(self._conn(), sql.format(where="WHERE d.text_hash IN ({})"), texts))
        last = None
        for row in rows:
            if row[0] != last:
                last = row[0]
                yield row

    def means(self, block: int = 20_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(texts, float16 unit mean vectors) of every text with a vector, a block at a time."""
        conn = self._conn()
        last = None
        while True:
            rows = conn.execute(
                "SELECT text_hash, mean FROM copy_docs WHERE mean IS NOT NULL "
                + ("" if last is None else "AND text_hash > ? ")
                + "GROUP BY text_hash ORDER BY text_hash LIMIT ?",
                (block,) if last is None else (last, block)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield (np.fromiter((r[0] for r in rows), np.int64, len(rows)),
                   np.frombuffer(b"".join(r[1] for r in rows), np.float16).reshape(len(rows), -1))

    def postings(self, hashes: Iterable[int]) -> dict[int, set[int]]:
        """For each passage fingerprint, the texts that hold it."""
        out: dict[int, set[int]] = {}
        for h, t in _where_in(self._conn(), "SELECT DISTINCT p.hash, d.text_hash FROM copy_passages p "
                              "JOIN copy_docs d ON d.file_id = p.file_id WHERE p.hash IN ({})",
                              set(int(x) for x in hashes)):
            out.setdefault(h, set()).add(t)
        return out

    # -- what was found --------------------------------------------------------------------
    def mark_looked(self, texts: Iterable[tuple[int, bool]], links: Iterable[tuple[int, int]]) -> None:
        with self.catalog.transaction() as c:
            c.executemany("INSERT OR IGNORE INTO copy_links(a, b) VALUES(?, ?)",
                          [(min(a, b), max(a, b)) for a, b in links])
            c.executemany("INSERT OR REPLACE INTO copy_looked(text_hash, complete) VALUES(?, ?)",
                          [(t, int(done)) for t, done in texts])

    def forget_looks(self) -> None:
        """Start the comparing over (a look of the whole index)."""
        with self.catalog.transaction() as c:
            c.execute("DELETE FROM copy_links")
            c.execute("DELETE FROM copy_looked")

    def links(self) -> list[tuple[int, int]]:
        return [(a, b) for a, b in self._conn().execute("SELECT a, b FROM copy_links")]

    def grouped(self) -> list[tuple[DocumentRow, int, bytes]]:
        """(document, text, hashes) of every document with a copy or a version."""
        conn = self._conn()
        texts = {r[0] for r in conn.execute(
            "SELECT text_hash FROM copy_docs GROUP BY text_hash HAVING COUNT(*) > 1")}
        texts.update(t for pair in self.links() for t in pair)
        return [(DocumentRow(*r[:7]), r[7], r[8]) for r in _where_in(
            conn, "SELECT f.id, f.path, f.size, f.mtime_ns, f.kind, f.n_chunks, f.inside, "
            "d.text_hash, d.hashes FROM copy_docs d JOIN files f ON f.id = d.file_id "
            "WHERE d.text_hash IN ({})", texts)]

    def vectors_of(self, file_id: int) -> tuple[list[int], list[bytes | None]]:
        """(passage ids, float16 vector bytes or None) of one document, in reading order."""
        rows = self._conn().execute("SELECT id, vector FROM chunks WHERE file_id=? ORDER BY ord",
                                    (file_id,)).fetchall()
        return [r[0] for r in rows], [r[1] for r in rows]
