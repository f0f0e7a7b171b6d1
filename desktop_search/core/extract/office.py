"""Zip-based documents: DOCX, PPTX, ODT and EPUB (bomb-checked before parsing)."""
from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

from desktop_search.core.extract.common import (
    _ZIP_BIG_MEMBER,
    _ZIP_MAX_RATIO,
    _ZIP_UNPACK_FACTOR,
    Extracted,
    _clean_title,
    _human,
    _join_pages,
    _with_library_errors,
)
from desktop_search.core.extract.html import _decode_html, _html_to_text
from desktop_search.errors import (
    CorruptFile,
    EncryptedFile,
    ExtractError,
    TooLarge,
)

# --------------------------------------------------------------------------- zip-based

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _open_zip(data: bytes, max_bytes: int, kind: str) -> zipfile.ZipFile:
    """Open a zip container after checking it cannot unpack into a memory bomb."""
    if data.startswith(_OLE_MAGIC):  # Office wraps password-protected files in OLE
        raise EncryptedFile("password-protected (or old-format) Office file")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception:  # BadZipFile, but also ValueError/EOFError on odd archives
        raise CorruptFile(f"damaged {kind} file: not a valid zip archive") from None
    total = 0
    for info in infos:
        total += info.file_size
        if (
            info.file_size > _ZIP_BIG_MEMBER
            and info.file_size > _ZIP_MAX_RATIO * max(info.compress_size, 1)
        ):
            raise TooLarge(f"unpacks to {_human(info.file_size)}, over the cap")
    if total > _ZIP_UNPACK_FACTOR * max_bytes:
        raise TooLarge(f"unpacks to {_human(total)}, over the cap")
    return zf


