"""Mail: one message (``.eml``, a Maildir file, a message of an mbox) as a document, and
its attachments as the documents inside it; mboxes split without reading them whole.

The standard library's ``email`` package parses a message (lenient: a malformed MIME
tree gives the parts it can, a defect never an exception we let out). A message's text
is its headers (Subject, From, To, Cc, Date) and its body: the plain-text parts, or the
HTML ones made text. A part in a charset that is unknown, or wrong, is decoded as the
text detector guesses, never dropped.

An mbox is listed (``list_mbox``) by streaming it line by line: each message's byte
range and a hash of its bytes (Thunderbird's ``X-Mozilla-Status`` lines left out, since
they change when a message is read); the indexer then reads only the messages it has
not stored, one at a time (``read_range``). Thunderbird's mailboxes are files without an
extension next to a ``.msf`` index, in ``.sbd`` folders for subfolders; other mboxes
without an extension (mutt's, a Unix spool, ``~/mbox``, a renamed Google Takeout) are
told by what they begin with (``starts_like_mbox``: a ``From `` line, then headers).
Apple Mail keeps a message per ``.emlx`` file: a line with the message's byte count,
the message, then an XML property list (``emlx_message``).
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from desktop_search.core.extract.common import Extracted, _human
from desktop_search.core.extract.decode import _decode
from desktop_search.errors import CorruptFile

MAIL_KIND = "mail"
MAILBOX_KIND = "mailbox"
#: a message larger than this many times the size cap is not parsed (its attachments
#: would be over the cap anyway); its range is listed with the reason
MESSAGE_CAP_FACTOR = 3
#: ``X-Mozilla-Status`` and friends: flags rewritten in place when a message is read
_VOLATILE = (b"X-Mozilla-Status", b"X-Mozilla-Keys")


def is_mbox_name(path: str | os.PathLike[str]) -> bool:
    """An mbox by its name: ``*.mbox``/``*.mbx``, or a Thunderbird mailbox (a file without
    an extension next to its ``.msf`` index, as in ``Inbox`` + ``Inbox.msf``)."""
    p = Path(path)
    if p.suffix.lower() in (".mbox", ".mbx"):
        return True
    return p.suffix.lower() != ".msf" and os.path.isfile(str(p) + ".msf")


#: how much of a file ``starts_like_mbox`` reads: a few KB, whatever the file's size
MBOX_SNIFF_BYTES = 4096
#: an mbox's separator: ``From <sender> <date>`` (the sender may be ``MAILER-DAEMON``)
_FROM_LINE = re.compile(rb"From \S+ +\S.*\Z")
#: an RFC 5322 header line (``Name: value``) or the continuation of one
_HEADER_LINE = re.compile(rb"[!-9;-~]+:.*\Z|[ \t].*\Z")


def starts_like_mbox(path: str | os.PathLike[str]) -> bool:
    """Whether a file begins as an mbox does: a ``From `` separator line, then header
    lines (at least two, every line up to the blank one a header). Reads the first few
    KB only; a file that is not a regular file, or that cannot be read, is not one."""
    try:
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)      # O_NONBLOCK: a FIFO named like a mailbox never blocks
        with open(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return False
            head = f.read(MBOX_SNIFF_BYTES)
    except OSError:
        return False
    return _mbox_head(head, complete=len(head) < MBOX_SNIFF_BYTES)


def _mbox_head(head: bytes, *, complete: bool) -> bool:
    lines = head.split(b"\n")
    if not complete:
        lines = lines[:-1]                      # the last line may be cut short
    if not lines or not _FROM_LINE.match(lines[0].rstrip(b"\r")):
        return False
    headers = 0
    for line in lines[1:]:
        line = line.rstrip(b"\r")
        if not line:
            break                               # the end of the first message's headers
        if not _HEADER_LINE.match(line):
            return False
        headers += not line[:1].isspace()
    return headers >= 2


def emlx_message(data: bytes) -> bytes:
    """The message of an Apple Mail ``.emlx`` file: the first line is its length in
    bytes; the property list after it (flags, dates) is left out."""
    first, sep, rest = data.partition(b"\n")
    count = first.strip()
    if not sep or not count.isdigit() or len(count) > 12:
        raise CorruptFile("not an Apple Mail message: it does not begin with its length")
    return rest[:int(count)]


def is_emlx(path: str | os.PathLike[str]) -> bool:
    """An Apple Mail message file (``.emlx``, or ``.partial.emlx`` for one whose
    attachments were not downloaded)."""
    return Path(path).suffix.lower() == ".emlx"


def is_maildir_message(path: str | os.PathLike[str]) -> bool:
    """A message file of a Maildir: in its ``cur`` or ``new`` folder, beside ``tmp``."""
    p = Path(path)
    parent = p.parent
    return (parent.name in ("cur", "new") and (parent.parent / "tmp").is_dir()
            and (parent.parent / ("new" if parent.name == "cur" else "cur")).is_dir())


# --------------------------------------------------------------------------- one message


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    data: bytes | None      # None: not decoded (``problem`` says why)
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed message: its document and its attachments (not yet read)."""

    doc: Extracted
    subject: str
    attachments: tuple[Attachment, ...]


