"""Indexed documents and their passages as the copies-and-versions look reads them.

The look reads the passages of the documents new or changed since its last look, a
few at a time (``of_files``), without building a row object per passage.
"""
from __future__ import annotations

from dataclasses import dataclass

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
