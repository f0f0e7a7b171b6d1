"""What the catalog's rows look like outside it: frozen records and the file states."""
from __future__ import annotations

from typing import Any, Iterable

import json
from dataclasses import dataclass

# file states
INDEXED = "indexed"   # text extracted and chunked (vectors may still be pending)
FAILED = "failed"     # a reader failed; error says why
SKIPPED = "skipped"   # deliberately not indexed (too large, binary, unsupported)

# files.ocr: whether the words of a picture or scanned page come from OCR
OCR_PENDING = "pending"   # listed and dated; its words are read in the later OCR stage
OCR_DONE = "done"         # some of its text was read by OCR
OCR_NONE = "none"         # OCR found no words


#: kinds of files that are only folders of documents (no text of their own to filter by)
CONTAINER_KINDS = ("archive", "mailbox")


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
    taken: float | None = None      # when a photo was taken (EXIF) or a message sent
    camera: str | None = None
    #: a document inside a file: the row of the file on disk that holds it (whose path it
    #: shares), its key there, its place (``inside``, JSON) and how to find it again
    container_id: int | None = None
    member: str | None = None
    inside: str | None = None
    locator: str | None = None
    sender: str | None = None        # a message's From
    recipients: str | None = None    # a message's To and Cc

    @property
    def chain(self) -> list[str]:
        """Where the document is inside its file, outermost first; [] for the file itself."""
        return chain_of(self.inside)


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
    inside: str | None = None
    sender: str | None = None
    recipients: str | None = None

    @property
    def chain(self) -> list[str]:
        return chain_of(self.inside)


@dataclass(frozen=True)
class CatalogStats:
    """How many files and passages the catalog holds (files on disk, not the documents
    inside them)."""

    files_indexed: int
    files_failed: int
    files_skipped: int
    chunks: int
    chunks_unembedded: int

    def to_json(self) -> dict[str, Any]:
        return dict(files_indexed=self.files_indexed, files_failed=self.files_failed,
                    files_skipped=self.files_skipped, chunks=self.chunks,
                    chunks_unembedded=self.chunks_unembedded)


def chain_of(inside: str | None) -> list[str]:
    """``files.inside`` (a JSON list) as a list; [] for a file on disk."""
    if not inside:
        return []
    try:
        value = json.loads(inside)
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def inside_json(chain: Iterable[str] | None) -> str | None:
    """A chain as ``files.inside`` stores it (None for the file itself)."""
    return json.dumps(list(chain), ensure_ascii=False) if chain else None


@dataclass(frozen=True, slots=True)
class Inner:
    """Where a document inside a file is: the row of the file on disk that holds it, its
    key there (stable while its bytes are), its place as shown (``inside`` JSON), how a
    reader finds it again (``locator`` JSON), and a message's sender and recipients. The
    default is the file on disk itself."""

    container_id: int | None = None
    member: str | None = None
    inside: str | None = None
    locator: str | None = None
    sender: str | None = None
    recipients: str | None = None


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

    def to_json(self) -> dict[str, Any]:
        return dict(id=self.id, path=self.path, paused=self.paused, added_at=self.added_at,
                    last_scan=self.last_scan, files=self.files, offline=self.offline)


#: a file on disk (documents inside it share its path)
ON_DISK = "container_id IS NULL"
FILE_COLS = ("id, path, root_id, size, mtime_ns, hash, kind, title, state, error, attempts, "
             "n_chunks, ocr, taken, camera, container_id, member, inside, locator, sender, "
             "recipients")
