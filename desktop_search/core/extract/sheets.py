"""Spreadsheets: ``.xlsx``/``.xlsm`` (openpyxl, read-only, streamed), ``.ods``
(content.xml streamed with the standard library's ``iterparse``) and ``.xls`` (xlrd).

Each sheet is a page whose first line is the sheet's name; each row is a line, its cells
tab-separated (empty cells at the end of a row dropped, empty rows skipped). A formula
gives its cached value (the number or text last shown), never its source. Dates read as
ISO dates, whole numbers without ``.0``.

A sheet stops after ``MAX_ROWS`` rows and the file after ``MAX_CELLS`` cells (or the size
cap of text): the cut is said in the text, on a line of its own at the place it happened,
so the preview shows it. Empty rows count toward the rows (a file that claims a million
rows costs its claim, never more).
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from desktop_search.core.extract.common import (
    Extracted,
    _clean_title,
    _join_pages,
    _with_library_errors,
)
from desktop_search.core.extract.office import _open_zip, refuse_encrypted_odf
from desktop_search.errors import EncryptedFile
from desktop_search.i18n import N_

#: rows read from one sheet (empty ones included), at most
MAX_ROWS = 100_000
#: cells read from one file, at most
MAX_CELLS = 1_000_000
#: a repeated cell (``.ods``'s number-columns-repeated) is written out at most so often
_MAX_REPEAT = 20


class _Sheets:
    """Collects sheets row by row under the caps; ``cut`` says why reading stopped."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.pages: list[str] = []
        self.chars = 0
        self.cells = 0
        self.full = False

    def add(self, name: str, rows: Iterable[Iterable[Any]]) -> None:
        if self.full:
            return
        lines = [name]
        n = 0
        for row in rows:
            n += 1
            if n > MAX_ROWS:
                lines.append(N_("[the rest of this sheet is not read: more than {rows} rows]")
                             .format(rows=f"{MAX_ROWS:,}"))
                break
            cells = [_cell_text(v) for v in row]
            self.cells += len(cells)
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                line = "\t".join(cells)
                lines.append(line)
                self.chars += len(line) + 1
            if self.cells > MAX_CELLS or self.chars > self.max_chars:
                lines.append(N_("[the rest of this file is not read: more than {cells} cells]")
                             .format(cells=f"{MAX_CELLS:,}") if self.cells > MAX_CELLS else
                             N_("[the rest of this file is not read: over the size cap]"))
                self.full = True
                break
        self.pages.append("\n".join(lines))

    def result(self, kind: str, title: str | None = None) -> Extracted:
        if not self.pages:
            return Extracted("", title, kind, page_starts=(0,))
        text, starts = _join_pages(self.pages)
        return Extracted(text, title, kind, page_starts=starts)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value)
    return " ".join(text.split()) if ("\n" in text or "\t" in text) else text.strip()


# --------------------------------------------------------------------------- xlsx


