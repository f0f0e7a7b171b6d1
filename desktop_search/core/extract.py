"""Turn a file into searchable plain text, with the positions needed to point back into it.

One reader per format, registered in ``_READERS`` by lowercase extension: adding a
format is one function plus one line in ``_DOC_READERS`` (or, for a plain-text
extension, one entry in ``_TEXT_KINDS``). Every failure a user can act on leaves
this module as an :class:`~desktop_search.errors.ExtractError` subclass whose message is
a short sentence for the failed-files list; library exceptions never escape.

Offsets: for plain-text formats (``has_lines``) ``text`` is the decoded file verbatim,
so a char offset maps to a real line. Paged formats (PDF, PPTX, EPUB) record where each
page starts in ``text`` so a char offset maps to a page.
"""
from __future__ import annotations

import bisect
import codecs
import contextlib
import io
import os
import posixpath
import re
import stat
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote
from xml.etree import ElementTree

from desktop_search.core import compressed
from desktop_search.errors import (
    BinaryFile,
    CorruptFile,
    EncryptedFile,
    ExtractError,
    FileVanished,
    TooLarge,
    UnsupportedFile,
)

__all__ = [
    "SUPPORTED_KINDS",
    "Extracted",
    "extract",
    "is_supported",
    "line_of",
    "page_of",
]

_T = TypeVar("_T")

DEFAULT_MAX_BYTES = 50 * 2**20
#: bytes looked at to decide whether a file with an unknown extension is text
SNIFF_BYTES = 8192
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


# --------------------------------------------------------------------------- registry

Reader = Callable[[Path, bytes, int], Extracted]

#: plain-text extensions -> kind label; their text is kept verbatim (has_lines)
_TEXT_KINDS: dict[str, str] = {
    **dict.fromkeys((".txt", ".text", ".log", ".tex", ".nfo", ".me"), "text"),
    **dict.fromkeys((".md", ".markdown", ".mdown", ".mkd"), "markdown"),
    ".rst": "rst",
    **dict.fromkeys((".csv", ".tsv"), "csv"),
    **dict.fromkeys(
        (".json", ".jsonl", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf",
         ".xml", ".properties", ".env"),
        "data",
    ),
    **dict.fromkeys(
        (".py", ".pyi", ".pyw", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".java",
         ".c", ".h", ".cpp", ".hpp", ".cc", ".hh", ".cxx", ".hxx", ".cs", ".go", ".rs",
         ".rb", ".php", ".sh", ".bash", ".zsh", ".fish", ".ps1", ".bat", ".cmd", ".sql",
         ".swift", ".kt", ".kts", ".scala", ".lua", ".pl", ".pm", ".r", ".m", ".mm",
         ".css", ".scss", ".sass", ".less", ".vue", ".svelte", ".dart", ".ex", ".exs",
         ".erl", ".hs", ".ml", ".mli", ".clj", ".el", ".lisp", ".scm", ".jl", ".zig",
         ".nim", ".v", ".vhd", ".f90", ".groovy", ".gradle", ".cmake", ".mk", ".proto",
         ".graphql", ".ipynb"),
        "code",
    ),
}

#: names without a telling extension that are known to be source code
_CODE_NAMES = frozenset(
    {"makefile", "dockerfile", "containerfile", "gemfile", "rakefile", "vagrantfile",
     "jenkinsfile", "cmakelists.txt", "justfile"}
)

