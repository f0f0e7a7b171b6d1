"""A hit in its file: the text around the passage, where the passage is, which words to mark.

The window's preview pane and the CLI's ``search --preview`` both show this. The text
comes from the catalog (the extracted text the index was built from), not from the disk:
it is what the search saw, and it is there even for a PDF or a file that has since moved.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from desktop_search.core.analyze import highlight_spans
from desktop_search.core.search.question import Question
from desktop_search.core.search.request import Hit

if TYPE_CHECKING:
    from desktop_search.core.store.catalog import Catalog

#: how much of a file the window shows around the passage (characters)
PREVIEW_CHARS = 60_000


@dataclass(frozen=True, slots=True)
class PreviewDoc:
    """A file's text around a hit, with where to highlight (offsets into ``text``)."""

    hit: Hit
    text: str
    passage: tuple[int, int]
    words: tuple[tuple[int, int], ...]
    truncated_before: bool = False
    truncated_after: bool = False
    #: the sentence that answers (offsets into ``text``), when the hit has one
    answer: tuple[int, int] | None = None

    def with_answer(self, hit: Hit) -> "PreviewDoc":
        """This preview for ``hit`` (the same passage), its answer marked."""
        a = self.passage[0]
        answer = None if hit.answer is None else (a + hit.answer.start, a + hit.answer.end)
        return replace(self, hit=hit, answer=answer)

    def around(self, *, context: int) -> "PreviewDoc":
        """The passage with at most ``context`` characters either side, cut at spaces,
        so a terminal shows the passage in context rather than the whole file."""
        a, b = self.passage
        lo = max(0, a - context)
        hi = min(len(self.text), b + context)
        if lo > 0:
            sp = self.text.find(" ", lo, a)
            lo = sp + 1 if sp != -1 else lo
        if hi < len(self.text):
            sp = self.text.rfind(" ", b, hi)
            hi = sp if sp != -1 else hi
        words = tuple((s - lo, e - lo) for s, e in self.words if s >= lo and e <= hi)
        answer = None if self.answer is None else (self.answer[0] - lo, self.answer[1] - lo)
        return replace(self, text=self.text[lo:hi], passage=(a - lo, b - lo), words=words,
                       answer=answer,
                       truncated_before=self.truncated_before or lo > 0,
                       truncated_after=self.truncated_after or hi < len(self.text))


def build_preview(*, catalog: Catalog, hit: Hit, question: Question | None = None,
                  limit: int = PREVIEW_CHARS) -> PreviewDoc | None:
    """The file's extracted text around the hit's passage; None if the file left the index.

    Chunks are exact spans of the extracted text and may overlap; gaps between them were
    whitespace. ``question`` holds the words to mark in the passage (none for "more like
    this"). Reads the catalog: call it off the GUI thread.
    """
    chunks = catalog.chunks_of_file(hit.file_id)
    if not chunks:
        return None
    target = next((i for i, c in enumerate(chunks) if c.id == hit.chunk_id), None)
    if target is None:
        target = min(range(len(chunks)), key=lambda i: abs(chunks[i].start - hit.passage_start))
    # keep a window of chunks around the hit
    lo = hi = target
    size = len(chunks[target].text)
    while size < limit and (lo > 0 or hi < len(chunks) - 1):
        if lo > 0:
            lo -= 1
            size += len(chunks[lo].text)
        if hi < len(chunks) - 1 and size < limit:
            hi += 1
            size += len(chunks[hi].text)
    parts: list[str] = []
    pos = 0
    end_prev = None
    passage = (0, 0)
    for i in range(lo, hi + 1):
        c = chunks[i]
        if end_prev is None:
            piece, piece_src_start = c.text, c.start
        elif c.start >= end_prev:
            gap = c.start - end_prev
            sep = "\n\n" if gap >= 2 else (" " if gap else "")
            parts.append(sep)
            pos += len(sep)
            piece, piece_src_start = c.text, c.start
        else:
            skip = end_prev - c.start
            piece, piece_src_start = c.text[skip:], end_prev
        if i == target:
            # where the hit's whole chunk lies in our text
            start_in_text = pos - (piece_src_start - c.start)
            passage = (max(0, start_in_text), start_in_text + len(c.text))
        parts.append(piece)
        pos += len(piece)
        end_prev = max(end_prev or 0, c.end)
    text = "".join(parts)
    a, b = passage
    marker = question.matcher() if question is not None and question.words else None
    words = tuple((a + s, a + e) for s, e in highlight_spans(text[a:b], marker))
    doc = PreviewDoc(hit=hit, text=text, passage=passage, words=words,
                     truncated_before=lo > 0, truncated_after=hi < len(chunks) - 1)
    return doc.with_answer(hit) if hit.answer is not None else doc
