"""Text -> passages that fit the model's window, cut at paragraph and sentence ends.

Pure functions. A chunk is a span ``text[start:end]`` of the extracted text, so a hit
maps back to its place in the file (page, line) and snippets are exact.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

#: counts a text's word pieces in the model's own tokenizer (``Embedder.count_tokens``)
TokenCounter = Callable[[str], int]

# Without the model's tokenizer, word pieces are estimated: a word is ~1.3 pieces for
# English prose, a punctuation mark is one, and a Chinese, Japanese or Korean character
# (scripts without spaces, where a "word" is a whole sentence) is one. With the model's
# tokenizer (``count_tokens``) they are counted, so no chunk exceeds the model's window
# in any script.
_TOKEN_RE = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_PARA_RE = re.compile(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*\Z)", re.DOTALL)
# Chinese and Japanese end a sentence with 。！？ and no space after it
_SENT_END_RE = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])\s*|\n")

# Measured on the dev collections (dense only, max-pooled per file, nDCG@10):
# cranfield 35.3 at 180 -> 36.5 at 256; med 79.0 -> 80.2. The estimate runs ~1.1-1.2x
# the real word-piece count, so 256 estimated pieces stay inside MiniLM's 256 window.
DEFAULT_MAX_TOKENS = 256
DEFAULT_OVERLAP_TOKENS = 40


@dataclass(frozen=True, slots=True)
class Chunk:
    start: int
    end: int
    text: str


_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _word_cost(word: str) -> int:
    """Estimated pieces of one \\w+ run: CJK characters one each, the rest ~6 letters each."""
    cjk = len(_CJK_RE.findall(word)) if len(word) > 1 else 0
    rest = len(word) - cjk
    return cjk + (0 if rest == 0 else 1 if rest <= 6 else 1 + (rest - 1) // 6)


def estimate_tokens(text: str) -> int:
    n = 0
    for m in _TOKEN_RE.finditer(text):
        n += _word_cost(m.group())
    return n


def _spans(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Split text[start:end] at pattern matches into trimmed, non-empty spans."""
    out: list[tuple[int, int]] = []
    pos = start
    for m in pattern.finditer(text, start, end):
        _add_trimmed(text, pos, m.start(), out)
        pos = m.end()
    _add_trimmed(text, pos, end, out)
    return out