def _attached_message(part: Message, name: str | None) -> Attachment:
    """A message attached to a message (``message/rfc822``), as its own ``.eml``."""
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    raw = _as_bytes(inner) if isinstance(inner, Message) else None
    inner_subject = _header(inner, "subject") if isinstance(inner, Message) else ""
    return Attachment(name or f"{inner_subject or 'message'}.eml", raw,
                      None if raw is not None else "a damaged attached message")


def _attachment(part: Message, name: str | None, ctype: str, *, max_bytes: int) -> Attachment:
    """An attached file's bytes, or why they are not read (damaged, over the cap)."""
    payload = _payload(part)
    if payload is None:
        return Attachment(name or "attachment", None, "a damaged attachment (its encoding is broken)")
    if len(payload) > max_bytes:
        return Attachment(name or "attachment", None,
                          f"{_human(len(payload))} is over the {_human(max_bytes)} size cap")
    return Attachment(name or _default_name(ctype), payload)


def parse_message(data: bytes, *, max_bytes: int) -> Parsed:
    """A message's document (headers and body) and its attachments' bytes."""
    try:
        # compat32: the parser without the header registry, 10x faster on a mailbox;
        # headers are decoded here (``_decoded``)
        msg = BytesParser(policy=policy.compat32).parsebytes(data)
    except Exception as exc:  # noqa: BLE001 - the parser is lenient; anything left is damage
        raise CorruptFile(f"damaged message: {type(exc).__name__}") from None
    subject = " ".join(_header(msg, "subject").split()) or "(no subject)"
    sender = _header(msg, "from")
    to = _header(msg, "to")
    cc = _header(msg, "cc")
    recipients = ", ".join(a for a in (to, cc) if a)
    date_text = _header(msg, "date")
    date = _date(date_text)
    body: list[str] = []
    attachments: list[Attachment] = []
    for part in _leaves(msg):
        name = _filename(part)
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        if ctype == "message/rfc822":
            attachments.append(_attached_message(part, name))
            continue
        if name or disposition == "attachment" or not ctype.startswith("text/"):
            if not ctype.startswith("multipart/"):
                attachments.append(_attachment(part, name, ctype, max_bytes=max_bytes))
            continue
        text = _text_of(part)
        if ctype == "text/html":
            from desktop_search.core.extract.html import _html_to_text

            text = _html_to_text(text)[0]
        if text.strip():
            body.append(text.strip())
    head = [f"Subject: {subject}", f"From: {sender}"]
    if to:
        head.append(f"To: {to}")
    if cc:
        head.append(f"Cc: {cc}")
    if date_text:
        head.append(f"Date: {date_text}")
    text = "\n".join(head) + "\n\n" + "\n\n".join(_prefer_plain(body))
    doc = Extracted(text[:max_bytes], subject, MAIL_KIND, taken=date, sender=sender or None,
                    recipients=recipients or None)
    return Parsed(doc, subject, tuple(attachments))


def _prefer_plain(body: list[str]) -> list[str]:
    # multipart/alternative gives the same words twice (plain and HTML): keep each once
    out: list[str] = []
    for text in body:
        key = " ".join(text.split())[:2000]
        if not any(" ".join(o.split())[:2000] == key for o in out):
            out.append(text)
    return out


