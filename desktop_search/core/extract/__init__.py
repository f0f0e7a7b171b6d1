"""Turn a file into searchable plain text, with the positions needed to point back into it.

One module per format family (``text``, ``html``, ``pdf``, ``office``), registered here in
``_READERS`` by lowercase extension: adding a format is one reader plus one line in
``_DOC_READERS`` (or, for a plain-text extension, one entry in ``text._TEXT_KINDS``).
Every failure a user can act on leaves this package as an
:class:`~desktop_search.errors.ExtractError` subclass whose message is a short sentence for
the failed-files list; library exceptions never escape.

Offsets: for plain-text formats (``has_lines``) ``text`` is the decoded file verbatim,
so a char offset maps to a real line. Paged formats (PDF, PPTX, EPUB) record where each
page starts in ``text`` so a char offset maps to a page.
"""
from __future__ import annotations

import bisect
import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from desktop_search.core.extract import archives, compressed, inside, mail
from desktop_search.core.extract.common import (
    DEFAULT_MAX_BYTES,
    PICTURE_KIND,
    SNIFF_BYTES,
    Extracted,
    Part,
    Reader,
    _check_size,
)
from desktop_search.core.extract.decode import _sniff_known_text, _sniff_unknown
from desktop_search.core.extract.html import _read_html
from desktop_search.core.extract.images import PICTURE_EXTS, extract_with_ocr, read_picture
from desktop_search.core.extract.legacy import read_doc, read_ppt, read_rtf
from desktop_search.core.extract.office import (
    _read_docx,
    _read_epub,
    _read_odp,
    _read_odt,
    _read_pptx,
)
from desktop_search.core.extract.pdf import _read_pdf
from desktop_search.core.extract.sheets import read_ods, read_xls, read_xlsx
from desktop_search.core.extract.text import (
    _CODE_NAMES,
    _TEXT_KINDS,
    _read_text,
    _read_unknown,
    _text_kind,
)
from desktop_search.errors import ExtractError, FileVanished, UnsupportedFile

__all__ = [
    "SUPPORTED_KINDS",
    "Extracted",
    "PICTURE_KIND",
    "Part",
    "container_kind",
    "extract",
    "extract_with_ocr",
    "is_supported",
    "line_of",
    "page_of",
]

# --------------------------------------------------------------------------- registry

#: extensions never worth opening: media, archives, binaries, databases, fonts, and
#: office formats no reader handles
_SKIPPED_EXTS = frozenset(
    # images without a reader (images.PICTURE_EXTS are read)
    ".ico .icns .avif .raw .cr2 .nef .arw .dng .psd .xcf .svg .svgz .eps "
    # audio / video
    ".mp3 .wav .flac .ogg .oga .opus .m4a .aac .wma .aiff .aif .mid .midi .mp4 .m4v "
    ".mkv .avi .mov .wmv .flv .webm .mpg .mpeg .3gp .vob "
    # archives and disk images
    ".zst .lz .lzma .cab .jar .war "
    ".apk .deb .rpm .dmg .iso .img .msi .whl .egg .snap .appimage "
    # executables, libraries, bytecode
    ".exe .dll .so .dylib .a .lib .o .obj .bin .elf .class .pyc .pyo .pyd .wasm .node "
    ".dex "
    # databases, data blobs, models
    ".sqlite .sqlite3 .db .db-wal .db-shm .mdb .accdb .dbf .parquet .feather .arrow .h5 "
    ".hdf5 .npy .npz .pkl .pickle .pt .pth .onnx .safetensors .ckpt .gguf .mat .usearch "
    # fonts
    ".ttf .otf .woff .woff2 .eot .fon .pfb "
    # office formats without a reader, and other binaries
    ".odg .key .pages .numbers .pub .vsd .xlsb "
    ".swp .swo .lnk .torrent .crx .xpi .vsix .blend .fbx .stl .dwg .ds_store "
    # Thunderbird's index beside each mailbox (the mailbox itself is read)
    ".msf".split()
)
_SKIPPED_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


