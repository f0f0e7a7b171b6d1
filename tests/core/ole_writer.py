"""A small writer of OLE compound files (MS-CFB, version 3) and of the three formats the
tests need in one: Word 97 ``.doc``, PowerPoint 97 ``.ppt`` and Outlook ``.msg``.

No Python library writes these (olefile only reads, or rewrites a stream in place), so
the tests build real files the way the formats are specified: 512-byte sectors, a FAT,
small streams in the mini stream, a directory of red-black siblings (all black, sorted
by the format's order). olefile, the reader the product uses, and LibreOffice open them.
"""
from __future__ import annotations

import struct

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END, _FREE, _FATSECT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
_CUTOFF = 4096

Tree = dict  # name -> bytes (a stream) or Tree (a storage)


def write_ole(tree: Tree) -> bytes:
    sectors: list[bytes] = []
    fat: list[int] = []

    def alloc(data: bytes) -> int:
        if not data:
            return _END
        start = len(sectors)
        n = (len(data) + 511) // 512
        for i in range(n):
            sectors.append(data[i * 512:(i + 1) * 512].ljust(512, b"\0"))
            fat.append(start + i + 1 if i < n - 1 else _END)
        return start

    entries: list[dict] = [dict(name="Root Entry", type=5, kids=[], data=b"")]

    def add(storage: Tree, parent: int) -> None:
        for name, value in storage.items():
            entries.append(dict(name=name, type=1 if isinstance(value, dict) else 2,
                                kids=[], data=value if isinstance(value, bytes) else b""))
            me = len(entries) - 1
            entries[parent]["kids"].append(me)
            if isinstance(value, dict):
                add(value, me)

    add(tree, 0)
    mini = bytearray()
    minifat: list[int] = []
    for e in entries[1:]:
        data = e["data"]
        if e["type"] != 2:
            e["start"], e["size"] = 0, 0
        elif len(data) >= _CUTOFF:
            e["start"], e["size"] = alloc(data), len(data)
        elif not data:
            e["start"], e["size"] = _END, 0
        else:
            first = len(mini) // 64
            n = (len(data) + 63) // 64
            mini += data.ljust(n * 64, b"\0")
            minifat += [first + i + 1 if i < n - 1 else _END for i in range(n)]
            e["start"], e["size"] = first, len(data)
    entries[0]["start"] = alloc(bytes(mini)) if mini else _END
    entries[0]["size"] = len(mini)
    minifat_start = alloc(b"".join(struct.pack("<I", v) for v in minifat)) if minifat else _END
    for e in entries:                              # siblings: one sorted chain, all black
        kids = sorted(e["kids"], key=lambda i: (len(entries[i]["name"]),
                                                entries[i]["name"].upper()))
        e["child"] = kids[0] if kids else _NONE
        for a, b in zip(kids, kids[1:] + [None]):
            entries[a]["right"] = b if b is not None else _NONE
    directory = b"".join(_entry(e) for e in entries)
    directory = directory.ljust(((len(directory) + 511) // 512) * 512, b"\0")
    dir_start = alloc(directory)
    nfat = 1
    while (len(sectors) + nfat) > nfat * 128:
        nfat += 1
    fat_sectors = list(range(len(sectors), len(sectors) + nfat))
    fat += [_FATSECT] * nfat
    fat += [_FREE] * (nfat * 128 - len(fat))
    for i in range(nfat):
        sectors.append(b"".join(struct.pack("<I", v) for v in fat[i * 128:(i + 1) * 128]))
    difat = fat_sectors + [_FREE] * (109 - nfat)
    header = (MAGIC + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, nfat, dir_start, 0, _CUTOFF, minifat_start,
                            (len(minifat) * 4 + 511) // 512, _END, 0)
              + b"".join(struct.pack("<I", v) for v in difat))
    return header + b"".join(sectors)


def _entry(e: dict) -> bytes:
    name = e["name"].encode("utf-16-le") + b"\0\0"
    return (name.ljust(64, b"\0") + struct.pack("<HBBIII", len(name), e["type"], 1,
                                                _NONE, e.get("right", _NONE), e["child"])
            + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
            + struct.pack("<IQ", e["start"], e["size"]))


# --------------------------------------------------------------------------- formats


def make_doc(paragraphs: list[str], *, encrypted: bool = False, unicode: bool = False
             ) -> bytes:
    """A Word 97 document: its text as one piece, 8-bit as Word writes a Western file,
    or UTF-16 (``unicode``) as it writes one with characters outside cp1252."""
    text = "\r".join(paragraphs) + "\r"
    raw = text.encode("utf-16-le" if unicode else "cp1252")
    fc = 0x800
    word = bytearray(fc) + raw
    flags = 0x0200 | (0x0100 if encrypted else 0)              # 1Table; fEncrypted
    struct.pack_into("<HHHHH", word, 0, 0xA5EC, 0xC1, 0, 0x409, 0)
    struct.pack_into("<H", word, 0x0A, flags)
    struct.pack_into("<I", word, 0x4C, len(text))             # ccpText
    piece_fc = fc if unicode else (fc * 2) | 0x40000000
    plc = struct.pack("<II", 0, len(text)) + struct.pack("<HIH", 0, piece_fc, 0)
    clx = b"\x02" + struct.pack("<I", len(plc)) + plc
    table = b"\0" * 16 + clx
    struct.pack_into("<II", word, 0x1A2, 16, len(clx))
    return write_ole({"WordDocument": bytes(word).ljust(4096, b"\0"), "1Table": table})


def _record(ver: int, rtype: int, body: bytes) -> bytes:
    return struct.pack("<HHI", ver, rtype, len(body)) + body


def make_ppt(slides: list[str]) -> bytes:
    """A PowerPoint 97 file: a document container holding one text atom per slide."""
    atoms = b"".join(_record(0, 0x0FA0, s.encode("utf-16-le")) for s in slides)
    atoms += _record(0, 0x0FA8, b"Click to edit Master title style")
    stream = _record(0xF, 0x03E8, atoms)
    return write_ole({"PowerPoint Document": stream,
                      "Current User": b"\x14\0\0\0" + b"\0" * 16})


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\0\0"


def _props(header: int, fixed: dict[int, bytes]) -> bytes:
    out = b"\0" * header
    for tag, value in fixed.items():
        out += struct.pack("<II", tag, 6) + value.ljust(8, b"\0")
    return out


def make_msg(*, subject: str, sender: str, address: str, to: str, body: str,
             attachments: dict[str, bytes] | None = None, filetime: int = 0,
             embedded: Tree | None = None) -> bytes:
    """An Outlook message as Outlook saves it: properties as streams, attachments as
    storages (``embedded``: a message attached inside, made by ``msg_tree``)."""
    return write_ole(msg_tree(subject=subject, sender=sender, address=address, to=to,
                              body=body, attachments=attachments, filetime=filetime,
                              embedded=embedded, top=True))


def msg_tree(*, subject: str, sender: str, address: str, to: str, body: str,
             attachments: dict[str, bytes] | None = None, filetime: int = 0,
             embedded: Tree | None = None, top: bool = False) -> Tree:
    tree: Tree = {
        "__properties_version1.0": _props(32 if top else 24,
                                          {0x0E060040: struct.pack("<Q", filetime)}),
        "__substg1.0_0037001F": _utf16(subject),
        "__substg1.0_0C1A001F": _utf16(sender),
        "__substg1.0_5D01001F": _utf16(address),
        "__substg1.0_0E04001F": _utf16(to),
        "__substg1.0_1000001F": _utf16(body),
        "__recip_version1.0_#00000000": {
            "__properties_version1.0": _props(8, {}),
            "__substg1.0_3001001F": _utf16(to)},
    }
    if top:
        tree["__nameid_version1.0"] = {"__substg1.0_00020102": b"",
                                       "__substg1.0_00030102": b"",
                                       "__substg1.0_00040102": b""}
    for i, (name, data) in enumerate((attachments or {}).items()):
        tree[f"__attach_version1.0_#{i:08X}"] = {
            "__properties_version1.0": _props(8, {0x37050003: struct.pack("<I", 1)}),
            "__substg1.0_3707001F": _utf16(name),
            "__substg1.0_37010102": data,
        }
    if embedded is not None:
        i = len(attachments or {})
        tree[f"__attach_version1.0_#{i:08X}"] = {
            "__properties_version1.0": _props(8, {0x37050003: struct.pack("<I", 5)}),
            "__substg1.0_3707001F": _utf16("forwarded.msg"),
            "__substg1.0_3701000D": embedded,
        }
    return tree
