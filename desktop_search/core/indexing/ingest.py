"""Ingest: one file in, rows out. Applies file changes to the Library, one at a time.

Each file is extracted (in the sandboxed child), chunked and written in one catalog
transaction, so its words are searchable at once; its vectors are filled from the
backlog in full batches across files. Every step can be interrupted (pause, kill) and
resumed: the catalog says what is done. What happened to each file is an ``Outcome``.
"""
from __future__ import annotations

import bisect
import enum
import logging
import os
import stat
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable


from desktop_search.config import Settings
from desktop_search.core import extract as ex
from desktop_search.core.extract.inside import ARCHIVE_KIND
from desktop_search.core.extract.mail import MAIL_KIND, MAILBOX_KIND, MESSAGE_CAP_FACTOR
from desktop_search.core.indexing.backlog import EMBED_BATCH, EmbeddingBacklog
from desktop_search.core.indexing.chunk import Chunk, TokenCounter, chunk_text, heading_for
from desktop_search.core.indexing.containers import IN_PROGRESS, Containers, identity
from desktop_search.core.indexing.sandbox import SandboxedExtractor, run_reader
from desktop_search.core.indexing.ocr import OcrPass
from desktop_search.core.indexing.scan import norm
from desktop_search.core.indexing.scope import Scope, catalog_path, needs_caption
from desktop_search.core.notice import Notice
from desktop_search.core.store import (FAILED, INDEXED, OCR_PENDING, SKIPPED,
                                       FileRow, Inner, Library, NewChunk)
from desktop_search.errors import (BinaryFile, ExtractError, FileVanished, ModelError, TooLarge,
                                   UnsupportedFile)

if TYPE_CHECKING:
    from desktop_search.core.embed.host import ModelHost

log = logging.getLogger(__name__)

#: the OCR stage's reader: pictures and scanned PDF pages, in its own sandboxed child
OCR_TARGET = "desktop_search.core.extract.images:extract_with_ocr"
#: the reader of a whole file, called by name when a job needs a time of its own
EXTRACT_TARGET = "desktop_search.core.extract:extract"


class Outcome(str, enum.Enum):
    """What happened to one path."""

    INDEXED = "indexed"
    UNCHANGED = "unchanged"
    MOVED = "moved"          # re-pointed: same bytes at a new path, nothing re-read
    COPIED = "copied"        # same bytes as an indexed file: its passages and vectors copied
    DELETED = "deleted"
    SKIPPED = "skipped"      # deliberately not indexed (too large, binary, no text)
    FAILED = "failed"        # a reader failed

    def __str__(self) -> str:
        return self.value


#: outcomes that change what a search can find
CHANGED = frozenset({Outcome.INDEXED, Outcome.MOVED, Outcome.COPIED, Outcome.DELETED})


@dataclass
class Counters:
    """What one indexing run did; the CLI prints it, tests check it."""

    outcomes: Counter[Outcome] = field(default_factory=Counter)
    chunks_added: int = 0
    chunks_embedded: int = 0
    ocr_done: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def count(self, outcome: Outcome) -> None:
        self.outcomes[outcome] += 1

    indexed = property(lambda self: self.outcomes[Outcome.INDEXED])
    unchanged = property(lambda self: self.outcomes[Outcome.UNCHANGED])
    moved = property(lambda self: self.outcomes[Outcome.MOVED])
    copied = property(lambda self: self.outcomes[Outcome.COPIED])
    deleted = property(lambda self: self.outcomes[Outcome.DELETED])
    skipped = property(lambda self: self.outcomes[Outcome.SKIPPED])
    failed = property(lambda self: self.outcomes[Outcome.FAILED])