def _reader_for(path: Path) -> tuple[Reader, str]:
    """The reader and kind label for a file name; unknown names get sniffed as text."""
    ext = path.suffix.lower()
    if ext in compressed.OPENERS:
        return _read_compressed, _reader_for(compressed.inner_name(path))[1]
    reader = _read_text if path.name.lower() in _CODE_NAMES else _READERS.get(ext)
    if reader is None:
        return _read_unknown, "text"
    return reader, _DOC_KINDS.get(ext) or _text_kind(path)


def is_supported(path: str | os.PathLike[str]) -> bool:
    """Whether a file is worth trying, by name only (cheap: used to filter a crawl).

    Unknown or missing extensions count as supported because the file may be text;
    :func:`extract` sniffs them.
    """
    p = Path(path)
    name = p.name.lower()
    if name in _SKIPPED_NAMES or name.startswith("~$"):  # "~$x.docx": Office lock file
        return False
    if archives.archive_kind(name):                # backup.tar.gz: its members are read
        return True
    if p.suffix.lower() in compressed.OPENERS:     # notes.txt.gz yes, song.mp3.gz no
        inner = compressed.inner_name(p)
        return (inner.suffix.lower() not in compressed.OPENERS
                and inner.suffix.lower() not in PICTURE_EXTS and is_supported(inner))
    return p.suffix.lower() not in _SKIPPED_EXTS


def page_of(ex: Extracted, offset: int) -> int | None:
    """1-based page (slide, chapter) holding char ``offset``; None for unpaged text."""
    if ex.page_starts is None:
        return None
    return max(1, bisect.bisect_right(ex.page_starts, offset))


def line_of(text: str, offset: int) -> int:
    """1-based line number of char ``offset`` (clamped into the text)."""
    offset = min(max(offset, 0), len(text))
    return text.count("\n", 0, offset) + 1


# --------------------------------------------------------------------------- entry point


