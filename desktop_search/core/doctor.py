"""Check that the catalog, its word index and the vector index agree; repair what does not.

The catalog is the truth: repairs rebuild the word index and the vector index from it,
never the other way round. Every read and write goes through ``Catalog`` methods.
"""
from __future__ import annotations

import numpy as np


def check(engine, *, repair: bool = False) -> dict:
    """Problems found (a sentence each); with ``repair``, fix them from the catalog."""
    if repair and getattr(engine, "read_only", False):
        raise ValueError("a read-only engine cannot repair: take the data folder first")
    catalog = engine.catalog
    problems: list[str] = []
    sqlite_ok = catalog.quick_check()
    if sqlite_ok != "ok":
        problems.append(f"the catalog is damaged: {sqlite_ok} (remove it to rebuild)")
    vi = engine.vectors()
    have = vi.keys()
    want = catalog.embedded_ids()
    extra = np.setdiff1d(have, want)
    missing = np.setdiff1d(want, have)
    if len(extra):
        problems.append(f"{len(extra)} vectors of passages no longer in the catalog")
    if len(missing):
        problems.append(f"{len(missing)} passages missing from the vector index")
    dup = catalog.count_duplicate_paths()
    if dup:
        problems.append(f"{dup} files listed twice")
    orphans, unindexed = catalog.word_index_mismatch()
    if orphans:
        problems.append(f"{orphans} word-index entries without a passage")
    if unindexed:
        problems.append(f"{unindexed} passages missing from the word index")
    repaired = False
    if repair and problems:
        vi.sync_from(catalog)
        catalog.repair_word_index()
        vi.save(catalog.vector_generation())
        repaired = True
    return dict(ok=not problems, problems=problems, repaired=repaired,
                vectors=len(vi), chunks_with_vectors=int(len(want)),
                pending=catalog.count_unembedded())
