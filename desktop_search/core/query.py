"""What a query means to the word index, and where its words are in a passage.

Query terms (stopwords dropped), the safe FTS5 expression built from them, and the
highlight pattern and snippet that show a user why a passage matched. Shared by search,
the preview and the window.
"""
from __future__ import annotations

import re
from typing import Iterable

SNIPPET_CHARS = 260

_WORD_RE = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset("""a an and are as at be but by for from has have if in into is it its of on or
such that the their then there these they this to was were what when where which who will with
how do does did can could should would about i you we he she them our your my me us not no""".split())


def query_terms(query: str) -> list[str]:
    words = [w.lower() for w in _WORD_RE.findall(query)]
    kept = [w for w in words if w not in STOPWORDS]
    return kept or words


def fts_query(query: str) -> str:
    """A safe FTS5 expression: every word quoted, OR-ed (BM25 ranks the overlap)."""
    terms = query_terms(query)
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in dict.fromkeys(terms))


_SENT_RE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")


def term_pattern(terms: Iterable[str]) -> re.Pattern | None:
    """One regex for the query's words and their inflections (a shared stem of >= 4
    letters: "watering" finds "watered", "waters")."""
    alts = set()
    for t in terms:
        if len(t) >= 4:
            alts.add(re.escape(t[:max(4, len(t) - 2)]) + r"\w*")
        else:
            alts.add(re.escape(t) + r"\b")
    if not alts:
        return None
    return re.compile(r"\b(?:" + "|".join(sorted(alts, key=len, reverse=True)) + ")", re.IGNORECASE)


def highlight_spans(text: str, terms: list[str] | re.Pattern | None) -> list[tuple[int, int]]:
    """Where the query's words (or forms with the same stem) occur in text."""
    pat = terms if isinstance(terms, re.Pattern) or terms is None else term_pattern(terms)
    if pat is None:
        return []
    return [(m.start(), m.end()) for m in pat.finditer(text)]


def make_snippet(text: str, terms: list[str] | re.Pattern | None, width: int = SNIPPET_CHARS
                 ) -> tuple[str, list[tuple[int, int]], int]:
    """Trim a passage around its sentence richest in query words.

    Returns (snippet, highlight spans within it, offset of the snippet in text).
    """
    pat = terms if isinstance(terms, re.Pattern) or terms is None else term_pattern(terms)
    text_len = len(text)
    if text_len <= width:
        start, end = 0, text_len
    else:
        best_start = 0
        if pat is not None:
            matches = [(m.start(), m.group().lower()) for m in pat.finditer(text)]
            best_hits = 0
            for sm in _SENT_RE.finditer(text):
                distinct = {w for pos, w in matches if sm.start() <= pos < sm.end()}
                if len(distinct) > best_hits:
                    best_start, best_hits = sm.start(), len(distinct)
        start = max(0, min(best_start - 40, text_len - width))
        end = min(text_len, start + width)
        # snap to word boundaries
        if start > 0:
            sp = text.find(" ", start, start + 30)
            start = sp + 1 if sp != -1 else start
        if end < text_len:
            sp = text.rfind(" ", end - 30, end)
            end = sp if sp != -1 else end
    snippet = " ".join(text[start:end].split())
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < text_len else ""
    snippet = prefix + snippet + suffix
    return snippet, highlight_spans(snippet, pat), start