#: extensions never worth opening: media, archives, binaries, databases, fonts, and
#: office formats no reader handles
_SKIPPED_EXTS = frozenset(
    # images
    ".png .jpg .jpeg .gif .bmp .tif .tiff .webp .ico .icns .heic .heif .avif .raw .cr2 "
    ".nef .arw .dng .psd .xcf .svg .svgz .eps "
    # audio / video
    ".mp3 .wav .flac .ogg .oga .opus .m4a .aac .wma .aiff .aif .mid .midi .mp4 .m4v "
    ".mkv .avi .mov .wmv .flv .webm .mpg .mpeg .3gp .vob "
    # archives and disk images
    ".zip .tar .tgz .tbz2 .txz .zst .7z .rar .lz .lzma .cab .jar .war "
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
    ".doc .dot .xls .xlsx .xlsm .ppt .pps .odp .ods .odg .key .pages .numbers .pub .vsd "
    ".swp .swo .lnk .torrent .crx .xpi .vsix .blend .fbx .stl .dwg .ds_store".split()
)
_SKIPPED_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


def _text_kind(path: Path) -> str:
    if path.name.lower() in _CODE_NAMES:
        return "code"
    return _TEXT_KINDS.get(path.suffix.lower(), "text")


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
    if p.suffix.lower() in compressed.OPENERS:     # notes.txt.gz yes, backup.tar.gz no
        inner = compressed.inner_name(p)
        return inner.suffix.lower() not in compressed.OPENERS and is_supported(inner)
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
        _check_size(st.st_size, max_bytes)
        data = _read_bytes(p, max_bytes, _HEAD_CHECKS.get(reader))
    if not data:  # empty (or just created) file: nothing to search, nothing wrong
        return Extracted("", None, kind, has_lines=reader in _HEAD_CHECKS)
    return reader(p, data, max_bytes)


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


# --------------------------------------------------------------------------- decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0/C1 control characters that do not occur in real text (tab, newlines, form feed
# and ESC for ANSI colours do), plus the replacement character.
_BAD_CHARS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f\ufffd]")
_BAD_C0 = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f\ufffd]")
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_NOT_TEXT = "binary content, not text"


def _decode(data: bytes, *, strict: bool = False, partial: bool = False) -> str:
    """Decode text of unknown encoding, or raise ``BinaryFile``.

    ``strict`` demands cleaner text (for files whose name does not promise text);
    ``partial`` means ``data`` may end in the middle of a character.
    """
    if not data:
        return ""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom):].decode(codec, errors="replace"), strict)
    if b"\0" in data:
        codec = _utf16_or_32_without_bom(data[:SNIFF_BYTES])
        if codec is None:
            raise BinaryFile(_NOT_TEXT)
        return _checked(data.decode(codec, errors="replace"), strict)
    try:
        if partial:
            text = codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
        else:
            text = data.decode("utf-8")
        # valid UTF-8 may carry C1 controls (text encoded twice: "Ã\x82Â¸"); that is
        # damaged text, not binary
        return _checked(text, strict, c1_ok=True)
    except UnicodeDecodeError:
        pass
    mostly_utf8 = _mostly_utf8(data)
    if mostly_utf8 is not None:  # UTF-8 with a few stray bytes (e.g. a mixed log file)
        return _checked(mostly_utf8, strict)
    try:
        import charset_normalizer

        best = charset_normalizer.from_bytes(_detection_sample(data)).best()
    except Exception:  # a detector bug must not fail indexing differently from junk
        best = None
    if best is None or (strict and best.chaos > 0.1):
        raise BinaryFile(_NOT_TEXT)
    western = _western_cp1252(data) if best.encoding != "cp1252" else None
    if western is not None:
        return _checked(western, strict)
    try:
        text = data.decode(best.encoding, errors="replace")
    except LookupError:
        raise BinaryFile(_NOT_TEXT) from None
    return _checked(text, strict)


def _detection_sample(data: bytes, size: int = 2**20) -> bytes:
    """The first MiB, cut after a newline so no multibyte character is split.

    charset-normalizer decodes its whole input once per candidate encoding: slow on
    big files, and a megabyte is plenty to recognise an encoding.
    """
    if len(data) <= size:
        return data
    cut = data.rfind(b"\n", 0, size)
    return data[: cut + 1] if cut > 0 else data[:size]


