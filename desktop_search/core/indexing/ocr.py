"""The OCR stage: the words of pictures and scanned PDF pages, read after every text
file is searchable, one file per call, in a sandboxed child of its own."""
from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from desktop_search.core.store import FAILED, OCR_DONE, OCR_NONE, SKIPPED
from desktop_search.errors import BinaryFile, ExtractError, FileVanished, TooLarge, UnsupportedFile

if TYPE_CHECKING:
    from desktop_search.core.indexing.ingest import Ingest, Outcome

log = logging.getLogger(__name__)


class OcrPass:
    """Reads the next picture waiting for OCR through its ``Ingest`` (which stores it)."""

    def __init__(self, ingest: Ingest) -> None:
        self.ingest = ingest

    def next(self) -> Outcome | None:
        """Read the words of the oldest file waiting for OCR. None when none waits.

        Runs only when no text file is waiting (the worker's order), one file per call
        so a pause takes effect between files.
        """
        from desktop_search.core.indexing.ingest import Outcome

        row = self.ingest.library.picture_rows.next_ocr()
        if row is None:
            return None
        try:
            st = os.stat(row.path)
        except (FileNotFoundError, NotADirectoryError):
            return self.ingest.delete_path(row.path)
        except OSError as exc:
            return self.ingest.fail(row.path, row.root_id, None, row.hash, FAILED,
                                    f"cannot read: {exc.strerror or exc}")
        if st.st_size != row.size or st.st_mtime_ns != row.mtime_ns:
            return self.ingest.index_file(row.path)   # changed meanwhile: the fast pass first
        try:
            doc = self.ingest.ocr_extractor(row.path,
                                            max_bytes=self.ingest.settings.max_file_bytes)
        except FileVanished:
            return self.ingest.delete_path(row.path)
        except (TooLarge, BinaryFile, UnsupportedFile) as exc:
            return self.ingest.fail(row.path, row.root_id, st, row.hash, SKIPPED, str(exc))
        except ExtractError as exc:
            return self.ingest.fail(row.path, row.root_id, st, row.hash, FAILED, str(exc))
        except Exception as exc:  # noqa: BLE001 - a reader bug must not stop the indexer
            log.exception("OCR failed on %s", row.path)
            return self.ingest.fail(row.path, row.root_id, st, row.hash, FAILED,
                                    f"OCR error: {type(exc).__name__}: {exc}"[:300])
        self.ingest.store(row.path, row.root_id, row.size, row.mtime_ns, row.hash, doc,
                          ocr=OCR_DONE if doc.ocr else OCR_NONE, keep_picture_vector=True)
        self.ingest.counters.ocr_done += 1
        return Outcome.INDEXED