def _add_trimmed(text: str, a: int, b: int, out: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        out.append((a, b))


def _paragraphs(text: str) -> list[tuple[int, int]]:
    return _spans(text, 0, len(text), re.compile(r"\n[ \t\r\f\v]*\n\s*"))


def _split_long(text: str, a: int, b: int, max_tokens: int,
                count: TokenCounter | None = None) -> list[tuple[int, int]]:
    """A sentence longer than the window: cut between words (or anywhere, if none)."""
    out: list[tuple[int, int]] = []
    seg_start, n = a, 0
    for m in _TOKEN_RE.finditer(text, a, b):
        cost = _word_cost(m.group())
        if cost > max_tokens:
            # one run longer than the window (CJK prose has no spaces): cut inside it
            if m.start() > seg_start:
                _add_trimmed(text, seg_start, m.start(), out)
            step = max(1, max_tokens * (m.end() - m.start()) // cost)
            pos = m.start()
            while m.end() - pos > step:
                _add_trimmed(text, pos, pos + step, out)
                pos += step
            seg_start, n = pos, _word_cost(text[pos:m.end()])
            continue
        n += cost
        if n > max_tokens and m.start() > seg_start:
            cut = m.start()
            _add_trimmed(text, seg_start, cut, out)
            seg_start, n = cut, cost
    _add_trimmed(text, seg_start, b, out)
    if count is not None:
        out = [piece for s, e in out for piece in _fit(text, s, e, max_tokens, count)]
    # a single enormous "word" (base64, minified code): hard cut by characters
    final: list[tuple[int, int]] = []
    limit = max_tokens * 6
    for s, e in out:
        while e - s > limit:
            final.append((s, s + limit))
            s += limit
        final.append((s, e))
    return final


def _fit(text: str, a: int, b: int, max_tokens: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Halve a span (at a space when there is one) until the model's tokenizer says it fits."""
    if b - a <= 1 or count(text[a:b]) <= max_tokens:
        return [(a, b)]
    mid = (a + b) // 2
    sp = text.rfind(" ", a + 1, mid + 1)
    if sp > a + (b - a) // 4:
        mid = sp
    left: list[tuple[int, int]] = []
    _add_trimmed(text, a, mid, left)
    _add_trimmed(text, mid, b, left)
    return [p for s, e in left for p in _fit(text, s, e, max_tokens, count)]


def _units(text: str, max_tokens: int,
           count: TokenCounter | None = None) -> list[tuple[int, int, int, bool]]:
    """(start, end, tokens, starts_paragraph) for sentence-sized units in order."""
    units: list[tuple[int, int, int, bool]] = []
    measure = count or estimate_tokens
    for pa, pb in _paragraphs(text):
        ptoks = measure(text[pa:pb])
        if ptoks <= max_tokens:
            units.append((pa, pb, ptoks, True))
            continue
        first = True
        for sa, sb in _spans(text, pa, pb, _SENT_END_RE):
            stoks = measure(text[sa:sb])
            if stoks <= max_tokens:
                units.append((sa, sb, stoks, first))
                first = False
            else:
                for xa, xb in _split_long(text, sa, sb, max_tokens, count):
                    units.append((xa, xb, measure(text[xa:xb]), first))
                    first = False
    return units


def chunk_text(
    text: str,
    *,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
    count_tokens: TokenCounter | None = None,
) -> list[Chunk]:
    """Pack sentences into chunks of at most ``max_tokens``.

    ``count_tokens`` is the model's own tokenizer; without it pieces are estimated.
    Chunks are a pure function of (text, max_tokens, count_tokens).

    A chunk prefers to end at a paragraph end; the next chunk repeats the previous
    chunk's last sentence when it is short (<= ``overlap_tokens``) so an idea split
    across the cut is still found whole.
    """
    units = _units(text, max_tokens, count_tokens)
    chunks: list[Chunk] = []
    i = 0
    n = len(units)
    while i < n:
        start_i = i
        tokens = 0
        j = i
        while j < n and (j == start_i or tokens + units[j][2] <= max_tokens):
            tokens += units[j][2]
            j += 1
        # prefer ending at a paragraph boundary if that keeps the chunk at least half full
        if j < n and not units[j][3]:
            for k in range(j - 1, start_i, -1):
                if units[k][3]:
                    kept = sum(u[2] for u in units[start_i:k])
                    if kept >= max_tokens // 2:
                        j = k
                    break
        a, b = units[start_i][0], units[j - 1][1]
        chunks.append(Chunk(a, b, text[a:b]))
        if j >= n:
            break
        # overlap: restart at the last unit if it is short and not the whole chunk
        last = j - 1
        if last > start_i and units[last][2] <= overlap_tokens and not units[j][3]:
            i = last
        else:
            i = j
    return chunks


def heading_for(title: str | None, filename: str) -> str:
    """What a file is called, prefixed to each passage when it is embedded.

    The title when the format has one, else the file name made readable; a name of
    only digits or hex (``0042.txt``, ``a3f9e1.md``) says nothing and is left out.
    """
    if title and title.strip():
        return " ".join(title.split())[:200]
    stem = filename.rsplit(".", 1)[0] if "." in filename[1:] else filename
    words = re.sub(r"[_\-.]+", " ", stem).strip()
    if (not re.search(r"[A-Za-z\u00C0-\uFFFF]", words)
            or re.fullmatch(r"[0-9a-fA-F]{8,}", words.replace(" ", ""))):
        return ""
    return words
