"""The truth and its copies, one writer: the catalog (SQLite), the word, vector and
picture indexes, and the ``Library`` that keeps them in step (the only way to write)."""
from desktop_search.core.store.library import Library
from desktop_search.core.store.rows import (FAILED, INDEXED, OCR_DONE, OCR_NONE, OCR_PENDING, SKIPPED,
                                            CatalogStats, ChunkRow, FileRow, Inner, NewChunk, Root,
                                            chain_of)

__all__ = ["FAILED", "INDEXED", "OCR_DONE", "OCR_NONE", "OCR_PENDING", "SKIPPED", "CatalogStats",
           "ChunkRow", "FileRow", "Inner", "Library", "NewChunk", "Root", "chain_of"]