#: non-ASCII, non-letter characters that are common in Western cp1252 text
_CP1252_PUNCT = frozenset(
    "\u201c\u201d\u2018\u2019\u2013\u2014\u2026\u20ac\u2022\u2122"
    "\xab\xbb\xb0\xa3\xa9\xae\xa7\xb7\xa0\xbf\xa1\xb4"
)
_WORD = re.compile(r"[^\W\d_]+")


def _western_cp1252(data: bytes) -> str | None:
    """cp1252 if the bytes read as a Latin-script language in it, else None.

    charset-normalizer often mistakes short French or German cp1252 text for cp1257 or
    cp1250. In Latin-script text, accented letters sit inside words of ASCII letters;
    Cyrillic, Greek or CJK bytes read as cp1252 give symbols or all-accented words.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    sample = text[: 2**18]
    high = [c for c in sample if c > "\x7f"]
    if sum(c.isalpha() or c in _CP1252_PUNCT for c in high) < 0.95 * len(high):
        return None
    accented = [w for w in _WORD.findall(sample) if not w.isascii()]
    all_accented = sum(len(w) >= 3 and not any(c.isascii() for c in w) for w in accented)
    return text if all_accented <= 0.1 * len(accented) else None


def _checked(text: str, strict: bool, *, c1_ok: bool = False) -> str:
    """Reject decoded "text" full of control characters: it was binary after all."""
    sample = text[: 2**20]
    bad = len((_BAD_C0 if c1_ok else _BAD_CHARS).findall(sample))
    if bad > len(sample) * (0.005 if strict else 0.02):
        raise BinaryFile(_NOT_TEXT)
    return text


def _utf16_or_32_without_bom(sample: bytes) -> str | None:
    """Spot BOM-less UTF-16/32 by where the zero bytes sit (ASCII text: every other byte)."""
    n = len(sample) - len(sample) % 4
    if n < 4:
        return None
    sample = sample[:n]
    lanes = [sample[i::4].count(0) for i in range(4)]
    quarter = n // 4
    if lanes[3] == quarter and lanes[2] >= quarter * 0.9 and lanes[0] < quarter * 0.1:
        return "utf-32-le"
    if lanes[0] == quarter and lanes[1] >= quarter * 0.9 and lanes[3] < quarter * 0.1:
        return "utf-32-be"
    even, odd = lanes[0] + lanes[2], lanes[1] + lanes[3]
    if odd and even <= odd * 0.02:
        return "utf-16-le"
    if even and odd <= even * 0.02:
        return "utf-16-be"
    return None


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with rare invalid bytes: many valid multibyte sequences, very few errors."""
    valid = len(_UTF8_MULTIBYTE.findall(data[: 2**20]))
    if valid < 8:
        return None
    text = data.decode("utf-8", errors="replace")
    errors = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    return text if errors * 20 <= valid else None


def _sniff_known_text(head: bytes, complete: bool) -> None:
    """Cheap early exit for a text-named file that is binary (a ``.ts`` video, say)."""
    if b"\0" in head and not any(head.startswith(b) for b, _ in _BOMS):
        if _utf16_or_32_without_bom(head) is None:
            raise BinaryFile(_NOT_TEXT)


def _sniff_unknown(head: bytes, complete: bool) -> None:
    """Index a file of unknown type only if its first bytes are clearly text."""
    if not complete and (cut := head.rfind(b"\n")) > 0:
        head = head[: cut + 1]  # do not split a multibyte character (Shift-JIS, GBK...)
    _decode(head, strict=True, partial=not complete)


# --------------------------------------------------------------------------- text formats


