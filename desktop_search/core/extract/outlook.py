"""Outlook ``.msg`` files: a message saved from Outlook, read from its OLE streams
(olefile) by hand, as ``mail.Parsed``: the message is a document, its attachments the
documents inside it, exactly as for an ``.eml``.

A ``.msg`` keeps each property in a stream named ``__substg1.0_<id><type>`` and fixed-size
ones in ``__properties_version1.0``; attachments are storages ``__attach_version1.0_#N``.
The body is the plain-text one; else the HTML one made text; else the compressed RTF one
(compressed-rtf, then striprtf). A message attached inside (an attachment that is a
message of its own) becomes an ``.eml`` made here, with its own attachments, nested at
most ``MAX_NESTED`` deep.

What is lost: formatting, inline pictures' places, recipients' addresses where only
names are stored, and the contents of attachments stored as OLE objects.
(extract-msg reads the same streams; it is not used because it brings 20 packages, 33 MB,
among them a GUI toolkit and a cryptography stack.)
"""
from __future__ import annotations

from typing import Any

import datetime as dt
import io
import struct
from email.message import EmailMessage
from email.utils import format_datetime

from desktop_search.core.extract.common import Extracted, _human
from desktop_search.core.extract.mail import MAIL_KIND, Attachment, Parsed
from desktop_search.errors import CorruptFile, EncryptedFile, ExtractError
from desktop_search.i18n import N_

#: messages attached inside messages, at most this deep (``inside.MAX_DEPTH``, the
#: limit of every container, usually says stop first, with a listed reason)
MAX_NESTED = 8
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: property ids (MS-OXPROPS)
_SUBJECT, _SENDER_NAME, _SENDER_EMAIL, _SENDER_SMTP = 0x0037, 0x0C1A, 0x0C1F, 0x5D01
_DISPLAY_TO, _DISPLAY_CC, _BODY, _HTML, _RTF = 0x0E04, 0x0E03, 0x1000, 0x1013, 0x1009
_HEADERS = 0x007D
_SUBMIT_TIME, _DELIVERY_TIME = 0x0039, 0x0E06
_ATT_LONG_NAME, _ATT_NAME, _ATT_DATA, _ATT_METHOD = 0x3707, 0x3704, 0x3701, 0x3705
_ATTACH_EMBEDDED = 5


def parse_msg(data: bytes, *, max_bytes: int) -> Parsed:
    """A ``.msg`` file's message and its attachments' bytes."""
    if not data.startswith(_OLE_MAGIC):
        raise CorruptFile(N_("damaged Outlook message: not an OLE file"))
    try:
        import olefile

        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not ole.exists("__properties_version1.0"):
                raise CorruptFile(N_("damaged Outlook message: no property stream"))
            return _message(ole, "", max_bytes=max_bytes, depth=0)
    except ExtractError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - olefile raises many kinds on damage
        raise CorruptFile(N_("damaged Outlook message: {error}").format(
            error=str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__)) from None


