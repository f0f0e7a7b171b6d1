"""HTML and XHTML: visible text with block structure kept as line breaks."""
from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from pathlib import Path

from desktop_search.core.extract.common import (
    Extracted,
    _clean_title,
    _with_library_errors,
)
from desktop_search.core.extract.decode import _BOMS, _decode
from desktop_search.errors import (
    BinaryFile,
)

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

