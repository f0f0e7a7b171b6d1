"""What may be handed to the desktop from inside a file, and how names are shown.

A document inside an archive or a mail is copied out alone before it is opened. The copy
keeps its own extension, and the desktop's opener runs what the extension says: a ``.js``,
``.vbs``, ``.bat``, ``.hta``, ``.url`` or ``.reg`` (``.command`` on macOS) would run on Enter.
So only documents and media (``OPENABLE``) are opened; anything else is offered as
"Save a Copy…". Every copy carries the mark its platform gives downloaded files (the
Windows zone mark, the macOS quarantine attribute), so the programs that open it treat it
as coming from elsewhere.

A name may hold bidirectional controls (``Invoice\\u202efdp.js`` reads as "Invoicesj.pdf"):
``shown_name`` writes them as escapes wherever a name is shown.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import PurePosixPath

#: extensions opened from inside a file: documents, pictures, sound and video. Not HTML or
#: SVG (scripts in a browser), not archives, not anything a shell or a script host runs.
OPENABLE: frozenset[str] = frozenset(
    ".txt .text .md .markdown .rst .csv .tsv .log .pdf .docx .odt .pptx .odp .xlsx .ods .rtf "
    ".doc .xls .ppt .epub .eml .jpg .jpeg .png .gif .webp .bmp .tif .tiff .heic .heif "
    ".mp3 .ogg .oga .flac .wav .m4a .opus .mp4 .m4v .mkv .webm .mov .avi".split())

#: the controls that reorder text on screen (LRE RLE PDF LRO RLO, LRI RLI FSI PDI, the
#: marks LRM RLM ALM): shown as escapes, never obeyed, in a name
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def can_open_inside(name: str) -> bool:
    """A copy named ``name`` (of a document inside a file) may go to the desktop opener."""
    base = PurePosixPath(name.replace("\\", "/")).name
    if _BIDI.search(base):
        return False
    return PurePosixPath(base.lower()).suffix in OPENABLE


def shown_name(name: str) -> str:
    """``name`` with its bidirectional controls written as escapes (``\\u202e``)."""
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", name)


def mark_as_downloaded(path: str | os.PathLike[str], *, platform: str = sys.platform) -> bool:
    """Give a copy the mark of a file from elsewhere: Windows' zone mark (the
    ``Zone.Identifier`` stream, zone 3), macOS' quarantine attribute. False where the
    platform has none (Linux) or the mark could not be set."""
    path = os.fspath(path)
    try:
        if platform == "win32":
            with open(path + ":Zone.Identifier", "w", encoding="ascii", newline="") as f:
                f.write("[ZoneTransfer]\r\nZoneId=3\r\n")
            return True
        if platform == "darwin":
            value = f"0081;{int(time.time()):08x};desktop-search;"
            subprocess.run(["xattr", "-w", "com.apple.quarantine", value, path],
                           check=True, capture_output=True, timeout=10)
            return True
    except (OSError, subprocess.SubprocessError):
        return False
    return False


__all__ = ["OPENABLE", "can_open_inside", "mark_as_downloaded", "shown_name"]