def _leaves(part: Message) -> Iterator[Message]:
    """The parts of a message that hold content, in order; an attached message is one
    leaf (read as a message of its own)."""
    if part.get_content_type() == "message/rfc822":
        yield part
        return
    if part.is_multipart():
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, Message):
                yield from _leaves(sub)
        return
    yield part


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a malformed header: read it raw
        value = None
        for k, v in getattr(msg, "_headers", []):
            if k.lower() == name:
                value = v
                break
    if value is None:
        return ""
    text = _decoded(value)
    if name in ("from", "to", "cc"):
        try:
            pairs = getaddresses([text])
            shown = [f"{n} <{a}>" if n and a else (a or n) for n, a in pairs if n or a]
            if shown:
                text = ", ".join(shown)
        except Exception:  # noqa: BLE001
            pass
    return " ".join(text.split())[:1000]


def _decoded(value: str) -> str:
    """A header's text: RFC 2047 encoded words decoded, raw 8-bit bytes guessed."""
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # noqa: BLE001 - a malformed encoded word: keep it as it is
        try:
            return str(value)
        except Exception:  # noqa: BLE001
            return repr(value)


def _date(text: str) -> float | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - a malformed parameter
        return None
    if not name:
        return None
    name = _decoded(name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or None


def _default_name(ctype: str) -> str:
    ext = {"application/pdf": ".pdf", "text/html": ".html", "text/plain": ".txt",
           "image/jpeg": ".jpg", "image/png": ".png"}.get(ctype, "")
    return "attachment" + ext


def _payload(part: Message) -> bytes | None:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        return None
    if data is None:
        raw = part.get_payload()
        return raw.encode("utf-8", "replace") if isinstance(raw, str) else None
    return data if isinstance(data, bytes) else None


def _text_of(part: Message) -> str:
    data = _payload(part) or b""
    charset = None
    try:
        charset = part.get_content_charset()
    except Exception:  # noqa: BLE001
        pass
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError, ValueError):
            pass        # unknown or wrong charset: guess, as for a text file
    try:
        return _decode(data)
    except Exception:  # noqa: BLE001
        return data.decode("utf-8", "replace")


def _as_bytes(msg: Message) -> bytes | None:
    try:
        return msg.as_bytes()
    except Exception:  # noqa: BLE001
        try:
            return msg.as_string().encode("utf-8", "replace")
        except Exception:  # noqa: BLE001
            return None


# --------------------------------------------------------------------------- mbox


def list_mbox(path: str | os.PathLike[str], *, start: int = 0) -> list[tuple[int, int, str]]:
    """Each message of the mbox from byte ``start`` on (a message boundary): (start, end,
    hash), read line by line (a mailbox of gigabytes is never in memory). A file that
    does not begin with a ``From `` line is not an mbox and raises."""
    out: list[tuple[int, int, str]] = []
    with open(path, "rb") as f:
        f.seek(start)
        pos = start
        cur: int | None = None
        h: Any = None      # hashlib's sha1 object, from the message's first line
        prev_blank = True
        for line in f:
            if line.startswith(b"From ") and prev_blank:
                if cur is not None:
                    out.append((cur, pos, h.hexdigest()))
                cur, h = pos, hashlib.sha1()
            elif cur is None:
                if line.strip():
                    raise CorruptFile("not an mbox: it does not begin with a 'From ' line "
                                      "(no message could be told apart)")
            if h is not None and not line.startswith(_VOLATILE):
                h.update(line)
            prev_blank = line in (b"\n", b"\r\n")
            pos += len(line)
        if cur is not None:
            out.append((cur, pos, h.hexdigest()))
    return out


def read_range(path: str | os.PathLike[str], start: int, end: int) -> bytes:
    """The bytes of one message of an mbox, without its ``From `` separator line."""
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read(end - start)
    if data.startswith(b"From "):
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    return data


def message_digest(path: str | os.PathLike[str], start: int, end: int) -> str:
    """The hash ``list_mbox`` gives the message at ``[start, end)`` (to check that the
    messages already indexed are still where they were)."""
    h = hashlib.sha1()
    with open(path, "rb") as f:
        f.seek(start)
        left = end - start
        for line in f:
            if left <= 0:
                break
            line = line[:left]
            left -= len(line)
            if not line.startswith(_VOLATILE):
                h.update(line)
    return h.hexdigest()
