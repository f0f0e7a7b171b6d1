"""Compressed text (``.gz``, ``.bz2``, ``.xz``) and manual pages (troff).

A Debian documentation folder is mostly ``changelog.gz``, ``README.gz`` and man pages
(``ls.1.gz``): plain text or troff behind a compressor. The compressed file is unpacked in
memory, never past the size cap, and then read by the reader its inner name asks for
(``notes.md.gz`` is markdown, ``index.html.gz`` is HTML). Archives (``.tar.gz``) are not
documents and stay unsupported.

A decompression bomb is refused with a reason: the output may not exceed the size cap,
and a big output may not exceed ``MAX_RATIO`` times its compressed size.

Troff is rendered by ``groff`` only for the system's own pages (root-owned, under the
system man folders): groff follows ``.so``/``.mso``/``.pso``/``.open`` even in its safer
mode, so a page anywhere else (``evil.1`` with ``.so ~/.ssh/id_rsa``) would bring another
file's text into the index. Every other page, and every page when groff is missing, has its
common ``man``/``mdoc`` macros and escapes stripped here, which never reads a file.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import shutil
import subprocess
import tempfile
import zlib
from pathlib import Path
from typing import Callable

from desktop_search.errors import CorruptFile, TooLarge

#: compressor suffixes -> opener of a binary stream over the compressed bytes
OPENERS: dict[str, Callable[[io.BytesIO], io.BufferedIOBase]] = {
    ".gz": lambda f: gzip.GzipFile(fileobj=f, mode="rb"),
    ".bz2": lambda f: bz2.BZ2File(f, mode="rb"),
    ".xz": lambda f: lzma.LZMAFile(f, mode="rb"),
}
#: a big output may be at most this many times its compressed size (text rarely tops 20x)
MAX_RATIO = 200
#: outputs below this size are never called bombs, whatever their ratio
RATIO_FLOOR = 10 * 2**20
GROFF_TIMEOUT_S = 20.0

_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError)


def inner_name(path: Path) -> Path:
    """``ls.1.gz`` -> ``ls.1``: the name that says what the unpacked bytes are."""
    return path.with_name(path.name[: -len(path.suffix)]) if path.suffix.lower() in OPENERS else path


def decompress(path: Path, data: bytes, max_bytes: int) -> bytes:
    """The unpacked bytes, at most ``max_bytes``; a bomb or a damaged file raises."""
    kind = path.suffix.lower().lstrip(".")
    by_ratio = max(RATIO_FLOOR, len(data) * MAX_RATIO)
    limit = min(max_bytes, by_ratio)
    try:
        with OPENERS[path.suffix.lower()](io.BytesIO(data)) as f:
            out = f.read(limit + 1)     # reads incrementally: never more than limit + 1
    except _ERRORS as exc:
        raise CorruptFile(f"damaged {kind} file: {_reason(exc)}") from None
    if len(out) > limit:
        if by_ratio < max_bytes:
            raise TooLarge(f"unpacks to more than {MAX_RATIO} times its size: refused as a "
                           "possible decompression bomb")
        raise TooLarge(f"unpacks to more than the {_mb(max_bytes)} size cap")
    return out


# --------------------------------------------------------------------------- troff

_TROFF_HEAD = re.compile(r"^(?:\.\\\"|'\\\"|\.(?:TH|Dd|Dt|so|de|ig|SH|ds)\b)", re.M)
_MAN_SECTION = re.compile(r"^\.\d[a-z]*$|^\.man$|^\.[nl]$", re.I)


def looks_like_troff(name: Path, text: str) -> bool:
    """A manual page: a man-section name (``.1``, ``.3pm``) or troff macros at its top
    (``syslog.1`` is a rotated log, so the content decides)."""
    head = text[:4000]
    macros = len(_TROFF_HEAD.findall(head))
    if macros == 0:
        return False
    has_title = re.search(r"^\.(?:TH|Dd)\b", head, re.M) is not None
    return has_title or (macros >= 2 and bool(_MAN_SECTION.match(name.suffix)))


#: where the system's own manual pages live: only root can write there
SYSTEM_MAN_DIRS = ("/usr/share/man", "/usr/local/share/man", "/usr/man", "/usr/X11R6/man",
                   "/opt/homebrew/share/man")


def trusted_man_page(path: Path) -> bool:
    """The page is the system's own: an absolute path under a system man folder whose every
    folder (and the file, when it exists) is root-owned and writable by root alone."""
    if not path.is_absolute():
        return False                       # a member of an archive: its name says nothing
    try:
        real = Path(os.path.realpath(path))
    except (OSError, ValueError):
        return False
    for top in SYSTEM_MAN_DIRS:
        if real.parent == Path(top) or Path(top) in real.parents:
            break
    else:
        return False
    chain = [real] if real.exists() else []
    folder = real.parent
    while True:
        chain.append(folder)
        if folder == Path(top):
            break
        folder = folder.parent
    return all(_root_only(p) for p in chain)


def _root_only(path: Path) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return st.st_uid == 0 and not st.st_mode & 0o022


def render_troff(text: str, *, path: Path | None = None) -> tuple[str, str | None]:
    """Plain text and the title (the NAME line: ``ls - list directory contents``).
    ``path`` is where the page lives: groff renders it only when it is a system page."""
    out = _groff(text) if path is not None and trusted_man_page(path) else None
    if out is None:
        out = strip_troff(text)
    out = _tidy(out)
    return out, _man_title(out)


def _groff(text: str) -> str | None:
    exe = shutil.which("groff")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="ds-troff-") as empty:
        try:
            proc = subprocess.run(
                [exe, "-t", "-k", "-man", "-Tutf8", "-rLL=2000n", "-rHY=0", "-P", "-cbou"],
                input=text.encode("utf-8", "replace"), capture_output=True, cwd=empty,
                timeout=GROFF_TIMEOUT_S, env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"})
        except (OSError, subprocess.SubprocessError):
            return None
    if proc.returncode != 0 or not proc.stdout.strip():
        return None
    return proc.stdout.decode("utf-8", "replace")


_ESCAPES = [
    (re.compile(r"\\f(?:\[[^\]]*\]|\(..|.)"), ""),          # font changes
    (re.compile(r"\\s[+-]?\d+"), ""),                        # size changes
    (re.compile(r"\\\*(?:\[[^\]]*\]|\(..|.)"), ""),         # strings
    (re.compile(r"\\\((?:em|en)"), "\u2014"),
    (re.compile(r"\\\((?:lq|rq|dq)"), '"'),
    (re.compile(r"\\\((?:oq|cq|aq)"), "'"),
    (re.compile(r"\\\(bu"), "\u2022"),
    (re.compile(r"\\\(co"), "\u00a9"),
    (re.compile(r"\\\(..|\\\[[^\]]*\]"), ""),
    (re.compile(r"\\[-]"), "-"),
    (re.compile(r"\\[ ~0|^]"), " "),
    (re.compile(r"\\[&%c:]"), ""),
    (re.compile(r"\\e"), "\\\\"),
]
_MACRO = re.compile(r"^[.'][ \t]*([A-Za-z]{1,3})\b[ \t]*(.*)$")
_INLINE_FONT = {"B", "I", "SM", "SB", "BI", "BR", "IB", "IR", "RB", "RI", "Nm", "Ar", "Fl",
                "Cm", "Pa", "Va", "Fn", "Xr", "Em", "Sy", "Li", "Ev", "Ic", "Dv", "Er"}
_HEADINGS = {"SH", "SS", "Sh", "Ss"}


def strip_troff(text: str) -> str:
    """The man/mdoc macros and escapes removed (when groff is not installed)."""
    lines: list[str] = []
    skip = False
    for raw in text.splitlines():
        if skip:
            skip = not raw.startswith("..")
            continue
        if raw.startswith((".\\\"", "'\\\"", '.\\"')) or raw.strip() in (".", "'"):
            continue
        m = _MACRO.match(raw)
        if m:
            name, rest = m.group(1), m.group(2)
            if name in ("de", "ig"):
                skip = True
                continue
            if name in _HEADINGS:
                lines += ["", _unquote(rest).upper() if name == "SH" else _unquote(rest)]
            elif name in _INLINE_FONT:
                lines.append(_unquote(rest))
            elif name in ("TH", "Dt"):
                lines.append(" ".join(_unquote(rest).split()[:2]))
            elif name in ("PP", "LP", "P", "TP", "IP", "Pp", "br", "sp"):
                lines.append("")
                if name == "IP" and rest:
                    lines.append(_unquote(rest).split(" ")[0])
            continue
        lines.append(raw)
    out = "\n".join(lines)
    for pattern, repl in _ESCAPES:
        out = pattern.sub(repl, out)
    return out.replace("\\\\", "\\")


def _unquote(s: str) -> str:
    parts = re.findall(r'"([^"]*)"|(\S+)', s)
    return " ".join(a or b for a, b in parts)


_SPACES = re.compile(r"[ \t]{2,}")
_BLANKS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip() + "\n"


def _man_title(text: str) -> str | None:
    m = re.search(r"^NAME\s*\n+(.+)", text, re.M)
    if not m:
        return None
    title = m.group(1).strip()
    return title[:200] or None


def _reason(exc: BaseException) -> str:
    msg = str(exc).strip() or type(exc).__name__
    return msg.splitlines()[0][:120]


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"