class Ingest:
    """Applies file changes to the Library, one at a time (call from one thread)."""

    def __init__(self, *, library: Library, models: ModelHost, settings: Settings,
                 on_notice: Callable[[Notice], None] | None = None,
                 extractor: Callable[..., Any] | None = None,
                 ocr_extractor: Callable[..., Any] | None = None) -> None:
        self.library = library
        self.catalog = library.catalog          # reads; every write goes through the library
        self.models = models
        # Untrusted parsing runs in a child process with time and memory limits.
        cores = settings.max_cores or None
        self.extractor = extractor or SandboxedExtractor(timeout_s=settings.extract_timeout_s,
                                                         threads=cores)
        # OCR (seconds per page) has a child, and a time limit, of its own; it starts on
        # the first picture, so a folder without pictures never pays for it
        self.ocr_extractor = ocr_extractor or SandboxedExtractor(
            timeout_s=settings.ocr_timeout_s, target=OCR_TARGET, threads=cores)
        self.settings = settings
        #: told what the user must know about a file (skipped, failed, and why)
        self.on_notice = on_notice
        self.counters = Counters()
        #: which files of which folder are indexed
        self.scope = Scope(library=library, settings=settings)
        #: the later stage that reads the words in pictures and scans
        self.ocr = OcrPass(self)
        #: the passages waiting for a vector, embedded in full batches
        self.backlog = EmbeddingBacklog(library=library, models=models, counters=self.counters)
        self.lock = threading.RLock()
        #: archives, message files and mailboxes: the documents inside them
        self.containers = Containers(
            library=library, call=lambda target, **kw: self._call(target, **kw),
            store=self.store,
            max_bytes=settings.max_file_bytes, timeout_s=settings.extract_timeout_s,
            on_notice=self._tell)

    # -- one file ------------------------------------------------------------------------
    def index_file(self, path: str, *, force: bool = False) -> Outcome:
        """Bring one path up to date."""
        path = norm(path)
        if catalog_path(path) != path:
            return self._bad_name(path)
        owner = self.scope.wanted(path)
        try:
            st = os.stat(path) if self.settings.follow_symlinks else os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return self.delete_path(path)
        except OSError as exc:
            if owner is None:
                return Outcome.UNCHANGED
            return self.fail(path, owner[1], None, None, FAILED, f"cannot read: {exc.strerror or exc}")
        if owner is None or not stat.S_ISREG(st.st_mode) or not ex.is_supported(path):
            # excluded now, a symlink not followed, a folder, a FIFO, a socket, an image...
            if self.catalog.get_file(path) is not None:
                return self.delete_path(path)
            return Outcome.UNCHANGED
        root_id = owner[1]
        row = self.catalog.get_file(path)
        if (row is not None and not force and row.size == st.st_size
                and row.mtime_ns == st.st_mtime_ns):
            if needs_caption(row):
                self._caption(row)          # indexed before pictures had a caption
            return Outcome.UNCHANGED
        cap = self.settings.max_file_bytes
        holds = ex.container_kind(path)
        if holds == MAIL_KIND:
            cap *= MESSAGE_CAP_FACTOR         # its attachments are capped one by one
        if st.st_size > cap and holds not in (ARCHIVE_KIND, MAILBOX_KIND):
            return self.fail(path, root_id, st, None, SKIPPED,
                              f"{_mb(st.st_size)} is over the {_mb(cap)} size cap")
        try:
            digest = identity(path)
        except FileNotFoundError:
            return self.delete_path(path)
        except OSError as exc:
            return self.fail(path, root_id, st, None, FAILED, f"cannot read: {exc.strerror or exc}")
        if (row is not None and not force and row.hash == digest and row.state == INDEXED
                and row.mtime_ns != IN_PROGRESS):      # else: a container half stored
            self.library.touch_file(path, size=st.st_size, mtime_ns=st.st_mtime_ns)
            return Outcome.UNCHANGED
        if row is None and not force:
            reused = self._reuse_by_hash(path, root_id, digest, st)
            if reused:
                return reused
        return self._extract_and_store(path, root_id, st, digest)

    def _reuse_by_hash(self, path: str, root_id: int, digest: str, st: os.stat_result) -> Outcome | None:
        """Same bytes already indexed: a move re-points it, a copy clones its chunks."""
        # (a container half stored is not a source: its copy would look complete)
        candidates = [r for r in self.catalog.files_by_hash(digest)
                      if r.state == INDEXED and r.mtime_ns != IN_PROGRESS]
        for cand in candidates:
            if not os.path.exists(cand.path):
                self.library.move_file(cand.path, path, root_id=root_id, size=st.st_size,
                                       mtime_ns=st.st_mtime_ns)
                return Outcome.MOVED
        for cand in candidates:
            if self.library.clone_file(cand.id, path=path, root_id=root_id, size=st.st_size,
                                       mtime_ns=st.st_mtime_ns):
                return Outcome.COPIED
        return None

    def _extract_and_store(self, path: str, root_id: int, st: os.stat_result, digest: str) -> Outcome:
        holds = ex.container_kind(path)
        try:
            if holds == MAILBOX_KIND:
                self.containers.store_mailbox(path, root_id, st, digest)
                return Outcome.INDEXED
            if holds == ARCHIVE_KIND:           # one job reads it all: time by its size
                doc = self._call(EXTRACT_TARGET, path=path, max_bytes=self.settings.max_file_bytes,
                                 timeout_s=self.containers.job_timeout(st.st_size))
            else:
                doc = self.extractor(path, max_bytes=self.settings.max_file_bytes)
        except FileVanished:
            return self.delete_path(path)
        except (TooLarge, BinaryFile, UnsupportedFile) as exc:
            return self.fail(path, root_id, st, digest, SKIPPED, str(exc))
        except ExtractError as exc:
            return self.fail(path, root_id, st, digest, FAILED, str(exc))
        except MemoryError:
            return self.fail(path, root_id, st, digest, FAILED, "reader ran out of memory")
        except RecursionError:
            return self.fail(path, root_id, st, digest, FAILED, "document nested too deeply")
        except Exception as exc:  # noqa: BLE001 - a reader bug must not stop the indexer
            log.exception("reader failed on %s", path)
            return self.fail(path, root_id, st, digest, FAILED,
                              f"reader error: {type(exc).__name__}: {exc}"[:300])
        if doc.container:        # an archive, a message file: the documents inside it
            self.containers.store_all(path, root_id, st, digest, doc)
            return Outcome.INDEXED
        # pictures and PDF pages without a text layer are read by OCR in a later stage:
        # the file is listed (and its text layer searchable) now
        ocr = OCR_PENDING if (doc.needs_ocr and self.settings.read_text_in_pictures
                              and _ocr_available()) else None
        if not doc.text.strip() and ocr is None and doc.kind != ex.PICTURE_KIND:
            return self.fail(path, root_id, st, digest, SKIPPED, "no text found in this file")
        self.store(path, root_id, st.st_size, st.st_mtime_ns, digest, doc, ocr=ocr)
        return Outcome.INDEXED

    def _caption(self, row: FileRow) -> None:
        """Give an unchanged picture without words its caption passage (as ``_store``
        does for a new one), keeping its OCR state and its picture vector."""
        from desktop_search.core.extract.images import picture_caption

        caption = picture_caption(camera=row.camera, taken=row.taken)
        self.library.put_file(
            path=row.path, root_id=row.root_id, size=row.size, mtime_ns=row.mtime_ns,
            digest=row.hash, kind=row.kind, title=row.title,
            heading=heading_for(row.title, os.path.basename(row.path)),
            chunks=[NewChunk(0, 0, None, None, caption)], ocr=row.ocr, taken=row.taken,
            camera=row.camera, keep_picture_vector=True)
        self.counters.chunks_added += 1

    def store(self, path: str, root_id: int | None, size: int, mtime_ns: int,
               digest: str | None, doc: ex.Extracted, *,
               ocr: str | None = None, keep_picture_vector: bool = False,
               inner: Inner | None = None, keep_members: bool = False,
               name: str | None = None) -> int:
        """Chunk a document and write it; ``inner`` (and ``name``, its own file name) for
        a document inside the file at ``path``. Returns its row's id."""
        if not doc.text.strip():
            # a picture without words (none read yet, or none in it) gets one passage
            # saying what it is: with its name as the heading, words find it (a search
            # by words alone, or before the model is loaded, would skip it otherwise)
            new = []
            if doc.kind == ex.PICTURE_KIND:
                from desktop_search.core.extract.images import picture_caption

                new = [NewChunk(0, 0, None, None,
                                picture_caption(camera=doc.camera, taken=doc.taken))]
        else:
            try:
                counter = self.models.token_counter()
            except ModelError:
                counter = None  # the model cannot load: estimate now, the error shows when embedding
            if doc.ocr and doc.page_starts:
                # a scan's pages are chunked one by one: a hit opens at the page it is on
                new = _with_positions(doc, _chunk_pages(doc, counter))
            else:
                new = _with_positions(doc, chunk_text(doc.text, count_tokens=counter))
        heading = heading_for(doc.title, name or os.path.basename(path))
        if inner is None and (doc.sender or doc.recipients):    # a message file
            inner = Inner(sender=doc.sender, recipients=doc.recipients)
        file_id = self.library.put_file(
            path=path, root_id=root_id, size=size, mtime_ns=mtime_ns, digest=digest,
            kind=doc.kind, title=doc.title, heading=heading, chunks=new, ocr=ocr,
            taken=doc.taken, camera=doc.camera, keep_picture_vector=keep_picture_vector,
            inner=inner, keep_members=keep_members)
        self.counters.chunks_added += len(new)
        return file_id

    # -- the OCR stage -------------------------------------------------------------------
    def ocr_next(self) -> Outcome | None:
        """Read the words of the oldest picture waiting for OCR (``ocr.OcrPass``)."""
        return self.ocr.next()

    def be_polite(self) -> None:
        """The readers started from now on run at the lowest CPU and I/O priority (a
        background indexer's; the CLI's ``index`` keeps them at normal priority)."""
        for reader in (self.extractor, self.ocr_extractor):
            if isinstance(reader, SandboxedExtractor):
                reader.polite = True

    def _call(self, target: str, **kwargs: Any) -> Any:
        """Another reader, in the sandboxed child (in this process for a plain extractor)."""
        return run_reader(self.extractor, target, **kwargs)

    def _tell(self, notice: Notice) -> None:
        if self.on_notice is not None:
            self.on_notice(notice)

    def close(self) -> None:
        for reader in (self.extractor, self.ocr_extractor):
            close = getattr(reader, "close", None)
            if close is not None:
                close()

    def embed_backlog(self, limit: int = EMBED_BATCH) -> int:
        """Embed up to ``limit`` passages of the backlog (``EmbeddingBacklog.embed``)."""
        return self.backlog.embed(limit)

    def _bad_name(self, path: str) -> Outcome:
        """A name that is not valid text (undecodable bytes) cannot be stored or shown
        faithfully: record it under a readable spelling with the reason."""
        owner = self.scope.wanted(path)
        shown = catalog_path(path)
        try:
            st = os.lstat(path)
        except OSError:
            return self.delete_path(shown)
        if owner is None or not stat.S_ISREG(st.st_mode):
            return Outcome.UNCHANGED
        return self.fail(shown, owner[1], st, None, SKIPPED,
                          "the file name is not valid text; rename the file to index it")

    def fail(self, path: str, root_id: int | None, st: os.stat_result | None,
              digest: str | None, state: str, reason: str) -> Outcome:
        self.library.put_failure(
            path=path, root_id=root_id, size=st.st_size if st else 0,
            mtime_ns=st.st_mtime_ns if st else 0, digest=digest,
            kind=os.path.splitext(path)[1].lower().lstrip(".") or None, state=state, error=reason)
        if self.on_notice is not None:
            self.on_notice(Notice.file(path, reason, skipped=state == SKIPPED))
        return Outcome.SKIPPED if state == SKIPPED else Outcome.FAILED

    def delete_path(self, path: str) -> Outcome:
        """A file or a whole folder is gone."""
        path = catalog_path(norm(path))
        known = self.catalog.get_file(path) is not None
        under = self.library.paths_under(path)
        dropped = self.library.delete_paths([path, *under])
        return Outcome.DELETED if (dropped or under or known) else Outcome.UNCHANGED

    def move_path(self, src: str, dest: str) -> Outcome:
        """A rename or move seen by the watcher: re-point, never re-embed unchanged bytes."""
        src, dest = catalog_path(norm(src)), norm(dest)
        if catalog_path(dest) != dest:
            self.delete_path(src)
            return self._bad_name(dest)
        under = self.library.paths_under(src)
        if under or os.path.isdir(dest):
            # a folder moved: re-point what was under it (events are applied in order, so
            # a folder moved again meanwhile is re-pointed again by the next event)
            moved = 0
            for old in under:
                new = dest + old[len(src):]
                o = self.scope.wanted(new)
                if o is None:
                    self.library.delete_paths([old])
                else:
                    self.library.move_file(old, new, root_id=o[1])
                    moved += 1
            return Outcome.MOVED if moved else Outcome.UNCHANGED
        owner = self.scope.wanted(dest)
        row = self.catalog.get_file(src)
        if row is None or owner is None:
            if row is not None:
                self.delete_path(src)
            elif self.catalog.get_file(dest) is not None and not os.path.lexists(dest):
                # already re-pointed (its folder's move came first) and already moved on
                # from here: the event that took it away follows and carries its row along
                return Outcome.UNCHANGED
            return self.index_file(dest)
        try:
            st = os.stat(dest)
            digest = identity(dest)
        except OSError:
            return self.delete_path(src)
        if digest == row.hash and row.state == INDEXED and row.mtime_ns != IN_PROGRESS:
            self.library.move_file(src, dest, root_id=owner[1], size=st.st_size,
                                   mtime_ns=st.st_mtime_ns)
            return Outcome.MOVED
        self.delete_path(src)
        return self.index_file(dest)


def _with_positions(doc: ex.Extracted, chunks: list[Chunk]) -> list[NewChunk]:
    """Page and line of each chunk's start; lines only where the text is the file verbatim."""
    newlines = None
    if doc.has_lines:
        text = doc.text
        newlines = [i for i, ch in enumerate(text) if ch == "\n"] if "\n" in text else []
    out = []
    for c in chunks:
        page = ex.page_of(doc, c.start)
        line = bisect.bisect_right(newlines, c.start - 1) + 1 if newlines is not None else None
        out.append(NewChunk(c.start, c.end, page, line, c.text))
    return out


def _ocr_available() -> bool:
    from desktop_search.core.extract.images import ocr_available

    return ocr_available()


def _chunk_pages(doc: ex.Extracted, counter: TokenCounter | None = None) -> list[Chunk]:
    """Chunks that never cross a page boundary (offsets into the whole text)."""
    from dataclasses import replace

    out = []
    bounds = list(doc.page_starts or ()) + [len(doc.text)]
    for a, b in zip(bounds, bounds[1:]):
        for c in chunk_text(doc.text[a:b], count_tokens=counter):
            out.append(replace(c, start=c.start + a, end=c.end + a))
    return out


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"
