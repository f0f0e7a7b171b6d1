"""Plain text, source code, Markdown, reStructuredText: kept verbatim so offsets are real lines."""
from __future__ import annotations

import re
from pathlib import Path

from desktop_search.core.extract import compressed
from desktop_search.core.extract.common import Extracted, _clean_title
from desktop_search.core.extract.decode import _decode

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


def _text_kind(path: Path) -> str:
    if path.name.lower() in _CODE_NAMES:
        return "code"
    return _TEXT_KINDS.get(path.suffix.lower(), "text")


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
        return _read_troff(text, path)
    return Extracted(text, None, "text", has_lines=True)


def _read_troff(text: str, path: Path) -> Extracted:
    """A manual page, rendered to the text ``man`` shows (its lines are not the file's)."""
    out, title = compressed.render_troff(text, path=path)
    return Extracted(out, title, "man")


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

