"""What the window and the CLI ask (``TextQuery``, ``SimilarTo``, with ``Filters``) and
what they get back (``Hit``)."""
from __future__ import annotations

import os
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Union

from desktop_search.core.analyze import query_terms
from desktop_search.core.extract.handout import shown_name
from desktop_search.core.extract.mail import MAIL_KIND
from desktop_search.core.store import ChunkRow


@dataclass
class Filters:
    folders: list[str] = field(default_factory=list)    # keep files under any of these
    kinds: list[str] = field(default_factory=list)      # keep these kinds ("pdf", "markdown", ...)
    modified_after: float | None = None                 # unix seconds; a photo's date taken
    modified_before: float | None = None                # or a message's date counts instead
    sender: str | None = None                           # a message's From holds this
    recipient: str | None = None                        # a message's To or Cc holds this

    def active(self) -> bool:
        return bool(self.folders or self.kinds or self.modified_after or self.modified_before
                    or self.sender or self.recipient)

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
        if self.sender and not _holds(row.sender, self.sender):
            return False
        if self.recipient and not _holds(row.recipients, self.recipient):
            return False
        return True


def _fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s.casefold())
                   if not unicodedata.combining(c))


def _holds(field: str | None, name: str) -> bool:
    """"pedro" is in "Pedro Álvares <pedro@example.org>" (case and accents aside)."""
    return field is not None and bool(field) and _fold(name) in _fold(field)


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
    """Files about the same things as this indexed file, or document inside it ("more like
    this")."""

    path: str
    filters: Filters | None = None
    inside: tuple[str, ...] = ()

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
    offline: bool = False               # its folder's drive is gone: found, not openable now
    #: where the document is inside the file at ``path``, outermost first (an archive
    #: member's path; a message's subject, then an attachment's name); [] for the file
    inside: list[str] = field(default_factory=list)
    sender: str | None = None           # a message's From
    recipients: str | None = None       # a message's To and Cc
    answer: Answer | None = None        # the answering sentence (top hits, once asked)

    def chain_label(self) -> str:
        """"Inbox › Re: the lease › lease.pdf": the file's name, then where the document
        is inside it."""
        return shown_name(" › ".join([os.path.basename(self.path), *self.inside]))

    @property
    def is_mail(self) -> bool:
        return self.kind == MAIL_KIND

    def mail_fields(self) -> dict[str, Any]:
        """``from``, ``to`` and ``date`` (unix seconds) of a message; {} for anything else."""
        if not self.is_mail:
            return {}
        return {"from": self.sender or "", "to": self.recipients or "", "date": self.taken}

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["highlights"] = [list(h) for h in self.highlights]
        d.update(self.mail_fields())
        return d


#: the kind of a mail message (its attachments keep their own kinds)
