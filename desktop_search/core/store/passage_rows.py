"""Every indexed document and its passages, read in one pass (copies and versions).

Finding the copies and versions among a whole library reads every passage once; these
reads keep that in one place, in file order, without building a row object per passage.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from desktop_search.core.store.catalog import Catalog


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """An indexed file with text: what a list of copies names."""

    id: int
    path: str
    size: int
    mtime_ns: int
    kind: str | None
    n_chunks: int
    inside: str | None = None   # JSON list: where the document is inside the file at path


class PassageRows:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def documents(self) -> list[DocumentRow]:
        """Every indexed file that has at least one passage."""
        rows = self.catalog.connection().execute(
            "SELECT id, path, size, mtime_ns, kind, n_chunks, inside FROM files "
            "WHERE state='indexed' AND n_chunks > 0 ORDER BY id")
        return [DocumentRow(*r) for r in rows]

    def passages(self, *, batch: int = 20_000) -> Iterator[tuple[int, int, str, bytes | None]]:
        """(passage id, file id, text, vector) of every passage, each file's in reading
        order; the vector is the answering model's (float16 bytes), None before it is made.

        Read in batches of files so no one statement holds a read snapshot for long."""
        conn = self.catalog.connection()
        last = -1
        while True:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM files WHERE id > ? AND state='indexed' AND n_chunks > 0 "
                "ORDER BY id LIMIT ?", (last, max(1, batch // 10)))]
            if not ids:
                return
            last = ids[-1]
            yield from conn.execute(
                "SELECT c.id, c.file_id, c.text, c.vector FROM chunks c WHERE c.file_id BETWEEN ? AND ? "
                "ORDER BY c.file_id, c.ord", (ids[0], ids[-1]))

    def of_files(self, file_ids: list[int]) -> tuple[dict[int, tuple[int, int, float | None]],
                                                      list[tuple[int, int, str, bytes | None]]]:
        """For these files: {id: (mtime_ns, n_chunks, indexed_at)} as they are now, then
        (passage id, file id, text, vector) of their passages, each file's in reading order
        (the stamps read first: a file changed in between is read again next time)."""
        conn = self.catalog.connection()
        marks = ",".join("?" * len(file_ids))
        stamps = {r[0]: tuple(r[1:]) for r in conn.execute(
            f"SELECT id, mtime_ns, n_chunks, indexed_at FROM files WHERE id IN ({marks}) "
            "AND state='indexed' AND n_chunks > 0", file_ids)}
        rows = conn.execute(f"SELECT id, file_id, text, vector FROM chunks WHERE file_id IN ({marks}) "
                            "ORDER BY file_id, ord", file_ids).fetchall()
        return stamps, rows