def read_xlsx(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Rows of each sheet, streamed (openpyxl's read-only mode); formulas' cached values.
    An Excel 97-2003 workbook saved under ``.xlsx`` is read as what it is."""
    if data.startswith(_OLE_MAGIC) and _ole_has(data, "Workbook", "Book"):
        return read_xls(path, data, max_bytes)
    _open_zip(data, max_bytes, "XLSX").close()   # bomb check; another OLE file is encrypted

    def parse() -> Extracted:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                    keep_links=False)
        try:
            sheets = _Sheets(max_bytes)
            for ws in wb.worksheets:
                rows = ws.iter_rows(values_only=True) if hasattr(ws, "iter_rows") else ()
                sheets.add(ws.title, rows)
            title = wb.properties.title if wb.properties is not None else None
            return sheets.result("xlsx", _clean_title(title))
        finally:
            wb.close()

    return _with_library_errors("XLSX", parse)


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _ole_has(data: bytes, *streams: str) -> bool:
    try:
        import olefile

        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return any(ole.exists(s) for s in streams)
    except Exception:  # noqa: BLE001 - not a readable OLE file: the zip check says why
        return False


# --------------------------------------------------------------------------- ods

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def read_ods(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Rows of each table of ``content.xml``, streamed; repeated rows and cells (how ODF
    says "the same to the end of the sheet") are written out a few times at most."""
    zf = _open_zip(data, max_bytes, "ODS")
    refuse_encrypted_odf(zf)

    def parse() -> Extracted:
        with zf, zf.open("content.xml") as f:
            sheets = _Sheets(max_bytes)
            for name, rows in _ods_tables(f):
                sheets.add(name, rows)
            return sheets.result("ods")

    return _with_library_errors("ODS", parse)


def _ods_tables(f: Any) -> Iterator[tuple[str, Iterator[list[str]]]]:
    """(table name, its rows) in document order; each row is read when it ends."""
    events = ElementTree.iterparse(f, events=("start", "end"))
    for event, el in events:
        if event == "start" and el.tag == f"{{{_TABLE}}}table":
            name = el.get(f"{{{_TABLE}}}name") or ""
            yield name, _ods_rows(events)
        elif event == "end" and el.tag == f"{{{_TABLE}}}table-row":
            el.clear()                  # rows past a cut: skipped, not kept


def _ods_rows(events: Any) -> Iterator[list[str]]:
    for event, el in events:
        if event != "end":
            continue
        if el.tag == f"{{{_TABLE}}}table-row":
            cells = _ods_cells(el)
            repeat = _repeat(el, "number-rows-repeated")
            el.clear()
            if not any(cells):
                for _i in range(min(repeat, MAX_ROWS + 1)):
                    yield []        # empty rows count toward the cap, never unbounded
                continue
            for _i in range(min(repeat, _MAX_REPEAT)):
                yield cells
        elif el.tag == f"{{{_TABLE}}}table":
            el.clear()
            return


def _ods_cells(row: ElementTree.Element) -> list[str]:
    cells: list[str] = []
    for cell in row:
        if cell.tag not in (f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"):
            continue
        text = _ods_cell_text(cell)
        repeat = _repeat(cell, "number-columns-repeated")
        cells.extend([text] * min(repeat, _MAX_REPEAT if text else 1))
    return cells


def _ods_cell_text(cell: ElementTree.Element) -> str:
    paragraphs = [" ".join("".join(p.itertext()).split())
                  for p in cell.iter(f"{{{_TEXT}}}p")]
    text = " ".join(p for p in paragraphs if p)
    if text:
        return text
    for attr in ("value", "date-value", "time-value", "boolean-value"):
        value = cell.get(f"{{{_OFFICE}}}{attr}")
        if value:
            return value
    return ""


def _repeat(el: ElementTree.Element, attr: str) -> int:
    value = el.get(f"{{{_TABLE}}}{attr}") or "1"
    return int(value) if value.isdigit() and 0 < int(value) < 10**7 else 1


# --------------------------------------------------------------------------- xls


def read_xls(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """An Excel 97-2003 workbook (BIFF8, inside an OLE file) by xlrd; formulas' cached
    values, dates as dates. Older BIFF versions xlrd reads as well."""
    def parse() -> Extracted:
        import xlrd

        try:
            book = xlrd.open_workbook(file_contents=data, on_demand=True,
                                      logfile=io.StringIO(), ragged_rows=True)
        except xlrd.XLRDError as exc:
            if "encrypt" in str(exc).lower():
                raise EncryptedFile(N_("password-protected Excel file")) from None
            raise
        try:
            sheets = _Sheets(max_bytes)
            for i in range(book.nsheets):
                sheet = book.sheet_by_index(i)
                sheets.add(sheet.name, _xls_rows(book, sheet))
                book.unload_sheet(i)
            return sheets.result("xls")
        finally:
            book.release_resources()

    return _with_library_errors("XLS", parse)


def _xls_rows(book: Any, sheet: Any) -> Iterator[list[Any]]:
    import xlrd

    for r in range(sheet.nrows):
        row: list[Any] = []
        for cell in sheet.row(r):
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    row.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    row.append(cell.value)
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                row.append(bool(cell.value))
            elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_EMPTY):
                row.append(None)
            else:
                row.append(cell.value)
        yield row
