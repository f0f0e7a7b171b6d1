"""What every reader shares: the result type, size limits, readable errors."""
from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from desktop_search.errors import (
    CorruptFile,
    ExtractError,
    TooLarge,
)

_T = TypeVar("_T")

DEFAULT_MAX_BYTES = 50 * 2**20
#: bytes looked at to decide whether a file with an unknown extension is text
SNIFF_BYTES = 8192
#: the kind of a photo, screenshot or scan (its words come from OCR)
PICTURE_KIND = "picture"
#: zip members above this size must not be compressed more than ``_ZIP_MAX_RATIO``
_ZIP_BIG_MEMBER = 10 * 2**20
_ZIP_MAX_RATIO = 200
#: what a zip-based document may unpack to, as a multiple of ``max_bytes``
_ZIP_UNPACK_FACTOR = 4


@dataclass(frozen=True, slots=True)
class Extracted:
    """A document's text plus what is needed to map char offsets back to the source."""

    text: str
    title: str | None
    kind: str
    page_starts: tuple[int, ...] | None = None
    has_lines: bool = False
    #: some of its words can only be read by OCR (a picture, a PDF page without text):
    #: the indexer lists it now and reads those words in its later OCR stage
    needs_ocr: bool = False
    #: some of ``text`` was read by OCR
    ocr: bool = False
    taken: float | None = None      # a photo's EXIF date taken, a message's date (unix s)
    camera: str | None = None
    sender: str | None = None       # a message's From
    recipients: str | None = None   # a message's To and Cc
    #: the file holds documents of its own (an archive, a message with attachments):
    #: ``parts`` are they, and those refused, each with why
    container: bool = False
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True, slots=True)
class Part:
    """A document inside a file: its key there (stable while its bytes are), its place as
    shown (``inside``, outermost first), the hash of its bytes, and its text; or, with
    ``doc`` None, why it was not read (``skipped``: deliberately, as a file over the cap
    is; else it failed)."""

    member: str
    inside: tuple[str, ...]
    digest: str
    doc: Extracted | None
    error: str | None = None
    skipped: bool = True
    size: int = 0
    mtime: float | None = None


Reader = Callable[[Path, bytes, int], Extracted]


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise TooLarge(f"{_human(size)} is over the {_human(max_bytes)} size cap")


def _human(n: float) -> str:
    """1536 -> "1.5 KB", 50 * 2**20 -> "50 MB"."""
    if n < 1024:
        return f"{n:.0f} bytes"
    for unit in ("KB", "MB", "GB"):
        n /= 1024
        if n < 1024 or unit == "GB":
            break
    return f"{n:.1f}".removesuffix(".0") + f" {unit}"


_GENERIC_TITLES = frozenset(
    {"untitled", "document", "presentation", "powerpoint presentation", "slide 1"}
)


def _clean_title(title: str | None) -> str | None:
    """Collapse whitespace; drop empty and placeholder titles ("Untitled", ...)."""
    if not title:
        return None
    title = " ".join(title.split())
    if not title or title.lower() in _GENERIC_TITLES:
        return None
    return title[:500]


def _join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join pages with blank lines; record where each page starts."""
    starts: list[int] = []
    pos = 0
    for page in pages:
        starts.append(pos)
        pos += len(page) + 2
    return "\n\n".join(pages), tuple(starts)


# --------------------------------------------------------------------------- helpers


def _with_library_errors(kind: str, fn: Callable[[], _T]) -> _T:
    """Run a third-party parser; whatever it throws becomes a readable ``ExtractError``."""
    try:
        return fn()
    except ExtractError:
        raise
    except MemoryError:
        raise TooLarge(f"{kind} file too large to open in memory") from None
    except RecursionError:
        raise CorruptFile(f"damaged {kind} file: nested too deeply") from None
    except zipfile.BadZipFile:
        raise CorruptFile(f"damaged {kind} file: broken zip archive") from None
    except Exception as e:
        raise CorruptFile(f"damaged {kind} file: {_short(e)}") from None


def _short(e: BaseException) -> str:
    """First line of an exception message, trimmed for the failed-files list."""
    msg = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
    msg = str(msg).strip().splitlines()[0] if str(msg).strip() else type(e).__name__
    return msg if len(msg) <= 120 else msg[:117] + "..."