def extract(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Extracted:
    """Read ``path`` and return its text; raise an ``ExtractError`` with a readable reason."""
    p = Path(path)
    if not is_supported(p):
        ext = p.suffix.lower()
        raise UnsupportedFile(f"{ext} files are not searchable" if ext else "not a searchable file")
    reader, kind = _reader_for(p)
    with _os_errors():
        st = os.stat(p)  # follows symlinks; never open a FIFO or device (it can block)
        if not stat.S_ISREG(st.st_mode):
            raise UnsupportedFile("not a regular file")
        container = container_kind(p)
        if container == inside.ARCHIVE_KIND:      # members are capped, not the archive
            return inside.read_archive(p, max_bytes=max_bytes)
        if container == mail.MAILBOX_KIND:
            return inside.read_mbox(p, max_bytes=max_bytes)
        if container == mail.MAIL_KIND:           # its attachments are capped one by one
            reader, kind = inside.read_eml, mail.MAIL_KIND
        cap = max_bytes * mail.MESSAGE_CAP_FACTOR if reader is inside.read_eml else max_bytes
        _check_size(st.st_size, cap)
        if reader is read_picture and st.st_size:  # reads its header itself, not the photo
            return read_picture(p, b"", max_bytes)
        data = _read_bytes(p, cap, _HEAD_CHECKS.get(reader))
    if not data:  # empty (or just created) file: nothing to search, nothing wrong
        return Extracted("", None, kind, has_lines=reader in _HEAD_CHECKS,
                         container=reader is inside.read_eml)
    return reader(p, data, max_bytes)


def container_kind(path: str | os.PathLike[str]) -> str | None:
    """What a file on disk holds documents as: "archive", "mailbox" (an mbox), "mail" (a
    message file: ``.eml``, Outlook's ``.msg``, Apple Mail's ``.emlx``, a Maildir message);
    None for a plain document. Looks at the folder around it (Thunderbird's ``.msf``,
    Maildir's ``cur``/``new``/``tmp``), and at the first few KB of a file whose name says
    nothing (an mbox without an extension begins with a ``From `` line and headers)."""
    p = Path(path)
    if archives.archive_kind(p.name):
        return inside.ARCHIVE_KIND
    if p.suffix.lower() in (".eml", ".msg") or mail.is_emlx(p) or mail.is_maildir_message(p):
        return mail.MAIL_KIND
    if mail.is_mbox_name(p):
        return mail.MAILBOX_KIND
    if _reader_for(p)[0] is _read_unknown and mail.starts_like_mbox(p):
        return mail.MAILBOX_KIND
    return None


def read_bytes(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Bytes that are not a file on disk (an archive member, an attachment), read by the
    reader their name asks for."""
    reader, kind = _reader_for(path)
    if reader is read_picture or not data:    # a picture's words need OCR of a file
        return Extracted("", None, kind, has_lines=reader in _HEAD_CHECKS)
    head_check = _HEAD_CHECKS.get(reader)
    if head_check is not None:
        head_check(data[:SNIFF_BYTES], len(data) <= SNIFF_BYTES)
    return reader(path, data, max_bytes)


@contextlib.contextmanager
def _os_errors() -> Iterator[None]:
    """Map OS errors while reading to user-readable ``ExtractError``s."""
    try:
        yield
    except (FileNotFoundError, NotADirectoryError):
        raise FileVanished("file disappeared while reading") from None
    except PermissionError:
        raise ExtractError("permission denied") from None
    except IsADirectoryError:
        raise UnsupportedFile("not a regular file") from None
    except OSError as e:
        reason = (e.strerror or type(e).__name__).lower()
        raise ExtractError(f"could not read the file: {reason}") from None


def _read_bytes(
    path: Path, max_bytes: int, head_check: Callable[[bytes, bool], None] | None
) -> bytes:
    """Read a regular file, at most ``max_bytes``; ``head_check`` may reject it early."""
    # O_NONBLOCK: if the file was swapped for a FIFO after stat(), open() must not block.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with open(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise UnsupportedFile("not a regular file")
        _check_size(st.st_size, max_bytes)
        head = f.read(SNIFF_BYTES)
        if head_check is not None:
            head_check(head, len(head) < SNIFF_BYTES)
        data = head + f.read(max_bytes + 1 - len(head))
    _check_size(len(data), max_bytes)  # the file grew since stat()
    return data


def _read_compressed(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """``.gz``/``.bz2``/``.xz``: unpacked in memory within the caps, then read by the
    reader the inner name asks for."""
    inner = compressed.inner_name(path)
    raw = compressed.decompress(path, data, max_bytes)
    if not raw:
        return Extracted("", None, _reader_for(inner)[1])
    return read_bytes(inner, raw, max_bytes)


_DOC_READERS: dict[str, tuple[str, Reader]] = {
    ".html": ("html", _read_html),
    ".htm": ("html", _read_html),
    ".xhtml": ("html", _read_html),
    ".pdf": ("pdf", _read_pdf),
    ".docx": ("docx", _read_docx),
    ".odt": ("odt", _read_odt),
    ".pptx": ("pptx", _read_pptx),
    ".epub": ("epub", _read_epub),
    ".odp": ("odp", _read_odp),
    ".xlsx": ("xlsx", read_xlsx),
    ".xlsm": ("xlsx", read_xlsx),
    ".ods": ("ods", read_ods),
    ".xls": ("xls", read_xls),
    ".rtf": ("rtf", read_rtf),
    ".doc": ("doc", read_doc),
    ".dot": ("doc", read_doc),
    ".ppt": ("ppt", read_ppt),
    ".pps": ("ppt", read_ppt),
    ".eml": ("mail", inside.read_eml),
    ".emlx": ("mail", inside.read_eml),
    ".msg": ("mail", inside.read_eml),
    **{ext: (PICTURE_KIND, read_picture) for ext in PICTURE_EXTS},
}
_DOC_KINDS: dict[str, str] = {ext: kind for ext, (kind, _) in _DOC_READERS.items()}
#: text readers peek at the first bytes before reading the rest of the file
_HEAD_CHECKS: dict[Reader, Callable[[bytes, bool], None]] = {
    _read_text: _sniff_known_text,
    _read_unknown: _sniff_unknown,
}

#: lowercase extension -> reader; the one place that says which formats are read
_READERS: dict[str, Reader] = {
    **dict.fromkeys(_TEXT_KINDS, _read_text),
    **{ext: reader for ext, (_, reader) in _DOC_READERS.items()},
}

#: kind labels for the UI's type filter, most common first
SUPPORTED_KINDS: list[str] = [
    "text", "markdown", "rst", "code", "data", "csv",
    "html", "pdf", "docx", "odt", "pptx", "epub", "man", "picture", "mail",
    "xlsx", "ods", "xls", "rtf", "doc", "ppt", "odp",
]