def _read_text(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Plain text, source code, Markdown, RST, CSV: verbatim, so offsets are real lines."""
    kind = _text_kind(path)
    text = _decode(data)
    title = None
    if kind == "markdown":
        title = _markdown_title(text)
    elif kind == "rst":
        title = _rst_title(text)
    return Extracted(text, title, kind, has_lines=True)


def _read_unknown(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """No or unknown extension: indexed as text only when it clearly is text."""
    text = _decode(data, strict=True)
    if compressed.looks_like_troff(path, text):
        return _read_troff(text)
    return Extracted(text, None, "text", has_lines=True)


def _read_troff(text: str) -> Extracted:
    """A manual page, rendered to the text ``man`` shows (its lines are not the file's)."""
    out, title = compressed.render_troff(text)
    return Extracted(out, title, "man")


def _read_compressed(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """``.gz``/``.bz2``/``.xz``: unpacked in memory within the caps, then read by the
    reader the inner name asks for."""
    inner = compressed.inner_name(path)
    raw = compressed.decompress(path, data, max_bytes)
    reader, kind = _reader_for(inner)
    if not raw:
        return Extracted("", None, kind)
    head_check = _HEAD_CHECKS.get(reader)
    if head_check is not None:
        head_check(raw[:SNIFF_BYTES], len(raw) <= SNIFF_BYTES)
    return reader(inner, raw, max_bytes)


_FRONT_MATTER_TITLE = re.compile(r"^title:\s*(.+?)\s*$")
_MD_HEADING = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_MD_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_RST_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")


def _head_lines(text: str, limit: int = 400) -> list[str]:
    return [line.rstrip("\r") for line in text[: 2**16].split("\n", limit)[:limit]]


def _markdown_title(text: str) -> str | None:
    """YAML front-matter ``title:``, else the first ``# `` heading outside code fences."""
    lines = _head_lines(text)
    start = 0
    if lines and lines[0].strip() == "---":
        for i, line in enumerate(lines[1:], 1):
            if line.strip() in ("---", "..."):
                start = i + 1
                break
            m = _FRONT_MATTER_TITLE.match(line)
            if m:
                return _clean_title(m.group(1).strip("'\""))
    fenced = False
    for i in range(start, len(lines)):
        line = lines[i]
        if _MD_FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            m = _MD_HEADING.match(line)
            if m:
                return _clean_title(m.group(1))
            if (  # Setext heading: "Title" underlined with "==="
                i + 1 < len(lines)
                and line.strip()
                and re.fullmatch(r" {0,3}=+\s*", lines[i + 1])
                and (i == start or not lines[i - 1].strip())
            ):
                return _clean_title(line)
    return None


def _rst_title(text: str) -> str | None:
    """The first section title: a line under- (and maybe over-) lined with punctuation."""
    lines = _head_lines(text)
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _RST_ADORNMENT.match(line):
            after = lines[i + 2] if i + 2 < len(lines) else ""
            if nxt.strip() and _RST_ADORNMENT.match(after) and after[0] == line[0]:
                return _clean_title(nxt)
            continue
        if (
            line.strip()
            and not line[0].isspace()
            and _RST_ADORNMENT.match(nxt)
            and len(nxt.rstrip()) >= len(line.rstrip())
            and (i == 0 or not lines[i - 1].strip())
        ):
            return _clean_title(line)
    return None


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


# --------------------------------------------------------------------------- HTML

#: never visible (a <title> inside <svg> is not the page's either)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "math"})
_PARA_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 blockquote pre table ul ol dl section article header footer "
    "main nav aside figure figcaption form fieldset address hr details summary".split()
)
_LINE_TAGS = frozenset("br li tr dt dd caption option".split())
_CELL_TAGS = frozenset({"td", "th"})
_LINE, _PARA, _PRE_NL = "\ue000", "\ue001", "\ue002"  # private-use sentinels
_SENTINELS = str.maketrans("", "", _LINE + _PARA + _PRE_NL)
_HTML_SPACE = re.compile(r"[ \t\n\r\f\v\xa0]+")
_BREAK_RUN = re.compile(f" *(?:[{_LINE}{_PARA}] *)+")


class _HTMLText(HTMLParser):
    """Collect visible text without building a tree: no recursion, so any nesting works."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.h1_parts: list[str] = []
        self._skip = 0  # depth inside script/style/...
        self._pre = 0
        self._title = 0  # 0: not seen, 1: inside the first <title>, 2: done
        self._h1 = 0  # same for the first <h1>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._title == 1:  # <title> holds no tags: an unclosed one ends here
            self._title = 2
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        if tag == "title" and self._title == 0 and not self._skip:
            self._title = 1
        elif tag in _PARA_TAGS:
            self.parts.append(_PARA)
        elif tag in _LINE_TAGS:
            self.parts.append(_LINE)
        elif tag in _CELL_TAGS:
            self.parts.append(" ")
        if tag == "pre":
            self._pre += 1
        elif tag == "h1" and self._h1 == 0:
            self._h1 = 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if tag == "title" and self._title == 1:
            self._title = 2
        elif tag in _PARA_TAGS:
            self.parts.append(_PARA)
        elif tag in _LINE_TAGS:
            self.parts.append(_LINE)
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        elif tag == "h1" and self._h1 == 1:
            self._h1 = 2

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._title == 1:
            self.title_parts.append(data)
            return
        if self._h1 == 1:
            self.h1_parts.append(data)
        if self._pre:
            data = data.replace("\r\n", "\n").replace("\r", "\n")
            self.parts.append(data.replace("\n", _PRE_NL))
        else:
            self.parts.append(_HTML_SPACE.sub(" ", data))

    def text(self) -> str:
        raw = "".join(self.parts)
        raw = _BREAK_RUN.sub(lambda m: "\n\n" if _PARA in m.group() else "\n", raw)
        raw = raw.replace(_PRE_NL, "\n")
        return re.sub(r"\n{3,}", "\n\n", raw).strip()


def _html_to_text(markup: str) -> tuple[str, str | None]:
    """Visible text with blank lines between blocks, and the <title> (or first <h1>)."""
    parser = _HTMLText()
    parser.feed(markup.translate(_SENTINELS))  # the parser marks breaks with these
    parser.close()
    title = _clean_title("".join(parser.title_parts)) or _clean_title("".join(parser.h1_parts))
    return parser.text(), title


_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""",
    re.IGNORECASE,
)


def _declared_charset(data: bytes) -> str | None:
    """The codec named by <meta charset> or <?xml encoding?>, as browsers read it."""
    m = _META_CHARSET.search(data[:4096])
    if not m:
        return None
    try:
        codec = codecs.lookup((m.group(1) or m.group(2)).decode("ascii")).name
    except LookupError:
        return None
    if codec.startswith(("utf-16", "utf-32")):
        return None  # a byte-oriented page cannot really be UTF-16 (WHATWG rule)
    return "cp1252" if codec in ("ascii", "latin-1", "iso8859-1") else codec


def _decode_html(data: bytes) -> str:
    """Decode HTML: BOM, then the declared charset, then detection."""
    declared = None
    if not any(data.startswith(bom) for bom, _ in _BOMS):
        declared = _declared_charset(data)
    if declared is not None:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass  # mislabelled: trust detection instead
    try:
        return _decode(data)
    except BinaryFile:
        if declared is None:
            raise
        return data.decode(declared, errors="replace")


def _read_html(path: Path, data: bytes, max_bytes: int) -> Extracted:
    text, title = _with_library_errors("HTML", lambda: _html_to_text(_decode_html(data)))
    return Extracted(text, title, "html")


# --------------------------------------------------------------------------- PDF

_PDFIUM_LOCK = threading.Lock()  # PDFium is not thread-safe
_PDF_CONTROLS = {c: None for c in range(32) if c not in (9, 10)}
_PDF_CONTROLS.update({0xFFFE: None, 0xFEFF: None})


def _read_pdf(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Text page by page; ``page_starts`` maps offsets to pages. No text layer -> ""."""
    import pypdfium2

    with _PDFIUM_LOCK:
        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as e:
            if getattr(e, "err_code", None) == pypdfium2.raw.FPDF_ERR_PASSWORD:
                raise EncryptedFile("password-protected PDF") from None
            raise CorruptFile(f"damaged or not a PDF: {_pdfium_reason(e)}") from None
        except Exception as e:
            raise CorruptFile(f"damaged or not a PDF: {_short(e)}") from None
        try:
            title = _pdf_title(pdf)
            pages: list[str] = []
            total = 0
            for i in range(_with_library_errors("PDF", lambda: len(pdf))):
                page_text = _pdf_page_text(pdf, i)
                pages.append(page_text)
                total += len(page_text) + 2
                if total > max_bytes:  # enough text; the rest is not worth the memory
                    break
        finally:
            pdf.close()
    if not any(t.strip() for t in pages):
        return Extracted("", title, "pdf", page_starts=(0,))
    text, starts = _join_pages(pages)
    text = text[:max_bytes]
    return Extracted(text, title, "pdf", page_starts=starts)


def _pdf_title(pdf: Any) -> str | None:
    try:
        return _clean_title(str(pdf.get_metadata_dict().get("Title") or ""))
    except Exception:  # unreadable metadata should not cost the text
        return None


def _pdf_page_text(pdf: Any, index: int) -> str:
    """One page's text; a page PDFium cannot read counts as empty, not as a failed file."""
    try:
        page = pdf[index]
    except Exception:
        return ""
    try:
        textpage = page.get_textpage()
        try:
            raw = textpage.get_text_range()
        finally:
            textpage.close()
    except Exception:
        return ""
    finally:
        page.close()
    return raw.replace("\r\n", "\n").replace("\r", "\n").translate(_PDF_CONTROLS)


def _pdfium_reason(e: Exception) -> str:
    m = re.search(r"PDFium: ([^)]+)", str(e))
    return (m.group(1) if m else _short(e)).lower()


def _join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join pages with blank lines; record where each page starts."""
    starts: list[int] = []
    pos = 0
    for page in pages:
        starts.append(pos)
        pos += len(page) + 2
    return "\n\n".join(pages), tuple(starts)


# --------------------------------------------------------------------------- zip-based

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _open_zip(data: bytes, max_bytes: int, kind: str) -> zipfile.ZipFile:
    """Open a zip container after checking it cannot unpack into a memory bomb."""
    if data.startswith(_OLE_MAGIC):  # Office wraps password-protected files in OLE
        raise EncryptedFile("password-protected (or old-format) Office file")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception:  # BadZipFile, but also ValueError/EOFError on odd archives
        raise CorruptFile(f"damaged {kind} file: not a valid zip archive") from None
    total = 0
    for info in infos:
        total += info.file_size
        if (
            info.file_size > _ZIP_BIG_MEMBER
            and info.file_size > _ZIP_MAX_RATIO * max(info.compress_size, 1)
        ):
            raise TooLarge(f"unpacks to {_human(info.file_size)}, over the cap")
    if total > _ZIP_UNPACK_FACTOR * max_bytes:
        raise TooLarge(f"unpacks to {_human(total)}, over the cap")
    return zf


def _read_docx(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Paragraphs and tables in document order, blank lines between them."""
    _open_zip(data, max_bytes, "DOCX").close()

    def parse() -> Extracted:
        import docx

        doc = docx.Document(io.BytesIO(data))
        blocks = [b for b in _docx_blocks(doc) if b.strip()]
        text = "\n\n".join(blocks)[:max_bytes]
        return Extracted(text, _clean_title(doc.core_properties.title), "docx")

    return _with_library_errors("DOCX", parse)


def _docx_blocks(container: Any) -> Iterator[str]:
    from docx.table import Table

    for item in container.iter_inner_content():
        if isinstance(item, Table):
            yield "\n".join(_docx_table_lines(item))
        else:
            yield item.text


def _docx_table_lines(table: Any) -> Iterator[str]:
    """One line per row, cells tab-separated; merged cells counted once."""
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(b.replace("\n", " ") for b in _docx_blocks(cell) if b.strip()))
        line = "\t".join(cells).strip()
        if line:
            yield line


def _read_pptx(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Slide by slide (text frames, tables, notes); each slide is a page."""
    _open_zip(data, max_bytes, "PPTX").close()

    def parse() -> Extracted:
        import pptx

        prs = pptx.Presentation(io.BytesIO(data))
        slides: list[str] = []
        total = 0
        for slide in prs.slides:
            slides.append("\n\n".join(_pptx_slide_blocks(slide)))
            total += len(slides[-1]) + 2
            if total > max_bytes:
                break
        text, starts = _join_pages(slides) if slides else ("", (0,))
        title = _clean_title(prs.core_properties.title)
        return Extracted(text[:max_bytes], title, "pptx", page_starts=starts)

    return _with_library_errors("PPTX", parse)


def _pptx_slide_blocks(slide: Any) -> Iterator[str]:
    from pptx.shapes.group import GroupShape

    stack = list(reversed(slide.shapes))  # depth-first, in reading order, no recursion
    while stack:
        shape = stack.pop()
        if isinstance(shape, GroupShape):
            stack.extend(reversed(shape.shapes))
        elif shape.has_text_frame:
            text = shape.text_frame.text.replace("\v", "\n").strip()
            if text:
                yield text
        elif shape.has_table:
            rows = ("\t".join(c.text.replace("\v", " ") for c in r.cells) for r in shape.table.rows)
            text = "\n".join(r for r in rows if r.strip())
            if text:
                yield text
    if slide.has_notes_slide:
        frame = slide.notes_slide.notes_text_frame
        if frame is not None and frame.text.strip():
            yield frame.text.replace("\v", "\n").strip()


_ODF_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _read_odt(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Headings, paragraphs and table rows of an OpenDocument text, in order."""
    _open_zip(data, max_bytes, "ODT").close()

    def parse() -> Extracted:
        from odf import dc, opendocument

        doc = opendocument.load(io.BytesIO(data))
        blocks = [b for b in _odf_blocks(doc.text) if b.strip()]
        titles = doc.meta.getElementsByType(dc.Title) if doc.meta is not None else []
        title = _clean_title(_odf_text(titles[0])) if titles else None
        return Extracted("\n\n".join(blocks)[:max_bytes], title, "odt")

    return _with_library_errors("ODT", parse)


def _odf_blocks(root: Any) -> Iterator[str]:
    """Walk the body iteratively: a paragraph or heading is a block, a table row a line."""
    stack = list(reversed(root.childNodes))
    while stack:
        node = stack.pop()
        qname = getattr(node, "qname", None)
        if qname in ((_ODF_TEXT_NS, "p"), (_ODF_TEXT_NS, "h")):
            yield _odf_text(node)
        elif qname == (_ODF_TABLE_NS, "table"):
            yield "\n".join(_odf_table_lines(node))
        elif node.nodeType == node.ELEMENT_NODE:
            stack.extend(reversed(node.childNodes))


def _odf_table_lines(table: Any) -> Iterator[str]:
    from odf import table as odf_table

    for row in table.getElementsByType(odf_table.TableRow):
        cells = [
            " ".join(_odf_text(p) for p in _odf_paragraphs(cell))
            for cell in row.childNodes
            if getattr(cell, "qname", None) == (_ODF_TABLE_NS, "table-cell")
        ]
        line = "\t".join(cells).strip()
        if line:
            yield line


def _odf_paragraphs(node: Any) -> Iterator[Any]:
    stack = list(reversed(node.childNodes))
    while stack:
        n = stack.pop()
        if getattr(n, "qname", None) in ((_ODF_TEXT_NS, "p"), (_ODF_TEXT_NS, "h")):
            yield n
        elif n.nodeType == n.ELEMENT_NODE:
            stack.extend(reversed(n.childNodes))


def _odf_text(node: Any) -> str:
    """Like ``odf.teletype.extractText`` but iterative and with a sane cap on <text:s c>."""
    out: list[str] = []
    stack = list(reversed(node.childNodes))
    while stack:
        n = stack.pop()
        if n.nodeType == n.TEXT_NODE:
            out.append(n.data)
            continue
        qname = getattr(n, "qname", None)
        if qname == (_ODF_TEXT_NS, "line-break"):
            out.append("\n")
        elif qname == (_ODF_TEXT_NS, "tab"):
            out.append("\t")
        elif qname == (_ODF_TEXT_NS, "s"):
            count = str(n.getAttribute("c") or "1")
            out.append(" " * min(int(count) if count.isdigit() else 1, 100))
        elif qname in ((_ODF_TEXT_NS, "note"), (_ODF_TEXT_NS, "note-citation")):
            continue  # footnote bodies would cut the sentence in half
        else:
            stack.extend(reversed(n.childNodes))
    return "".join(out)


def _read_epub(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Spine items in reading order; each is a page. Parsed by hand (ebooklib is AGPL)."""
    zf = _open_zip(data, max_bytes, "EPUB")
    with zf:
        return _with_library_errors("EPUB", lambda: _parse_epub(zf, max_bytes))


def _parse_epub(zf: zipfile.ZipFile, max_bytes: int) -> Extracted:
    container = ElementTree.fromstring(zf.read("META-INF/container.xml"))
    opf_path = next(
        (el.get("full-path") for el in container.iter() if _local(el.tag) == "rootfile"), None
    )
    if not opf_path:
        raise CorruptFile("damaged EPUB file: no package document")
    opf = ElementTree.fromstring(zf.read(opf_path))
    base = posixpath.dirname(opf_path)
    manifest: dict[str, tuple[str, str]] = {}
    spine: list[str] = []
    title: str | None = None
    for el in opf.iter():
        name = _local(el.tag)
        if name == "item" and el.get("id") and el.get("href"):
            manifest[el.get("id", "")] = (el.get("href", ""), el.get("media-type", ""))
        elif name == "itemref" and el.get("idref"):
            spine.append(el.get("idref", ""))
        elif name == "title" and title is None and el.tag.startswith("{http://purl.org/dc/"):
            title = _clean_title("".join(el.itertext()))
    chapters: list[str] = []
    total = 0
    for idref in spine:
        href, media = manifest.get(idref, ("", ""))
        if not href or not (
            "html" in media or href.lower().endswith((".xhtml", ".html", ".htm"))
        ):
            continue
        member = posixpath.normpath(posixpath.join(base, unquote(href.split("#", 1)[0])))
        try:
            chapter = _html_to_text(_decode_html(zf.read(member)))[0]
        except (KeyError, ExtractError):  # a missing or unreadable chapter, not a dead book
            chapter = ""
        chapters.append(chapter)
        total += len(chapter) + 2
        if total > max_bytes:
            break
    if not any(chapters):
        if "META-INF/encryption.xml" in zf.namelist():
            raise EncryptedFile("DRM-protected EPUB")
        return Extracted("", title, "epub", page_starts=(0,))
    text, starts = _join_pages(chapters)
    return Extracted(text[:max_bytes], title, "epub", page_starts=starts)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


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


_DOC_READERS: dict[str, tuple[str, Reader]] = {
    ".html": ("html", _read_html),
    ".htm": ("html", _read_html),
    ".xhtml": ("html", _read_html),
    ".pdf": ("pdf", _read_pdf),
    ".docx": ("docx", _read_docx),
    ".odt": ("odt", _read_odt),
    ".pptx": ("pptx", _read_pptx),
    ".epub": ("epub", _read_epub),
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
    "html", "pdf", "docx", "odt", "pptx", "epub", "man",
]
