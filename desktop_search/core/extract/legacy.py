"""Older document formats: ``.rtf`` (striprtf), and Word 97-2003 ``.doc`` and PowerPoint
97-2003 ``.ppt`` read from their OLE streams (olefile) by hand.

What is lost: formatting, pictures, embedded objects; in ``.doc`` the field codes (their
shown results are kept) and text boxes drawn on the page; in ``.ppt`` the slide order of
the text (it is read in the file's order, without page numbers) and charts. Word 6/95
files (an older layout) and encrypted files are refused with a reason. A ``.doc`` that is
really RTF or HTML (Word saves those under ``.doc`` too) is read as what it is.
"""
from __future__ import annotations

from typing import Any

import io
import re
import struct
from pathlib import Path

from desktop_search.core.extract.common import Extracted, _clean_title, _with_library_errors
from desktop_search.errors import CorruptFile, EncryptedFile, TooLarge, UnsupportedFile
from desktop_search.i18n import N_

#: an RTF larger than this is not read (striprtf is a pure-Python scanner: about
#: 2-4 s per 10 MB; pictures inside an RTF are hex text and make most of a big one)
RTF_MAX_BYTES = 20 * 2**20
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --------------------------------------------------------------------------- rtf


def read_rtf(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """The text of an RTF file: control words and groups dropped, ``\\'xx`` and ``\\u``
    escapes decoded in the file's code page."""
    cap = min(max_bytes, RTF_MAX_BYTES)
    if len(data) > cap:
        raise TooLarge(N_("an RTF file over {cap} MB is not read (most of a big one is "
                         "pictures)").format(cap=cap // 2**20))
    if not data.lstrip()[:5].startswith(b"{\\rtf"):
        raise CorruptFile(N_("damaged RTF file: it does not begin as an RTF file does"))
    return Extracted(rtf_text(data)[:max_bytes], None, "rtf")


def rtf_text(data: bytes) -> str:
    """RTF bytes to plain text (also for an Outlook message's RTF body)."""
    def parse() -> str:
        from striprtf.striprtf import rtf_to_text

        codepage = re.search(rb"\\ansicpg(\d{3,5})", data[:4096])
        encoding = f"cp{int(codepage.group(1))}" if codepage else "cp1252"
        try:
            "".encode(encoding)
        except LookupError:
            encoding = "cp1252"
        text = rtf_to_text(data.decode("latin-1"), encoding=encoding, errors="replace")
        return re.sub(r"\n{3,}", "\n\n", text.replace("\r\n", "\n")).strip()

    return _with_library_errors("RTF", parse)


# --------------------------------------------------------------------------- doc


def read_doc(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """A Word 97-2003 document: the text of its pieces, in order (the piece table is how
    Word stores a fast-saved file too, so such a file reads as Word shows it)."""
    head = data.lstrip()[:16]
    if head.startswith(b"{\\rtf"):
        return read_rtf(path, data, max_bytes)
    if not data.startswith(_OLE_MAGIC):
        if head[:1] == b"<":
            from desktop_search.core.extract.html import _read_html

            return _read_html(path, data, max_bytes)
        return _plain_doc(path, data, max_bytes)
    return _with_library_errors("DOC", lambda: _parse_doc(data, max_bytes))


def _plain_doc(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """An old text file named ``.doc`` (editors of the 1990s used the name) is read as
    text when it clearly is; anything else is a damaged Word file."""
    from desktop_search.core.extract.decode import _sniff_unknown
    from desktop_search.core.extract.text import _read_unknown
    from desktop_search.errors import ExtractError

    try:
        _sniff_unknown(data[:8192], len(data) <= 8192)
        return _read_unknown(path, data, max_bytes)
    except ExtractError:
        raise CorruptFile(N_("damaged Word file: not a Word 97-2003 document")) from None


def _ole(data: bytes) -> Any:
    import olefile

    return olefile.OleFileIO(io.BytesIO(data))


def _parse_doc(data: bytes, max_bytes: int) -> Extracted:
    with _ole(data) as ole:
        if not ole.exists("WordDocument"):
            raise CorruptFile(N_("damaged Word file: no WordDocument stream"))
        word = ole.openstream("WordDocument").read()
        if len(word) < 0x1AA:
            raise CorruptFile(N_("damaged Word file: its header is cut short"))
        ident, nfib = struct.unpack_from("<HH", word, 0)
        flags = struct.unpack_from("<H", word, 0x0A)[0]
        if ident != 0xA5EC:
            raise CorruptFile(N_("damaged Word file: not a Word document"))
        if nfib < 0xC1:
            raise UnsupportedFile(N_("a Word 6/95 document (too old a format to read)"))
        if flags & 0x0100:
            raise EncryptedFile(N_("password-protected Word file"))
        table_name = "1Table" if flags & 0x0200 else "0Table"
        if not ole.exists(table_name):
            raise CorruptFile(N_("damaged Word file: no table stream"))
        table = ole.openstream(table_name).read()
        fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x1A2)
        title = _ole_title(ole)
    text = _doc_pieces(word, table[fc_clx:fc_clx + lcb_clx], max_bytes)
    return Extracted(_clean_doc_text(text)[:max_bytes], title, "doc")


def _doc_pieces(word: bytes, clx: bytes, max_bytes: int) -> str:
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:            # Prc: formatting, skipped
        pos += 3 + struct.unpack_from("<h", clx, pos + 1)[0]
    if pos + 5 > len(clx) or clx[pos] != 0x02:
        raise CorruptFile(N_("damaged Word file: no piece table"))
    lcb = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5:pos + 5 + lcb]
    n = (len(plc) - 4) // 12
    if n <= 0:
        return ""
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    out: list[str] = []
    total = 0
    for i in range(n):
        count = max(0, min(cps[i + 1] - cps[i], max_bytes - total))
        fc = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * i + 2)[0]
        if fc & 0x40000000:                               # 8-bit text (cp1252)
            start = (fc & 0x3FFFFFFF) // 2
            out.append(word[start:start + count].decode("cp1252", "replace"))
        else:                                             # UTF-16LE
            out.append(word[fc:fc + 2 * count].decode("utf-16-le", "replace"))
        total += count
        if total >= max_bytes:
            break
    return "".join(out)


_FIELD = re.compile(r"\x13[^\x13\x14\x15]*\x14?|\x15")


def _clean_doc_text(text: str) -> str:
    """Word's marks made plain: paragraphs, cells as tabs, field codes dropped."""
    for _i in range(8):                       # nested fields, innermost first
        new = _FIELD.sub("", text)
        if new == text:
            break
        text = new
    text = text.replace("\r", "\n").replace("\x07", "\t").replace("\x0b", "\n")
    text = text.replace("\x0c", "\n").replace("\x1e", "-").replace("\x1f", "")
    text = re.sub(r"[\x00-\x08\x0e-\x1d]", "", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _ole_title(ole: Any) -> str | None:
    try:
        meta = ole.get_metadata()
        title = meta.title
        return _clean_title(title.decode("cp1252", "replace") if isinstance(title, bytes)
                            else title)
    except Exception:  # noqa: BLE001 - a damaged summary: no title, not a failed file
        return None


# --------------------------------------------------------------------------- ppt

_TEXT_CHARS, _TEXT_BYTES = 0x0FA0, 0x0FA8
#: a record whose version nibble is this holds other records
_CONTAINER = 0xF
#: the masters' placeholder prompts ("Click to edit Master title style"), not content
_MASTER = "Click to edit Master"


def read_ppt(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """The text boxes and notes of a PowerPoint 97-2003 file, in the file's order, each
    text once (outlines and slides hold the same words)."""
    if not data.startswith(_OLE_MAGIC):
        raise CorruptFile(N_("damaged PowerPoint file: not a PowerPoint 97-2003 file"))
    return _with_library_errors("PPT", lambda: _parse_ppt(data, max_bytes))


def _parse_ppt(data: bytes, max_bytes: int) -> Extracted:
    with _ole(data) as ole:
        if ole.exists("EncryptedSummary"):
            raise EncryptedFile(N_("password-protected PowerPoint file"))
        if not ole.exists("PowerPoint Document"):
            raise CorruptFile(N_("damaged PowerPoint file: no PowerPoint Document stream"))
        stream = ole.openstream("PowerPoint Document").read()
        title = _ole_title(ole)
    texts: list[str] = []
    seen: set[str] = set()
    total = 0
    pos = 0
    while pos + 8 <= len(stream) and total < max_bytes:
        ver_inst, rtype, length = struct.unpack_from("<HHI", stream, pos)
        pos += 8
        if ver_inst & 0xF == _CONTAINER:
            continue                                   # step into the container
        body = stream[pos:pos + length]
        pos += length
        if rtype == _TEXT_CHARS:
            text = body.decode("utf-16-le", "replace")
        elif rtype == _TEXT_BYTES:
            text = body.decode("cp1252", "replace")
        else:
            continue
        text = text.replace("\r", "\n").replace("\x0b", "\n").strip()
        if text and text not in seen and text != "*" and not text.startswith(_MASTER):
            seen.add(text)
            texts.append(text)
            total += len(text) + 2
    return Extracted("\n\n".join(texts)[:max_bytes], title, "ppt")
