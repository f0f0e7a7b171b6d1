"""Check that the catalog and its copies (word, vector and picture indexes) agree; repair
what does not.

The catalog is the truth: repairs rebuild the copies from it, never the other way round.
"""
from __future__ import annotations

import numpy as np


def check(library, *, repair: bool = False) -> dict:
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
        if picture_problem:
            pictures.repair()
        repaired = True
    return dict(ok=not problems, problems=problems, repaired=repaired,
                vectors=len(vi) if vi is not None else 0, chunks_with_vectors=int(len(want)),
                pending=library.count_unembedded())
