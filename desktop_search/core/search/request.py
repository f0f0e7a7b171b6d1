"""What the window and the CLI ask (``TextQuery``, ``SimilarTo``, with ``Filters``) and
what they get back (``Hit``)."""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Union

from desktop_search.core.analyze import query_terms
from desktop_search.core.store import ChunkRow


@dataclass
class Filters:
    folders: list[str] = field(default_factory=list)    # keep files under any of these
    kinds: list[str] = field(default_factory=list)      # keep these kinds ("pdf", "markdown", ...)
    modified_after: float | None = None                 # unix seconds; a photo's date taken
    modified_before: float | None = None                # counts instead of its file date

    def active(self) -> bool:
        return bool(self.folders or self.kinds or self.modified_after or self.modified_before)

    def keep(self, row: ChunkRow) -> bool:
        if self.folders and not any(
                row.path == f or row.path.startswith(f.rstrip(os.sep) + os.sep) for f in self.folders):
            return False
        if self.kinds and (row.kind or "") not in self.kinds:
            return False
        mtime = row.taken if row.taken is not None else row.mtime_ns / 1e9
        if self.modified_after is not None and mtime < self.modified_after:
            return False
        if self.modified_before is not None and mtime > self.modified_before:
            return False
        return True


@dataclass(frozen=True, slots=True)
class TextQuery:
    """Files that match what the user typed (by meaning and by words)."""

    text: str
    filters: Filters | None = None

    @property
    def terms(self) -> list[str]:
        """The words a result marks."""
        return query_terms(self.text) if self.text.strip() else []


@dataclass(frozen=True, slots=True)
class SimilarTo:
    """Files about the same things as this indexed file ("more like this")."""

    path: str
    filters: Filters | None = None

    @property
    def terms(self) -> list[str]:
        return []            # nothing was typed: no words to mark


#: what the window and the CLI ask ``Engine.find`` for
SearchRequest = Union[TextQuery, SimilarTo]


@dataclass(frozen=True, slots=True)
class Answer:
    """The sentence (or two) of a hit's passage that best answers the query."""

    text: str                   # exactly the passage's text[start:end]
    start: int                  # offsets in the passage (the hit's chunk text)
    end: int
    file_start: int             # offsets in the file's extracted text (passage_start + start)
    file_end: int
    snippet_start: int | None   # where it shows in the hit's snippet (the part that fits);
    snippet_end: int | None     # None when the snippet does not show it
    score: float                # calibrated cosine + words' share (higher is better)


@dataclass
class Hit:
    path: str
    score: float
    snippet: str
    highlights: list[tuple[int, int]]   # (start, end) in snippet of the query's words
    page: int | None
    line: int | None
    kind: str | None
    title: str | None
    modified: float
    size: int
    file_id: int
    chunk_id: int
    passage_start: int                  # offset of the passage in the extracted text
    passage_end: int
    dense: float | None = None
    lexical: float | None = None
    ocr: bool = False                   # the passage's words were read from a picture by OCR
    taken: float | None = None          # when a photo was taken (EXIF)
    picture: float | None = None        # similarity of the picture itself to the query
    answer: Answer | None = None        # the answering sentence (top hits, once asked)

    def to_json(self) -> dict:
        d = asdict(self)
        d["highlights"] = [list(h) for h in self.highlights]
        return d