def _read_docx(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Paragraphs and tables in document order, blank lines between them."""
    _open_zip(data, max_bytes, "DOCX").close()

    def parse() -> Extracted:
        import docx

        doc = docx.Document(io.BytesIO(data))
        blocks = [b for b in _docx_blocks(doc) if b.strip()]
        text = "\n\n".join(blocks)[:max_bytes]
        return Extracted(text, _clean_title(doc.core_properties.title), "docx")

    return _with_library_errors("DOCX", parse)


def _docx_blocks(container: Any) -> Iterator[str]:
    from docx.table import Table

    for item in container.iter_inner_content():
        if isinstance(item, Table):
            yield "\n".join(_docx_table_lines(item))
        else:
            yield item.text


def _docx_table_lines(table: Any) -> Iterator[str]:
    """One line per row, cells tab-separated; merged cells counted once."""
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(b.replace("\n", " ") for b in _docx_blocks(cell) if b.strip()))
        line = "\t".join(cells).strip()
        if line:
            yield line


def _read_pptx(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Slide by slide (text frames, tables, notes); each slide is a page."""
    _open_zip(data, max_bytes, "PPTX").close()

    def parse() -> Extracted:
        import pptx

        prs = pptx.Presentation(io.BytesIO(data))
        slides: list[str] = []
        total = 0
        for slide in prs.slides:
            slides.append("\n\n".join(_pptx_slide_blocks(slide)))
            total += len(slides[-1]) + 2
            if total > max_bytes:
                break
        text, starts = _join_pages(slides) if slides else ("", (0,))
        title = _clean_title(prs.core_properties.title)
        return Extracted(text[:max_bytes], title, "pptx", page_starts=starts)

    return _with_library_errors("PPTX", parse)


def _pptx_slide_blocks(slide: Any) -> Iterator[str]:
    from pptx.shapes.group import GroupShape

    stack = list(reversed(slide.shapes))  # depth-first, in reading order, no recursion
    while stack:
        shape = stack.pop()
        if isinstance(shape, GroupShape):
            stack.extend(reversed(shape.shapes))
        elif shape.has_text_frame:
            text = shape.text_frame.text.replace("\v", "\n").strip()
            if text:
                yield text
        elif shape.has_table:
            rows = ("\t".join(c.text.replace("\v", " ") for c in r.cells) for r in shape.table.rows)
            text = "\n".join(r for r in rows if r.strip())
            if text:
                yield text
    if slide.has_notes_slide:
        frame = slide.notes_slide.notes_text_frame
        if frame is not None and frame.text.strip():
            yield frame.text.replace("\v", "\n").strip()


_ODF_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _read_odt(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Headings, paragraphs and table rows of an OpenDocument text, in order."""
    _open_zip(data, max_bytes, "ODT").close()

    def parse() -> Extracted:
        from odf import dc, opendocument

        doc = opendocument.load(io.BytesIO(data))
        blocks = [b for b in _odf_blocks(doc.text) if b.strip()]
        titles = doc.meta.getElementsByType(dc.Title) if doc.meta is not None else []
        title = _clean_title(_odf_text(titles[0])) if titles else None
        return Extracted("\n\n".join(blocks)[:max_bytes], title, "odt")

    return _with_library_errors("ODT", parse)


def _odf_blocks(root: Any) -> Iterator[str]:
    """Walk the body iteratively: a paragraph or heading is a block, a table row a line."""
    stack = list(reversed(root.childNodes))
    while stack:
        node = stack.pop()
        qname = getattr(node, "qname", None)
        if qname in ((_ODF_TEXT_NS, "p"), (_ODF_TEXT_NS, "h")):
            yield _odf_text(node)
        elif qname == (_ODF_TABLE_NS, "table"):
            yield "\n".join(_odf_table_lines(node))
        elif node.nodeType == node.ELEMENT_NODE:
            stack.extend(reversed(node.childNodes))


def _odf_table_lines(table: Any) -> Iterator[str]:
    from odf import table as odf_table

    for row in table.getElementsByType(odf_table.TableRow):
        cells = [
            " ".join(_odf_text(p) for p in _odf_paragraphs(cell))
            for cell in row.childNodes
            if getattr(cell, "qname", None) == (_ODF_TABLE_NS, "table-cell")
        ]
        line = "\t".join(cells).strip()
        if line:
            yield line


def _odf_paragraphs(node: Any) -> Iterator[Any]:
    stack = list(reversed(node.childNodes))
    while stack:
        n = stack.pop()
        if getattr(n, "qname", None) in ((_ODF_TEXT_NS, "p"), (_ODF_TEXT_NS, "h")):
            yield n
        elif n.nodeType == n.ELEMENT_NODE:
            stack.extend(reversed(n.childNodes))


def _odf_text(node: Any) -> str:
    """Like ``odf.teletype.extractText`` but iterative and with a sane cap on <text:s c>."""
    out: list[str] = []
    stack = list(reversed(node.childNodes))
    while stack:
        n = stack.pop()
        if n.nodeType == n.TEXT_NODE:
            out.append(n.data)
            continue
        qname = getattr(n, "qname", None)
        if qname == (_ODF_TEXT_NS, "line-break"):
            out.append("\n")
        elif qname == (_ODF_TEXT_NS, "tab"):
            out.append("\t")
        elif qname == (_ODF_TEXT_NS, "s"):
            count = str(n.getAttribute("c") or "1")
            out.append(" " * min(int(count) if count.isdigit() else 1, 100))
        elif qname in ((_ODF_TEXT_NS, "note"), (_ODF_TEXT_NS, "note-citation")):
            continue  # footnote bodies would cut the sentence in half
        else:
            stack.extend(reversed(n.childNodes))
    return "".join(out)


def _read_epub(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Spine items in reading order; each is a page. Parsed by hand (ebooklib is AGPL)."""
    zf = _open_zip(data, max_bytes, "EPUB")
    with zf:
        return _with_library_errors("EPUB", lambda: _parse_epub(zf, max_bytes))


def _parse_epub(zf: zipfile.ZipFile, max_bytes: int) -> Extracted:
    container = ElementTree.fromstring(zf.read("META-INF/container.xml"))
    opf_path = next(
        (el.get("full-path") for el in container.iter() if _local(el.tag) == "rootfile"), None
    )
    if not opf_path:
        raise CorruptFile("damaged EPUB file: no package document")
    opf = ElementTree.fromstring(zf.read(opf_path))
    base = posixpath.dirname(opf_path)
    manifest: dict[str, tuple[str, str]] = {}
    spine: list[str] = []
    title: str | None = None
    for el in opf.iter():
        name = _local(el.tag)
        if name == "item" and el.get("id") and el.get("href"):
            manifest[el.get("id", "")] = (el.get("href", ""), el.get("media-type", ""))
        elif name == "itemref" and el.get("idref"):
            spine.append(el.get("idref", ""))
        elif name == "title" and title is None and el.tag.startswith("{http://purl.org/dc/"):
            title = _clean_title("".join(el.itertext()))
    chapters: list[str] = []
    total = 0
    for idref in spine:
        href, media = manifest.get(idref, ("", ""))
        if not href or not (
            "html" in media or href.lower().endswith((".xhtml", ".html", ".htm"))
        ):
            continue
        member = posixpath.normpath(posixpath.join(base, unquote(href.split("#", 1)[0])))
        try:
            chapter = _html_to_text(_decode_html(zf.read(member)))[0]
        except (KeyError, ExtractError):  # a missing or unreadable chapter, not a dead book
            chapter = ""
        chapters.append(chapter)
        total += len(chapter) + 2
        if total > max_bytes:
            break
    if not any(chapters):
        if "META-INF/encryption.xml" in zf.namelist():
            raise EncryptedFile("DRM-protected EPUB")
        return Extracted("", title, "epub", page_starts=(0,))
    text, starts = _join_pages(chapters)
    return Extracted(text[:max_bytes], title, "epub", page_starts=starts)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""



_ODF_DRAW_NS = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_ODF_PRES_NS = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"


def refuse_encrypted_odf(zf: zipfile.ZipFile) -> None:
    """An encrypted OpenDocument file says so in its manifest (its content.xml is
    ciphertext, which would read as damage)."""
    try:
        manifest = zf.read("META-INF/manifest.xml")
    except Exception:  # noqa: BLE001 - no readable manifest: the content decides
        return
    if b"encryption-data" in manifest:
        from desktop_search.i18n import N_

        raise EncryptedFile(N_("password-protected OpenDocument file"))


def _read_odp(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Slide by slide (text boxes, tables, speaker notes); each slide is a page. The
    content is streamed (``iterparse``), each slide let go once read."""
    zf = _open_zip(data, max_bytes, "ODP")
    refuse_encrypted_odf(zf)

    def parse() -> Extracted:
        slides: list[str] = []
        total = 0
        with zf, zf.open("content.xml") as f:
            for _event, el in ElementTree.iterparse(f, events=("end",)):
                if el.tag != f"{{{_ODF_DRAW_NS}}}page":
                    continue
                blocks = [" ".join("".join(p.itertext()).split())
                          for p in el.iter() if p.tag in (f"{{{_ODF_TEXT_NS}}}p",
                                                           f"{{{_ODF_TEXT_NS}}}h")]
                slides.append("\n".join(b for b in blocks if b))
                el.clear()
                total += len(slides[-1]) + 2
                if total > max_bytes:
                    break
        text, starts = _join_pages(slides) if slides else ("", (0,))
        return Extracted(text[:max_bytes], None, "odp", page_starts=starts)

    return _with_library_errors("ODP", parse)
