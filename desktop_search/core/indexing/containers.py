"""Files that hold documents: archives, message files, mailboxes. Each document inside is a
row of its own under the file's row (``store.Inner``), so a hit names the file on disk
and the chain inside it.

The file's own row is written first with its date unset (``IN_PROGRESS``) and gets its
real size and date last: a kill in between leaves it looking changed, and the next pass
picks up where this one stopped. Documents whose bytes did not change (same key, same
hash) are kept as they are, so they are neither re-read into the index nor re-embedded.

A mailbox is never read whole: the reader lists its messages (byte ranges and hashes,
streamed), and only the messages not stored yet are read, one job each. When the last
message stored is still where it was, only what follows it is listed (an appended
message costs its own bytes, a resumed pass does not start over).
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any, Callable, Iterator

from desktop_search.core.extract import Extracted, Part
from desktop_search.core.extract import mail as mail_reader
from desktop_search.core.notice import Notice
from desktop_search.core.store import FAILED, INDEXED, SKIPPED, FileRow, Inner, Library
from desktop_search.core.store.rows import inside_json
from desktop_search.errors import ExtractError

log = logging.getLogger(__name__)

#: the date of a file's row while the documents inside it are being stored
IN_PROGRESS = -1
_LIST = "desktop_search.core.extract.mail:list_mbox"
_DIGEST = "desktop_search.core.extract.mail:message_digest"
_READ_MANY = "desktop_search.core.extract.inside:read_messages"
#: messages read in one job and stored in one commit, at most (and at most so many bytes)
MESSAGES_PER_JOB = 64
BYTES_PER_JOB = 16 * 2**20
#: reading speed assumed to give a big job its time (listing a mailbox, a big archive)
_BYTES_PER_S = 20 * 2**20


class Containers:
    """Stores the documents inside files (call from the ingest thread)."""

    def __init__(self, *, library: Library, call: Callable[..., Any], store: Callable[..., Any],
                 max_bytes: int, timeout_s: float,
                 on_notice: Callable[[Notice], None] | None = None) -> None:
        """``call(target, timeout_s=..., **kwargs)`` runs a reader in the sandboxed child;
        ``store(path, root_id, size, mtime_ns, digest, doc, inner=..., keep_members=...)``
        chunks a document and writes it (the ingest's own)."""
        self.library = library
        self.call = call
        self.store = store
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.on_notice = on_notice
        #: documents stored and kept by the last file
        self.stored = 0
        self.kept = 0

    def job_timeout(self, size: int) -> float:
        """A job over a whole file gets time in proportion to its size."""
        return self.timeout_s + size / _BYTES_PER_S

    # -- an archive or a message file: one job read it all ----------------------------------
    def store_all(self, path: str, root_id: int | None, st: os.stat_result, digest: str | None,
                  doc: Extracted) -> None:
        """An archive's members, or a message and its attachments (``doc.parts``)."""
        self.stored = self.kept = 0
        cid = self.store(path, root_id, st.st_size, IN_PROGRESS, digest, doc,
                         inner=None, keep_members=True)
        old = self.library.members(cid)
        for part in doc.parts:
            self._put(path, root_id, cid, part, old.get(part.member), locator=None)
        self.library.drop_members(cid, keep={p.member for p in doc.parts})
        self.library.touch_file(path, size=st.st_size, mtime_ns=st.st_mtime_ns)

    # -- a mailbox: listed, then read message by message ----------------------------------
    def store_mailbox(self, path: str, root_id: int | None, st: os.stat_result,
                      digest: str | None) -> None:
        from desktop_search.core.extract import Extracted

        self.stored = self.kept = 0
        row = self.library.get_file(path)
        if row is None or row.kind != mail_reader.MAILBOX_KIND or row.state != INDEXED:
            cid = self.store(path, root_id, st.st_size, IN_PROGRESS, digest,
                             Extracted("", None, mail_reader.MAILBOX_KIND, container=True),
                             inner=None, keep_members=True)
        else:
            cid = row.id
            self.library.touch_file(path, size=st.st_size, mtime_ns=IN_PROGRESS)
        old = self.library.members(cid)
        messages = {k: r for k, r in old.items() if "|" not in k and r.locator}
        spans, appended = self._list(path, st.st_size, messages)
        used = set(messages) if appended else set()
        keep: set[str] = set(messages) if appended else set()
        todo: list[dict[str, Any]] = []
        for start, end, mdigest in spans:
            key = (mail_reader_key(mdigest, used))
            used.add(key)
            keep.add(key)
            locator = json.dumps({"start": start, "end": end})
            known = old.get(key)
            if known is not None and known.hash == mdigest:   # read before (or refused)
                if known.locator != locator:      # moved by a compaction: only re-pointed
                    self.library.set_locator(known.id, locator)
                self.kept += 1
                continue
            todo.append(dict(start=start, end=end, key=key, digest=mdigest))
        for batch in _batches(todo):
            # one job and one commit a batch, in the mailbox's order: a kill loses at most
            # the batch being stored, and what was stored before it is a prefix
            with self.library.catalog.transaction(durable=True):
                for span, parts in zip(batch, self._read(path, batch)):
                    locator = json.dumps({"start": span["start"], "end": span["end"]})
                    for part in parts:
                        self._put(path, root_id, cid, part, old.get(part.member),
                                  locator=locator)
        if not appended:
            now = self.library.members(cid)
            self.library.drop_members(cid, keep={k for k in now if k.split("|")[0] in keep})
        self.library.touch_file(path, size=st.st_size, mtime_ns=st.st_mtime_ns)

    def _read(self, path: str, batch: list[dict[str, Any]]) -> list[tuple[Part, ...]]:
        """The parts of each message of the batch, in one job; a job that fails (a message
        that hangs or crashes the reader) is done again one message at a time, so only
        that message is lost, with its reason."""
        try:
            parts: list[tuple[Part, ...]] = self.call(
                _READ_MANY, timeout_s=self.timeout_s, path=path, spans=batch,
                max_bytes=self.max_bytes)
            return parts
        except ExtractError:
            if len(batch) == 1:
                raise
        out: list[tuple[Part, ...]] = []
        for span in batch:
            try:
                out += self._read(path, [span])
            except ExtractError as exc:
                out.append((Part(span["key"], (f"(the message at byte {span['start']})",), "",
                                 None, str(exc), skipped=False,
                                 size=span["end"] - span["start"]),))
        return out

    def _list(self, path: str, size: int, messages: dict[str, FileRow]
              ) -> tuple[list[tuple[int, int, str]], bool]:
        """(messages to consider, whether they are only those after the ones stored)."""
        located = [(json.loads(r.locator), r) for r in messages.values() if r.locator]
        if located:
            last, row = max(located, key=lambda lr: lr[0]["end"])
            if last["end"] <= size and row.hash == self.call(
                    _DIGEST, path=path, start=last["start"], end=last["end"]):
                return [tuple(s) for s in self.call(
                    _LIST, timeout_s=self.job_timeout(size - last["end"]), path=path,
                    start=last["end"])], True
        return [tuple(s) for s in self.call(_LIST, timeout_s=self.job_timeout(size),
                                            path=path)], False

    # -- one document inside ----------------------------------------------------------------
    def _put(self, path: str, root_id: int | None, cid: int, part: Part, old: FileRow | None,
             *, locator: str | None) -> None:
        inner = Inner(container_id=cid, member=part.member, inside=inside_json(part.inside),
                      locator=locator)
        if part.doc is None:
            state = SKIPPED if part.skipped else FAILED
            if old is not None and old.state == state and old.error == part.error:
                self.kept += 1
                return
            self.library.put_failure(path=path, root_id=root_id, size=part.size,
                                     mtime_ns=_ns(part.mtime), digest=part.digest or None,
                                     kind=None, state=state, error=part.error or "not read",
                                     inner=inner)
            if self.on_notice is not None:
                shown = " › ".join([path, *part.inside])
                self.on_notice(Notice.file(shown, part.error or "not read",
                                           skipped=state == SKIPPED))
            return
        if old is not None and old.hash == part.digest and old.state == INDEXED:
            self.kept += 1
            return
        doc = part.doc
        inner = Inner(container_id=cid, member=part.member, inside=inside_json(part.inside),
                      locator=locator, sender=doc.sender, recipients=doc.recipients)
        self.store(path, root_id, part.size, _ns(part.mtime), part.digest, doc, inner=inner,
                   keep_members=False, name=part.inside[-1] if part.inside else None)
        self.stored += 1


def _batches(todo: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for span in todo:
        n = span["end"] - span["start"]
        if batch and (len(batch) >= MESSAGES_PER_JOB or size + n > BYTES_PER_JOB):
            yield batch
            batch, size = [], 0
        batch.append(span)
        size += n
    if batch:
        yield batch


def mail_reader_key(digest: str, used: set[str]) -> str:
    from desktop_search.core.extract.inside import message_key

    return message_key(digest, used)


def _ns(seconds: float | None) -> int:
    try:
        return int(seconds * 1e9) if seconds else 0
    except (OverflowError, ValueError):
        return 0


def identity(path: str) -> str:
    """A file's identity for finding it again after a move: the hash of its bytes; a
    mailbox's, of a sample of them (it may be gigabytes)."""
    from desktop_search.core.extract import container_kind
    from desktop_search.core.indexing.scan import file_digest

    if container_kind(path) == mail_reader.MAILBOX_KIND:
        return sample_digest(path)
    return file_digest(path)


def sample_digest(path: str) -> str:
    """A mailbox's identity without reading it whole (its size, first and last MB): a
    rename is recognized, and a change is told by its date and size anyway."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        h.update(str(size).encode())
        h.update(f.read(1 << 20))
        if size > 2 << 20:
            f.seek(size - (1 << 20))
            h.update(f.read(1 << 20))
    return "s:" + h.hexdigest()