class _Props:
    """The properties of one object (the message, an attachment) under ``prefix``."""

    def __init__(self, ole: Any, prefix: str, header: int) -> None:
        self.ole, self.prefix = ole, prefix
        self.fixed: dict[int, bytes] = {}
        raw = self._stream(f"{prefix}__properties_version1.0") or b""
        for pos in range(header, len(raw) - 15, 16):
            tag = struct.unpack_from("<I", raw, pos)[0]
            self.fixed[tag >> 16] = raw[pos + 8:pos + 16]

    def _stream(self, name: str) -> bytes | None:
        if not self.ole.exists(name) or self.ole.get_type(name) != 2:   # 2: a stream
            return None
        return bytes(self.ole.openstream(name).read())

    def text(self, pid: int) -> str:
        raw = self._stream(f"{self.prefix}__substg1.0_{pid:04X}001F")
        if raw is not None:
            return raw.decode("utf-16-le", "replace").rstrip("\x00")
        raw = self._stream(f"{self.prefix}__substg1.0_{pid:04X}001E")
        if raw is not None:
            return raw.decode("cp1252", "replace").rstrip("\x00")
        return ""

    def binary(self, pid: int) -> bytes | None:
        return self._stream(f"{self.prefix}__substg1.0_{pid:04X}0102")

    def long(self, pid: int) -> int | None:
        value = self.fixed.get(pid)
        return struct.unpack_from("<i", value)[0] if value else None

    def time(self, pid: int) -> float | None:
        value = self.fixed.get(pid)
        if not value:
            return None
        ticks = struct.unpack_from("<Q", value)[0]          # 100 ns since 1601
        if not ticks:
            return None
        try:
            return (dt.datetime(1601, 1, 1, tzinfo=dt.timezone.utc)
                    + dt.timedelta(microseconds=ticks // 10)).timestamp()
        except (OverflowError, ValueError):
            return None


def _message(ole: Any, prefix: str, *, max_bytes: int, depth: int) -> Parsed:
    # the top message's property header is 32 bytes, an embedded message's 24
    props = _Props(ole, prefix, 32 if not prefix else 24)
    if props.binary(0x0E0A) is not None or ole.exists(f"{prefix}__substg1.0_3FD10102"):
        raise EncryptedFile(N_("an encrypted Outlook message (S/MIME or IRM)"))
    subject = " ".join(props.text(_SUBJECT).split()) or "(no subject)"
    name = props.text(_SENDER_NAME)
    address = props.text(_SENDER_SMTP) or props.text(_SENDER_EMAIL)
    sender = f"{name} <{address}>" if name and address and "@" in address else (name or address)
    to, cc = props.text(_DISPLAY_TO), props.text(_DISPLAY_CC)
    taken = props.time(_DELIVERY_TIME) or props.time(_SUBMIT_TIME)
    body = _body(props)
    head = [f"Subject: {subject}", f"From: {sender}"]
    head += [f"To: {to}"] if to else []
    head += [f"Cc: {cc}"] if cc else []
    if taken:
        date = format_datetime(dt.datetime.fromtimestamp(taken, dt.timezone.utc))
        head.append(f"Date: {date}")
    text = "\n".join(head) + "\n\n" + body
    recipients = ", ".join(a for a in (to, cc) if a)
    doc = Extracted(text[:max_bytes], subject, MAIL_KIND, taken=taken,
                    sender=sender or None, recipients=recipients or None)
    return Parsed(doc, subject, tuple(_attachments(ole, prefix, max_bytes=max_bytes,
                                                   depth=depth)))


def _body(props: _Props) -> str:
    body = props.text(_BODY)
    if body.strip():
        return body.replace("\r\n", "\n").strip()
    html = props.binary(_HTML) or props.text(_HTML).encode("utf-8")
    if html.strip():
        from desktop_search.core.extract.html import _decode_html, _html_to_text

        return _html_to_text(_decode_html(html))[0].strip()
    rtf = props.binary(_RTF)
    if rtf:
        try:
            from compressed_rtf import decompress

            from desktop_search.core.extract.legacy import rtf_text

            return rtf_text(decompress(rtf))
        except Exception:  # noqa: BLE001 - a damaged RTF body: the headers are still read
            return ""
    return ""


def _attachments(ole: Any, prefix: str, *, max_bytes: int, depth: int) -> list[Attachment]:
    out: list[Attachment] = []
    depth_of = len([p for p in prefix.split("/") if p])
    folders = sorted({e[depth_of] for e in ole.listdir(streams=True, storages=True)
                      if _under(e, prefix)})
    for folder in folders:
        if not folder.startswith("__attach_version1.0_#"):
            continue
        where = f"{prefix}{folder}/"
        att = _Props(ole, where, 8)
        name = (att.text(_ATT_LONG_NAME) or att.text(_ATT_NAME)).replace("\\", "/")
        name = name.rsplit("/", 1)[-1].strip()[:255]
        if att.long(_ATT_METHOD) == _ATTACH_EMBEDDED or ole.exists(
                f"{where}__substg1.0_{_ATT_DATA:04X}000D"):
            out.append(_embedded(ole, f"{where}__substg1.0_{_ATT_DATA:04X}000D/", name,
                                 max_bytes=max_bytes, depth=depth))
            continue
        data = att.binary(_ATT_DATA)
        name = name or "attachment"
        if data is None:
            out.append(Attachment(name, None, N_("an attachment stored as an OLE object "
                                                "(not read)")))
        elif len(data) > max_bytes:
            out.append(Attachment(name, None, N_("{size} is over the {cap} size cap").format(
                size=_human(len(data)), cap=_human(max_bytes))))
        else:
            out.append(Attachment(name, data))
    return out


def _under(entry: list[str], prefix: str) -> bool:
    parts = [p for p in prefix.split("/") if p]
    return entry[:len(parts)] == parts and len(entry) > len(parts)


def _embedded(ole: Any, prefix: str, name: str, *, max_bytes: int, depth: int) -> Attachment:
    """A message attached inside: made an ``.eml`` (with its own attachments)."""
    if depth + 1 > MAX_NESTED:
        return Attachment(name or "message.eml", None,
                          N_("a message nested more than {count} deep: refused").format(count=MAX_NESTED))
    inner = _message(ole, prefix, max_bytes=max_bytes, depth=depth + 1)
    try:
        data = _as_eml(inner)
    except (ValueError, TypeError, UnicodeError):
        return Attachment(name or "message.eml", None, N_("a damaged attached message"))
    base = (name or inner.subject).removesuffix(".msg")
    return Attachment(f"{base}.eml", data)


def _as_eml(inner: Parsed) -> bytes:
    def one_line(value: str) -> str:
        return " ".join(value.split())

    eml = EmailMessage()
    doc = inner.doc
    eml["Subject"] = one_line(inner.subject)
    if doc.sender:
        eml["From"] = one_line(doc.sender)
    if doc.recipients:
        eml["To"] = one_line(doc.recipients)
    if doc.taken:
        eml["Date"] = format_datetime(dt.datetime.fromtimestamp(doc.taken, dt.timezone.utc))
    body = doc.text.split("\n\n", 1)[-1]
    refused = [f"[{att.name}: {att.problem}]" for att in inner.attachments if att.data is None]
    eml.set_content("\n\n".join([body, *refused]))   # said where a reader sees it
    for att in inner.attachments:
        if att.data is not None:
            eml.add_attachment(att.data, maintype="application", subtype="octet-stream",
                               filename=att.name)
    return eml.as_bytes()
