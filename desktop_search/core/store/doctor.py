"""Check that the catalog and its copies (word, vector and picture indexes) agree; repair
what does not.

The catalog is the truth: repairs rebuild the copies from it, never the other way round.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from desktop_search.core.store.library import Library


@dataclass(frozen=True)
class DoctorReport:
    """What ``doctor`` found: ``problems`` (a sentence each), whether they were repaired,
    and the counts it compared."""

    ok: bool
    problems: list[str]
    repaired: bool
    vectors: int
    chunks_with_vectors: int
    pending: int

    @property
    def healthy(self) -> bool:
        """Nothing is wrong now: nothing was found, or what was found is repaired."""
        return self.ok or self.repaired

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check(library: Library, *, repair: bool = False) -> DoctorReport:
    """Problems found (a sentence each); with ``repair``, fix them from the catalog.
    The vector index is checked when it is open (the engine opens it first)."""
    if repair and library.read_only:
        raise ValueError("a read-only engine cannot repair: take the data folder first")
    catalog = library.catalog
    problems: list[str] = []
    sqlite_ok = catalog.quick_check()
    if sqlite_ok != "ok":
        problems.append(f"the catalog is damaged: {sqlite_ok} (remove it to rebuild)")
    vi = library.vectors
    want = library.vector_rows.embedded_ids()
    if vi is not None:
        have = vi.keys()
        extra = np.setdiff1d(have, want)
        missing = np.setdiff1d(want, have)
        if len(extra):
            problems.append(f"{len(extra)} vectors of passages no longer in the catalog")
        if len(missing):
            problems.append(f"{len(missing)} passages missing from the vector index")
    dup = catalog.count_duplicate_paths()
    if dup:
        problems.append(f"{dup} files listed twice")
    orphans, unindexed = library.feed.mismatch()
    if orphans:
        problems.append(f"{orphans} word-index entries without a passage")
    if unindexed:
        problems.append(f"{unindexed} passages missing from the word index")
    pictures = library.pictures()
    picture_problem = pictures.mismatch() if pictures is not None else None
    if picture_problem:
        problems.append(picture_problem)
    repaired = False
    if repair and problems:
        generation = catalog.vector_generation()
        if vi is not None:
            vi.sync_from(library.vector_rows, generation=generation)
            vi.save(generation)
        library.feed.rebuild()
        if picture_problem and pictures is not None:
            pictures.repair()
        repaired = True
    return DoctorReport(ok=not problems, problems=problems, repaired=repaired,
                        vectors=len(vi) if vi is not None else 0,
                        chunks_with_vectors=int(len(want)), pending=library.count_unembedded())
