"""Documents inside files: an archive's members, a message's attachments, recursively
(a zip in a tar, a mail attached inside a zip, a zip attached to a mail), each read by
the reader its name asks for, under one budget per file on disk.

The limits are those of the compressed reader (``compressed.py``), over the whole file:
each member at most the size cap; everything unpacked at most ``UNPACK_FACTOR`` times the
cap, and, past ``RATIO_FLOOR``, at most ``MAX_RATIO`` times the file's own size (a bomb is
refused with a reason, the members read before it are kept); at most ``MAX_MEMBERS``
documents; containers nested at most ``MAX_DEPTH`` deep. Each refusal is a ``Part``
without a document and with the reason, so the user sees it next to the rest.

Nothing is written to disk under a member's name: members are read in memory, and the
few readers that need a file (OCR of a picture) get a private temporary copy with a name
of our own.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from desktop_search.core.extract import archives, mail
from desktop_search.core.extract.common import Extracted, Part, _human
from desktop_search.core.extract.compressed import MAX_RATIO, RATIO_FLOOR
from desktop_search.errors import EncryptedFile, ExtractError, TooLarge, UnsupportedFile
from desktop_search.i18n import N_

#: containers inside containers, at most this deep (the file on disk is depth 0)
MAX_DEPTH = 5
#: documents read from one file on disk, at most
MAX_MEMBERS = 10_000
#: what one file on disk may unpack to in all, as a multiple of the size cap
UNPACK_FACTOR = 20
#: refusals listed one by one in one file on disk (or one message); the rest are one row
MAX_REFUSALS = 100
#: the member key of that summary row, and what it says
SUMMARY_KEY = "!more-refused"
SUMMARY = N_("and {count} more refused: {reason}")
#: pictures (and scanned pages) inside one file read by OCR, at most (seconds each)
MAX_OCR = 20

ARCHIVE_KIND = "archive"


@dataclass
class Budget:
    """What is left to read of one file on disk."""

    max_bytes: int
    packed: int                       # the file's size on disk
    unpacked: int = 0
    documents: int = 0
    ocr: int = MAX_OCR
    #: why reading stopped early (once set, every later member is refused with it)
    stopped: str | None = None
    seen: set[str] = field(default_factory=set)

    @property
    def total_cap(self) -> int:
        return self.max_bytes * UNPACK_FACTOR

    @property
    def ratio_cap(self) -> int:
        return max(RATIO_FLOOR, self.packed * MAX_RATIO)

    def take(self, n: int) -> str | None:
        """Count ``n`` more bytes unpacked; why that is too much, else None."""
        self.unpacked += n
        if self.unpacked > self.ratio_cap and self.ratio_cap < self.total_cap:
            self.stopped = (f"the file unpacks to more than {MAX_RATIO} times its size: the "
                            "rest is refused as a possible decompression bomb")
        elif self.unpacked > self.total_cap:
            self.stopped = (f"the file unpacks to more than {_human(self.total_cap)} in all: "
                            "the rest is not read")
        return self.stopped

    def hard_cap(self) -> int:
        """What may still be unpacked at all (a 7z unpacks what it skips, too)."""
        return max(0, min(self.total_cap, self.ratio_cap) - self.unpacked)

    def left(self) -> int:
        return max(0, min(self.max_bytes, min(self.total_cap, self.ratio_cap) - self.unpacked))

    def key(self, key: str) -> str:
        """A member key unique in the file (an archive may hold one name twice)."""
        out, n = key, 1
        while out in self.seen:
            n += 1
            out = f"{key}#{n}"
        self.seen.add(out)
        return out


# --------------------------------------------------------------------------- entry points


def read_archive(path: Path, *, max_bytes: int) -> Extracted:
    """An archive on disk: no text of its own, its members as ``parts``."""
    budget = Budget(max_bytes=max_bytes, packed=os.path.getsize(path))
    refusal = _unreadable_archive(archives.archive_kind(path.name))
    if refusal:
        raise UnsupportedFile(refusal)
    with open(path, "rb") as f:
        parts = list(capped(_archive_parts(archives.archive_kind(path.name) or "", f, chain=(),
                                           key="", depth=1, budget=budget)))
    return Extracted("", None, ARCHIVE_KIND, container=True, parts=tuple(parts))


def read_mbox(path: Path, *, max_bytes: int) -> Extracted:
    """An mbox on disk read whole, message by message (the indexer reads only the
    messages it lacks, through ``mail.list_mbox`` and ``read_message``)."""
    parts: list[Part] = []
    for start, end, digest in mail.list_mbox(path):
        parts += read_message(path, start=start, end=end, key=message_key(digest, parts),
                              max_bytes=max_bytes, digest=digest)
    return Extracted("", None, mail.MAILBOX_KIND, container=True, parts=tuple(parts))


def message_key(digest: str, taken: set[str] | Iterable[Part]) -> str:
    """A message's key in its mbox: its hash (so a message moved by a compaction is
    found again), with a count when the same message is there twice."""
    base = f"m:{digest[:24]}"
    used = {p.member for p in taken} if not isinstance(taken, set) else taken
    key, n = base, 1
    while key in used:
        n += 1
        key = f"{base}#{n}"
    return key


def read_eml(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """A message file (``.eml``, Outlook's ``.msg``, Apple Mail's ``.emlx``, a Maildir
    message): the message is the file's document, its attachments the documents inside it."""
    if path.suffix.lower() == ".msg" and not data.startswith(_OLE_MAGIC):
        return _text_msg(path, data, max_bytes)
    if mail.is_emlx(path):
        data = mail.emlx_message(data)
    budget = Budget(max_bytes=max_bytes, packed=len(data))
    message = parse_any_message(path.name, data, max_bytes=max_bytes)
    parts = list(capped(_attachment_parts(message, chain=(), key="", depth=1, budget=budget)))
    return replace(message.doc, container=True, parts=tuple(parts))


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _text_msg(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """A ``.msg`` that is not Outlook's (Tcl's message catalogs are text files named so):
    read as a file of unknown type is, when it clearly is text."""
    from desktop_search.core.extract.decode import _sniff_unknown
    from desktop_search.core.extract.text import _read_unknown

    _sniff_unknown(data[:8192], len(data) <= 8192)
    return _read_unknown(path, data, max_bytes)


def parse_any_message(name: str, data: bytes, *, max_bytes: int) -> mail.Parsed:
    """A message file by its name: an Outlook ``.msg``, else MIME (``.eml``, Maildir)."""
    if name.lower().endswith(".msg"):
        from desktop_search.core.extract.outlook import parse_msg

        return parse_msg(data, max_bytes=max_bytes)
    return mail.parse_message(data, max_bytes=max_bytes)


def _unreadable_archive(kind: str | None) -> str | None:
    """Why an archive of this kind cannot be read here at all (RAR without its program)."""
    if kind == "rar":
        from desktop_search.core.extract import rar

        if not rar.tool_available():
            return rar.NO_TOOL
    return None


def read_message(path: str | os.PathLike[str], *, start: int, end: int, key: str,
                 max_bytes: int, digest: str | None = None) -> tuple[Part, ...]:
    """One message of an mbox on disk (bytes ``[start, end)``): the message and its
    attachments, keyed under ``key``; the message's hash is ``digest`` (as the listing
    gave it) when given. A message over the cap is listed, not read."""
    size = end - start
    cap = max_bytes * mail.MESSAGE_CAP_FACTOR
    if size > cap:
        return (Part(key, ("(a message too large to read)",), digest or "", None,
                     f"a message of {_human(size)}: over the {_human(cap)} a message may be",
                     size=size),)
    data = mail.read_range(path, start, end)
    budget = Budget(max_bytes=max_bytes, packed=max(size, 1))
    digest = digest or hashlib.sha1(data).hexdigest()
    try:
        message = mail.parse_message(data, max_bytes=max_bytes)
    except ExtractError as exc:
        return (Part(key, ("(a damaged message)",), digest, None, str(exc), skipped=False,
                     size=size),)
    chain = (message.subject,)
    first = Part(key, chain, digest, message.doc, size=size, mtime=message.doc.taken)
    return (first, *capped(_attachment_parts(message, chain=chain, key=key, depth=1,
                                             budget=budget), key=key))


def capped(parts: Iterable[Part], *, key: str = "") -> Iterator[Part]:
    """The parts, with at most ``MAX_REFUSALS`` refusals one by one and the rest said in
    one summary row: an archive of 30,000 names that climb out of it is one line in the
    list of files not read, not 30,000."""
    refused = 0
    rest: Counter[str] = Counter()
    size = 0
    for part in parts:
        if part.doc is not None:
            yield part
            continue
        refused += 1
        if refused <= MAX_REFUSALS:
            yield part
            continue
        rest[part.error or ""] += 1
        size += part.size
    if rest:
        n = sum(rest.values())
        reason = archives.said_of_many(rest.most_common(1)[0][0])
        # English, as every stored reason (the window translates it: reasons.py)
        text = SUMMARY.format(count=f"{n:,}", reason=reason)
        yield Part(f"{key}|{SUMMARY_KEY}" if key else SUMMARY_KEY, ("…",), "", None, text,
                   size=size)


def read_messages(path: str | os.PathLike[str], *, spans: list[dict[str, Any]],
                  max_bytes: int) -> list[tuple[Part, ...]]:
    """Several messages of an mbox in one job (``spans``: start, end, key, digest each)."""
    return [read_message(path, start=s["start"], end=s["end"], key=s["key"],
                         digest=s["digest"], max_bytes=max_bytes) for s in spans]


# --------------------------------------------------------------------------- recursion


def _archive_parts(kind: str, source: BinaryIO, *, chain: tuple[str, ...], key: str, depth: int,
                   budget: Budget) -> Iterator[Part]:
    try:
        for m in archives.members(kind, source, member_cap=budget.max_bytes,
                                  max_unpacked=budget.hard_cap()):
            where = (*chain, m.name)
            mkey = budget.key(f"{key}/{m.name}" if key else m.name)
            if budget.stopped:
                yield Part(mkey, where, "", None, budget.stopped, size=m.size)
                continue
            if budget.documents >= MAX_MEMBERS:
                budget.stopped = (f"more than {MAX_MEMBERS} documents in one file: the rest "
                                  "is not read")
                yield Part(mkey, where, "", None, budget.stopped, size=m.size)
                continue
            if m.problem:
                yield Part(mkey, where, "", None, m.problem, size=m.size)
                continue
            if m.size > budget.max_bytes:
                yield Part(mkey, where, "", None, f"{_human(m.size)} is over the "
                           f"{_human(budget.max_bytes)} size cap", size=m.size)
                continue
            if not _worth_reading(m.name):
                continue       # media, binaries: not documents, as on disk
            limit = budget.left()
            try:
                data = m.read(limit)
            except ExtractError as exc:
                yield Part(mkey, where, "", None, str(exc), skipped=False, size=m.size)
                continue
            if len(data) > limit and limit >= budget.max_bytes:
                yield Part(mkey, where, "", None, f"unpacks to more than the "
                           f"{_human(budget.max_bytes)} size cap (its header said less)",
                           size=m.size)
                continue
            if budget.take(len(data)):       # the file's budget ran out on this member
                yield Part(mkey, where, "", None, budget.stopped, size=m.size)
                continue
            if (len(data) > RATIO_FLOOR and m.packed
                    and len(data) > m.packed * MAX_RATIO):
                yield Part(mkey, where, "", None, f"unpacks to more than {MAX_RATIO} times its "
                           "size: refused as a possible decompression bomb", size=m.size)
                continue
            yield from _blob_parts(m.name, data, chain=where, key=mkey, depth=depth,
                                   budget=budget, mtime=m.mtime)
    except ExtractError as exc:
        locked = isinstance(exc, EncryptedFile)      # a 7z whose names are encrypted too
        yield Part(budget.key(f"{key}/!damaged" if key else "!damaged"),
                   (*chain, "(password-protected)" if locked else "(damaged)"),
                   "", None, str(exc), skipped=locked)


def _attachment_parts(message: mail.Parsed, *, chain: tuple[str, ...], key: str, depth: int,
                      budget: Budget) -> Iterator[Part]:
    for i, att in enumerate(message.attachments):
        where = (*chain, att.name)
        akey = budget.key(f"{key}|{i}:{att.name}" if key else f"{i}:{att.name}")
        if att.data is None:
            yield Part(akey, where, "", None, att.problem or "not readable")
            continue
        if budget.stopped or budget.take(len(att.data)):
            yield Part(akey, where, "", None, budget.stopped, size=len(att.data))
            continue
        if not _worth_reading(att.name):
            continue
        yield from _blob_parts(att.name, att.data, chain=where, key=akey, depth=depth,
                               budget=budget, mtime=message.doc.taken)


def _blob_parts(name: str, data: bytes, *, chain: tuple[str, ...], key: str, depth: int,
                budget: Budget, mtime: float | None) -> Iterator[Part]:
    """What one member (or attachment) holds: itself as a document, or, for an archive or
    a message, the documents inside it."""
    digest = hashlib.sha1(data).hexdigest()
    kind = archives.archive_kind(name)
    low = name.lower()
    is_message = low.endswith((".eml", ".msg"))
    if kind or is_message or low.endswith((".mbox", ".mbx")):
        refusal = _unreadable_archive(kind)
        if refusal:
            yield Part(key, chain, digest, None, refusal, size=len(data))
            return
        if depth >= MAX_DEPTH:
            yield Part(key, chain, digest, None, f"an archive or message nested more than "
                       f"{MAX_DEPTH} deep: refused", size=len(data))
            return
        if kind:
            import io

            yield from _archive_parts(kind, io.BytesIO(data), chain=chain, key=key,
                                      depth=depth + 1, budget=budget)
            return
        if is_message:
            yield from _message_parts(name, data, chain=chain, key=key, depth=depth,
                                      budget=budget)
            return
        yield from _mbox_parts(data, chain=chain, key=key, depth=depth, budget=budget)
        return
    budget.documents += 1
    try:
        doc = read_member(name, data, budget)
    except ExtractError as exc:
        from desktop_search.errors import BinaryFile, TooLarge, UnsupportedFile

        skipped = isinstance(exc, (TooLarge, BinaryFile, UnsupportedFile))
        yield Part(key, chain, digest, None, str(exc), skipped=skipped, size=len(data))
        return
    except (MemoryError, RecursionError) as exc:
        yield Part(key, chain, digest, None, f"could not be read ({type(exc).__name__})",
                   skipped=False, size=len(data))
        return
    if not doc.text.strip():
        yield Part(key, chain, digest, None, "no text found in it", size=len(data))
        return
    yield Part(key, chain, digest, doc, size=len(data), mtime=doc.taken or mtime)


def _message_parts(name: str, data: bytes, *, chain: tuple[str, ...], key: str, depth: int,
                   budget: Budget) -> Iterator[Part]:
    digest = hashlib.sha1(data).hexdigest()
    budget.documents += 1
    try:
        message = parse_any_message(name, data, max_bytes=budget.max_bytes)
    except ExtractError as exc:
        yield Part(key, chain, digest, None, str(exc), skipped=False, size=len(data))
        return
    yield Part(key, chain, digest, message.doc, size=len(data), mtime=message.doc.taken)
    yield from _attachment_parts(message, chain=chain, key=key, depth=depth + 1, budget=budget)


def _mbox_parts(data: bytes, *, chain: tuple[str, ...], key: str, depth: int,
                budget: Budget) -> Iterator[Part]:
    """An mbox inside an archive or attached: split in memory (it is within the cap)."""
    spans = _mbox_spans(data)
    if not spans:
        yield Part(key, chain, "", None, "not an mbox: it does not begin with a 'From ' line",
                   skipped=False, size=len(data))
        return
    for a, b in spans:
        raw = data[a:b].split(b"\n", 1)[1] if b"\n" in data[a:b] else b""
        mkey = budget.key(f"{key}|m:{hashlib.sha1(raw).hexdigest()[:20]}")
        try:
            message = mail.parse_message(raw, max_bytes=budget.max_bytes)
        except ExtractError as exc:
            yield Part(mkey, (*chain, "(a damaged message)"), "", None, str(exc), skipped=False)
            continue
        where = (*chain, message.subject)
        budget.documents += 1
        yield Part(mkey, where, hashlib.sha1(raw).hexdigest(), message.doc, size=len(raw),
                   mtime=message.doc.taken)
        yield from _attachment_parts(message, chain=where, key=mkey, depth=depth + 1,
                                     budget=budget)


def _worth_reading(name: str) -> bool:
    from desktop_search.core.extract import is_supported

    return is_supported(PurePosixPath(name.replace("\\", "/")).name)


def read_member(name: str, data: bytes, budget: Budget) -> Extracted:
    """One member's document, read by the reader its name asks for (as on disk). A
    picture, or a PDF with pages to OCR, is read from a private temporary copy."""
    from desktop_search.core.extract import read_bytes
    from desktop_search.core.extract.images import is_picture

    base = PurePosixPath(name.replace("\\", "/")).name or "member"
    if is_picture(base):
        return _ocr_copy(base, data, budget, fallback=None)
    doc = read_bytes(Path(base), data, budget.max_bytes)
    if doc.needs_ocr:
        return _ocr_copy(base, data, budget, fallback=doc)
    return doc


def _ocr_copy(base: str, data: bytes, budget: Budget, *, fallback: Extracted | None) -> Extracted:
    from desktop_search.core.extract.images import extract_with_ocr, ocr_available

    if budget.ocr <= 0 or not ocr_available():
        if fallback is not None:
            return fallback
        why = ("no OCR engine is installed" if budget.ocr > 0
               else f"more than {MAX_OCR} pictures in one file")
        from desktop_search.errors import UnsupportedFile

        raise UnsupportedFile(f"a picture inside a file: not read ({why})")
    budget.ocr -= 1
    suffix = PurePosixPath(base).suffix.lower()[:10]
    with tempfile.TemporaryDirectory(prefix="ds-member-") as tmp:
        copy = Path(tmp) / f"member{suffix}"       # our name, never the archive's
        copy.write_bytes(data)
        return extract_with_ocr(copy, max_bytes=budget.max_bytes)


# --------------------------------------------------------------------------- one item out


def item_bytes(path: str | os.PathLike[str], inside: list[str], *, locator: dict[str, Any] | None,
               max_bytes: int) -> tuple[str, bytes]:
    """(a file name, the bytes) of the one document at ``inside`` in the file at ``path``:
    an archive member, a message of a mailbox (as ``.eml``), an attachment. Read in
    memory under the size cap; the caller writes it where it wants (a private folder)."""
    path = Path(path)
    cap = max_bytes * mail.MESSAGE_CAP_FACTOR
    if locator is not None:                      # a message of an mbox, and what is in it
        data = mail.read_range(path, int(locator["start"]), int(locator["end"]))
        return _descend(f"{safe_name(inside[0])}.eml", data, list(inside[1:]), cap)
    if os.path.getsize(path) > cap and archives.archive_kind(path.name) is None:
        raise TooLarge(f"{_human(os.path.getsize(path))} is over the {_human(cap)} size cap")
    if archives.archive_kind(path.name):
        with open(path, "rb") as f:
            return _member(archives.archive_kind(path.name) or "", f, list(inside), cap)
    if mail.is_emlx(path) and inside:            # an attachment of an Apple Mail message
        return _descend(f"{path.stem}.eml", mail.emlx_message(path.read_bytes()), list(inside), cap)
    return _descend(path.name, path.read_bytes(), list(inside), cap)


def _descend(name: str, data: bytes, chain: list[str], cap: int) -> tuple[str, bytes]:
    if not chain:
        return name, data
    kind = archives.archive_kind(name)
    if kind:
        import io

        return _member(kind, io.BytesIO(data), chain, cap)
    message = parse_any_message(name, data, max_bytes=cap)
    for att in message.attachments:
        if att.name == chain[0] and att.data is not None:
            return _descend(att.name, att.data, chain[1:], cap)
    if name.lower().endswith((".mbox", ".mbx")):
        for a, b in _mbox_spans(data):
            raw = data[a:b].split(b"\n", 1)[1] if b"\n" in data[a:b] else b""
            if mail.parse_message(raw, max_bytes=cap).subject == chain[0]:
                return _descend(f"{safe_name(chain[0])}.eml", raw, chain[1:], cap)
    raise FileVanishedInside(f"{chain[0]} is no longer in {name}")


def _member(kind: str, source: BinaryIO, chain: list[str], cap: int) -> tuple[str, bytes]:
    for m in archives.members(kind, source, member_cap=cap, max_unpacked=cap * UNPACK_FACTOR):
        if m.name == chain[0] and not m.problem:
            data = m.read(cap)
            if len(data) > cap:
                raise TooLarge(f"{chain[0]} is over the {_human(cap)} size cap")
            return _descend(archives.base_name(m.name), data, chain[1:], cap)
    raise FileVanishedInside(f"{chain[0]} is no longer in the archive")


def _mbox_spans(data: bytes) -> list[tuple[int, int]]:
    starts = [0] if data.startswith(b"From ") else []
    pos = data.find(b"\n\nFrom ")
    while pos != -1:
        starts.append(pos + 2)
        pos = data.find(b"\n\nFrom ", pos + 2)
    return list(zip(starts, [*starts[1:], len(data)]))


def safe_name(name: str) -> str:
    """A name fit for a file of our own: no folders, no control characters."""
    out = "".join(c if c.isprintable() and c not in '/\\:*?"<>|' else "_" for c in name)
    return out.strip(" .")[:120] or "item"


class FileVanishedInside(ExtractError):
    """The document is no longer inside its file (it changed since it was indexed)."""
