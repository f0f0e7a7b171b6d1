"""What the catalog's rows look like outside it: frozen records and the file states."""
from __future__ import annotations

from dataclasses import dataclass

# file states
INDEXED = "indexed"   # text extracted and chunked (vectors may still be pending)
FAILED = "failed"     # a reader failed; error says why
SKIPPED = "skipped"   # deliberately not indexed (too large, binary, unsupported)

# files.ocr: whether the words of a picture or scanned page come from OCR
OCR_PENDING = "pending"   # listed and dated; its words are read in the later OCR stage
OCR_DONE = "done"         # some of its text was read by OCR
OCR_NONE = "none"         # OCR found no words


@dataclass(frozen=True, slots=True)
class FileRow:
    id: int
    path: str
    root_id: int | None
    size: int
    mtime_ns: int
    hash: str | None
    kind: str | None
    title: str | None
    state: str
    error: str | None
    attempts: int
    n_chunks: int
    ocr: str | None = None
    taken: float | None = None      # when a photo was taken (EXIF), unix seconds
    camera: str | None = None


@dataclass(frozen=True, slots=True)
class ChunkRow:
    id: int
    file_id: int
    path: str
    ord: int
    start: int
    end: int
    page: int | None
    line: int | None
    text: str
    kind: str | None
    title: str | None
    mtime_ns: int
    size: int
    ocr: str | None = None
    taken: float | None = None


@dataclass(frozen=True, slots=True)
class NewChunk:
    start: int
    end: int
    page: int | None
    line: int | None
    text: str


@dataclass(frozen=True, slots=True)
class Root:
    """A folder the user asked to index."""

    id: int
    path: str
    paused: bool = False
    added_at: float = 0.0
    last_scan: float | None = None
    files: int = 0              # files indexed under it
    offline: bool = False       # its drive is gone (unplugged, unmounted): index kept

    def to_json(self) -> dict:
        return dict(id=self.id, path=self.path, paused=self.paused, added_at=self.added_at,
                    last_scan=self.last_scan, files=self.files, offline=self.offline)


FILE_COLS = ("id, path, root_id, size, mtime_ns, hash, kind, title, state, error, attempts, "
             "n_chunks, ocr, taken, camera")
