"""Decoding text of unknown encoding; telling text from binary."""
from __future__ import annotations

import codecs
import re

from desktop_search.core.extract.common import SNIFF_BYTES
from desktop_search.errors import (
    BinaryFile,
    UnsupportedFile,
)

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
        wide = _utf16_or_32_without_bom(data[:SNIFF_BYTES])
        if wide is None:
            raise BinaryFile(_NOT_TEXT)
        return _checked(data.decode(wide, errors="replace"), strict)
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
    # PostScript is a program for a printer: read raw, a manual (valgrind's, 8 MB
    # unpacked) becomes tens of thousands of passages of operators
    if head.lstrip(b"\xef\xbb\xbf\r\n\t ").startswith(b"%!PS"):
        raise UnsupportedFile("PostScript is a page description, not text: it is not read")
    if not complete and (cut := head.rfind(b"\n")) > 0:
        head = head[: cut + 1]  # do not split a multibyte character (Shift-JIS, GBK...)
    _decode(head, strict=True, partial=not complete)

