"""Spreadsheets, RTF, old Office, OpenDocument presentations, Outlook messages and 7z/RAR
archives: real files of each format, made here, read through ``extract``; and each format
hostile (a bomb, cut short, password-protected): a listed reason, never a crash."""
from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from pathlib import Path

import pytest

from desktop_search.core.extract import extract, is_supported, page_of, sheets
from desktop_search.core.indexing.sandbox import SandboxedExtractor
from desktop_search.errors import CorruptFile, EncryptedFile, ExtractError, TooLarge
from tests.core.ole_writer import make_doc, make_msg, make_ppt, msg_tree, write_ole

# --------------------------------------------------------------------------- builders


def make_xlsx(path: Path, sheets_: dict[str, list[list]], *, cached: dict[str, str] | None = None
              ) -> Path:
    """An .xlsx by openpyxl; ``cached``: formula cells given the value Excel would have
    saved beside the formula (openpyxl writes formulas without one)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets_.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    if cached:
        with zipfile.ZipFile(path) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
        xml = members["xl/worksheets/sheet1.xml"].decode()
        for ref, value in cached.items():
            start = xml.index(f'<c r="{ref}"')
            end = xml.index("</c>", start)
            cell = xml[start:end].replace("<v></v>", "").replace("<v/>", "")
            xml = xml[:start] + cell + f"<v>{value}</v>" + xml[end:]
        members["xl/worksheets/sheet1.xml"] = xml.encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for n, data in members.items():
                zf.writestr(n, data)
    return path


def make_ods(path: Path, sheets_: dict[str, list[list[str]]]) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for name, rows in sheets_.items():
        table = Table(name=name)
        for row in rows:
            tr = TableRow()
            for value in row:
                if isinstance(value, (int, float)):
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                else:
                    cell = TableCell()
                    cell.addElement(P(text=value))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def make_odp(path: Path, slides: list[list[str]]) -> Path:
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    doc = OpenDocumentPresentation()
    layout = PageLayout(name="L")
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="M", pagelayoutname=layout)
    doc.masterstyles.addElement(master)
    for i, paragraphs in enumerate(slides):
        page = Page(masterpagename=master, name=f"page{i + 1}")
        frame = Frame(width="20cm", height="10cm", x="1cm", y="1cm")
        box = TextBox()
        for text in paragraphs:
            box.addElement(P(text=text))
        frame.addElement(box)
        page.addElement(frame)
        doc.presentation.addElement(page)
    doc.save(str(path))
    return path


def xls_bytes(rows_by_sheet: dict[str, list[list]]) -> bytes:
    import xlwt

    book = xlwt.Workbook()
    for name, rows in rows_by_sheet.items():
        ws = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    ws.write(r, c, value, xlwt.easyxf(num_format_str="YYYY-MM-DD"))
                else:
                    ws.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_7z(path: Path, members: dict[str, bytes | str], **kwargs) -> Path:
    import py7zr

    with py7zr.SevenZipFile(path, "w", **kwargs) as z:
        for name, data in members.items():
            z.writestr(data.encode() if isinstance(data, str) else data, name)
    return path


RTF = (rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}}"
       rb"{\info{\title Old letter}}\f0\fs24 Dear Aunt Rose,\par "
       rb"the caf\'e9 by the harbour serves the best \b fish soup\b0  in town.\par "
       rb"{\*\generator Riched20;}Yours, \u8364? 12\par}")


# --------------------------------------------------------------------------- spreadsheets


def test_xlsx_sheets_rows_and_cached_formula_values(tmp_path):
    p = make_xlsx(tmp_path / "budget.xlsx", {
        "Expenses 2024": [["Item", "Cost", "Qty", "Total"],
                          ["Lantern", 12.5, 40, "=B2*C2"],
                          ["Tent", 300, 1, None],
                          [dt.datetime(2024, 5, 1), None, None, None]],
        "Notes": [["Ask the mayor about the permit"]],
    }, cached={"D2": "500"})
    ex = extract(p)
    assert ex.kind == "xlsx" and is_supported(p)
    pages = ex.text.split("\n\n")
    assert pages[0].splitlines() == ["Expenses 2024", "Item\tCost\tQty\tTotal",
                                     "Lantern\t12.5\t40\t500", "Tent\t300\t1", "2024-05-01"]
    assert "B2*C2" not in ex.text                      # the formula's value, not its source
    assert page_of(ex, ex.text.index("mayor")) == 2   # each sheet a page
    assert pages[1].splitlines()[0] == "Notes"


def test_a_huge_sheet_is_cut_and_the_cut_is_said(tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "MAX_ROWS", 50)
    p = make_xlsx(tmp_path / "log.xlsx", {"Log": [[f"row {i}", i] for i in range(200)],
                                           "After": [["second sheet still read"]]})
    ex = extract(p)
    assert "row 49\t49" in ex.text and "row 50\t" not in ex.text
    assert "more than 50 rows" in ex.text
    assert "second sheet still read" in ex.text


def test_a_sheet_that_claims_a_million_rows_costs_the_cap_not_the_claim(tmp_path, monkeypatch):
    """An .xlsx whose one cell sits at row 1,048,576: the empty rows before it count."""
    monkeypatch.setattr(sheets, "MAX_ROWS", 1000)
    p = make_xlsx(tmp_path / "far.xlsx", {"S": [["top"]]})
    with zipfile.ZipFile(p) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    xml = xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                      "<is><t>bottom</t></is></c></row></sheetData>")
    xml = xml.replace('ref="A1:A1"', 'ref="A1:XFD1048576"')
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(p, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    ex = extract(p)              # rows padded to the claimed width: the cell cap says stop
    assert ex.text.startswith("S\ntop\n[the rest of this file is not read")
    assert "bottom" not in ex.text


def test_ods_sheets_rows_and_repeats_bounded(tmp_path):
    p = make_ods(tmp_path / "plan.ods", {"Harvest": [["Crop", "Kilos"], ["Pumpkins", 120]],
                                         "Team": [["Maria", "tractor driver"]]})
    ex = extract(p)
    assert ex.kind == "ods"
    assert ex.text.split("\n\n")[0].splitlines() == ["Harvest", "Crop\tKilos", "Pumpkins\t120"]
    assert page_of(ex, ex.text.index("tractor")) == 2
    # "the same to the end of the sheet": a million repeated rows of 16,384 repeated cells
    with zipfile.ZipFile(p) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    xml = members["content.xml"].decode()
    xml = xml.replace("</table:table>", '<table:table-row table:number-rows-repeated="1048000">'
                      '<table:table-cell table:number-columns-repeated="16384" '
                      'office:value-type="string"><text:p>x</text:p></table:table-cell>'
                      '</table:table-row></table:table>', 1)
    members["content.xml"] = xml.encode()
    with zipfile.ZipFile(p, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    ex = extract(p)
    assert "Pumpkins\t120" in ex.text and len(ex.text) < 10_000


def test_xls_sheets_rows_and_dates(tmp_path):
    p = tmp_path / "old budget.xls"
    p.write_bytes(xls_bytes({"Q1": [["Rent", 950], ["Paid on", dt.date(2003, 2, 1)]],
                             "Q2": [["Heating oil", 412.75]]}))
    ex = extract(p)
    assert ex.kind == "xls"
    assert ex.text.split("\n\n")[0].splitlines() == ["Q1", "Rent\t950", "Paid on\t2003-02-01"]
    assert page_of(ex, ex.text.index("Heating")) == 2
    misnamed = tmp_path / "old budget.xlsx"           # Excel 97-2003, saved as .xlsx
    misnamed.write_bytes(p.read_bytes())
    assert extract(misnamed).text == ex.text


def _with_filepass(biff: bytes) -> bytes:
    """Workbook globals with a FILEPASS record after the first BOF: how Excel marks a
    password-protected workbook."""
    length = struct.unpack_from("<H", biff, 2)[0]
    cut = 4 + length
    filepass = struct.pack("<HHH", 0x002F, 2, 0)
    return biff[:cut] + filepass + biff[cut:]


def test_hostile_spreadsheets_are_listed_with_a_reason(tmp_path):
    import olefile

    good = xls_bytes({"S": [["secret"]]})
    with olefile.OleFileIO(io.BytesIO(good)) as ole:
        biff = ole.openstream("Workbook").read()
    locked = tmp_path / "locked.xls"
    locked.write_bytes(write_ole({"Workbook": _with_filepass(biff).ljust(4096, b"\0")}))
    with pytest.raises(EncryptedFile):
        extract(locked)
    cut = tmp_path / "cut.xls"
    cut.write_bytes(good[:1500])
    with pytest.raises(CorruptFile):
        extract(cut)
    # an encrypted .xlsx is an OLE file holding the encrypted package
    enc = tmp_path / "locked.xlsx"
    enc.write_bytes(write_ole({"EncryptionInfo": b"\x04\0\x04\0" + b"\0" * 60,
                               "EncryptedPackage": b"\0" * 5000}))
    with pytest.raises(EncryptedFile):
        extract(enc)
    half = make_xlsx(tmp_path / "half.xlsx", {"S": [["x"]]})
    half.write_bytes(half.read_bytes()[:300])
    with pytest.raises(CorruptFile):
        extract(half)
    ods = make_ods(tmp_path / "locked.ods", {"S": [["x"]]})
    _encrypt_odf(ods)
    with pytest.raises(EncryptedFile):
        extract(ods)


def _encrypt_odf(path: Path) -> None:
    """What LibreOffice writes for a password: ciphertext content, the manifest saying so."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["content.xml"] = bytes(range(256)) * 8
    members["META-INF/manifest.xml"] = members["META-INF/manifest.xml"].replace(
        b'manifest:full-path="content.xml"',
        b'manifest:full-path="content.xml"><manifest:encryption-data '
        b'manifest:checksum-type="SHA1/1K" manifest:checksum="x"/></manifest:file-entry>'
        b'<manifest:file-entry manifest:media-type="" manifest:full-path="dummy"', 1)
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)


# --------------------------------------------------------------------------- rtf, doc, ppt, odp


def test_rtf_text_with_escapes_and_code_page(tmp_path):
    p = tmp_path / "letter.rtf"
    p.write_bytes(RTF)
    ex = extract(p)
    assert ex.kind == "rtf"
    assert "the café by the harbour serves the best fish soup in town." in ex.text
    assert "€ 12" in ex.text and "Riched20" not in ex.text and "\\par" not in ex.text


def test_hostile_rtf(tmp_path, monkeypatch):
    from desktop_search.core.extract import legacy

    p = tmp_path / "fake.rtf"
    p.write_bytes(b"MZ\x90\x00 not an rtf at all")
    with pytest.raises(CorruptFile):
        extract(p)
    deep = tmp_path / "deep.rtf"
    deep.write_bytes(b"{\\rtf1 " + b"{" * 200_000 + b"inside" + b"}" * 200_000 + b"}")
    assert "inside" in extract(deep).text
    monkeypatch.setattr(legacy, "RTF_MAX_BYTES", 1000)
    big = tmp_path / "big.rtf"
    big.write_bytes(RTF + b" " * 2000)
    with pytest.raises(TooLarge):
        extract(big)


def test_doc_text_and_what_word_saved_under_doc(tmp_path):
    p = tmp_path / "minutes.doc"
    p.write_bytes(make_doc(["Minutes of the beekeepers' society", "The hives wintered well."]))
    ex = extract(p)
    assert ex.kind == "doc"
    assert ex.text == "Minutes of the beekeepers' society\nThe hives wintered well."
    greek = tmp_path / "greek.doc"
    greek.write_bytes(make_doc(["Ημερολόγιο: ο Σωκράτης", "field \x13 HYPERLINK x \x14shown\x15 end"],
                               unicode=True))
    assert extract(greek).text == "Ημερολόγιο: ο Σωκράτης\nfield shown end"
    old_text = tmp_path / "readme.doc"
    old_text.write_text("Install the printer driver from the floppy disk.\n")
    assert extract(old_text).text.startswith("Install the printer driver")
    saved_rtf = tmp_path / "letter.doc"
    saved_rtf.write_bytes(RTF)
    assert "fish soup" in extract(saved_rtf).text


def test_hostile_doc_and_ppt(tmp_path):
    enc = tmp_path / "locked.doc"
    enc.write_bytes(make_doc(["secret"], encrypted=True))
    with pytest.raises(EncryptedFile):
        extract(enc)
    cut = tmp_path / "cut.doc"
    cut.write_bytes(make_doc(["some words"])[:3000])
    with pytest.raises(CorruptFile):
        extract(cut)
    binary = tmp_path / "binary.doc"
    binary.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(CorruptFile, match="not a Word 97-2003 document"):
        extract(binary)
    ppt = tmp_path / "locked.ppt"
    ppt.write_bytes(write_ole({"PowerPoint Document": b"\0" * 100, "EncryptedSummary": b"x"}))
    with pytest.raises(EncryptedFile):
        extract(ppt)
    junk = tmp_path / "junk.ppt"
    junk.write_bytes(b"\0" * 2000)
    with pytest.raises(CorruptFile):
        extract(junk)


def test_ppt_text_boxes_without_master_prompts(tmp_path):
    p = tmp_path / "talk.ppt"
    p.write_bytes(make_ppt(["Migration of the arctic tern", "Pole to pole every year"]))
    ex = extract(p)
    assert ex.kind == "ppt"
    assert ex.text == "Migration of the arctic tern\n\nPole to pole every year"


def test_odp_slides_are_pages(tmp_path):
    p = make_odp(tmp_path / "deck.odp", [["Volcanoes of Iceland"], ["Eyjafjallajökull", "ash cloud 2010"]])
    ex = extract(p)
    assert ex.kind == "odp"
    assert ex.text == "Volcanoes of Iceland\n\nEyjafjallajökull\nash cloud 2010"
    assert page_of(ex, ex.text.index("ash")) == 2
    _encrypt_odf(p)
    with pytest.raises(EncryptedFile):
        extract(p)


# --------------------------------------------------------------------------- outlook


def test_msg_is_a_message_with_its_attachments(tmp_path):
    inner = msg_tree(subject="Fwd: caterer quote", sender="Bob", address="bob@example.org",
                     to="Alice", body="The caterer quotes 900 for sixty guests.",
                     attachments={"menu.txt": b"Vegetarian lasagne and lemon tart"})
    p = tmp_path / "party.msg"
    p.write_bytes(make_msg(subject="Garden party budget", sender="Alice",
                           address="alice@example.org", to="Bob; Carol",
                           body="We need forty lanterns and a tent.",
                           attachments={"list.csv": b"item,qty\nlanterns,40\ntent,1\n"},
                           filetime=132_000_000_000_000_000, embedded=inner))
    ex = extract(p)
    assert ex.kind == "mail" and ex.container and ex.title == "Garden party budget"
    assert ex.sender == "Alice <alice@example.org>" and ex.recipients == "Bob; Carol"
    assert "forty lanterns" in ex.text
    assert ex.taken == pytest.approx(1555526400.0)
    inside = {p.inside: p for p in ex.parts}
    assert "lanterns,40" in inside[("list.csv",)].doc.text
    assert "sixty guests" in inside[("forwarded.eml",)].doc.text
    assert "lemon tart" in inside[("forwarded.eml", "menu.txt")].doc.text


def test_hostile_msg(tmp_path):
    good = make_msg(subject="s", sender="a", address="a@x", to="b", body="words",
                    attachments={"big.txt": b"y" * 3000})
    cut = tmp_path / "cut.msg"
    cut.write_bytes(good[:1200])
    with pytest.raises(CorruptFile):
        extract(cut)
    catalog = tmp_path / "fr.msg"                     # Tcl's message catalogs: text
    catalog.write_text('::msgcat::mcset fr "Open" "Ouvrir"\n')
    assert extract(catalog).text.startswith("::msgcat::mcset fr") and not extract(catalog).container
    junk = tmp_path / "junk.msg"
    junk.write_bytes(b"\x00\x01\x02 binary, not outlook " * 50)
    with pytest.raises(ExtractError):
        extract(junk)
    over = tmp_path / "over.msg"
    over.write_bytes(good)
    ex = extract(over, max_bytes=2900)
    (big,) = ex.parts
    assert big.doc is None and "size cap" in big.error
    nested = None
    for depth in range(12):
        nested = msg_tree(subject=f"level {depth}", sender="a", address="a@x", to="b",
                          body="deep", embedded=nested)
    deep = tmp_path / "deep.msg"
    deep.write_bytes(make_msg(subject="top", sender="a", address="a@x", to="b", body="b",
                              embedded=nested))
    refused = [p for p in extract(deep).parts if p.doc is None]
    assert len(refused) == 1 and "nested more than 5 deep" in refused[0].error


# --------------------------------------------------------------------------- 7z and rar


def test_7z_members_are_documents(tmp_path):
    p = make_7z(tmp_path / "backup.7z", {
        "notes/recipe.txt": "Slow-cooked lamb with rosemary and garlic.",
        "sheet.ods": make_ods(tmp_path / "s.ods", {"S": [["inside a 7z"]]}).read_bytes(),
        "song.mp3": b"\0" * 100,
    })
    ex = extract(p)
    assert ex.kind == "archive" and ex.container
    by = {part.inside: part for part in ex.parts}
    assert "rosemary" in by[("notes/recipe.txt",)].doc.text
    assert "inside a 7z" in by[("sheet.ods",)].doc.text
    assert ("song.mp3",) not in by


def test_7z_bomb_is_refused_and_members_before_it_kept(tmp_path):
    p = make_7z(tmp_path / "bomb.7z", {"before.txt": "kept before the bomb",
                                       "zeros.txt": b"\0" * (40 * 2**20),
                                       "after.txt": "never reached"})
    assert p.stat().st_size < 100_000
    ex = extract(p, max_bytes=2**20)
    by = {part.inside[-1]: part for part in ex.parts}
    assert by["before.txt"].doc is not None
    for name in ("zeros.txt", "after.txt"):          # each named, with why
        assert by[name].doc is None and "decompression bomb" in by[name].error


def test_7z_password_and_damage_are_reasons(tmp_path):
    p = make_7z(tmp_path / "locked.7z", {"secret.txt": "the code is 1234"}, password="pw")
    (part,) = extract(p).parts
    assert part.doc is None and "password" in part.error
    hidden = make_7z(tmp_path / "hidden.7z", {"secret.txt": "x"}, password="pw",
                     header_encryption=True)
    (part,) = extract(hidden).parts
    assert part.inside == ("(password-protected)",) and "password" in part.error
    cut = tmp_path / "cut.7z"
    cut.write_bytes(make_7z(tmp_path / "whole.7z", {"a.txt": "words " * 5000}).read_bytes()[:200])
    ex = None
    try:
        ex = extract(cut)
    except ExtractError as exc:
        assert "damaged 7z" in str(exc)
    if ex is not None:
        assert all(part.doc is None for part in ex.parts)


def test_rar_without_its_program_is_listed_with_why(tmp_path, monkeypatch):
    from desktop_search.core.extract import rar

    monkeypatch.setenv("PATH", str(tmp_path))        # no unrar, unar, 7z or bsdtar
    assert not rar.tool_available()
    p = tmp_path / "photos.rar"
    p.write_bytes(b"Rar!\x1a\x07\x01\x00" + b"\0" * 100)
    with pytest.raises(ExtractError, match="unrar"):
        extract(p)


FILES = Path(__file__).parent / "files"


def test_rar_members_are_documents_where_a_program_reads_them(tmp_path):
    from desktop_search.core.extract import rar

    if not rar.tool_available():
        pytest.skip("no unrar, unar, 7z or bsdtar here")
    ex = extract(FILES / "subdirs.rar")
    texts = {part.inside: part.doc.text for part in ex.parts if part.doc}
    assert texts[("sub/with space/long fn.txt",)] == "long fn\n"
    assert texts[("sub/dir1/file1.txt",)] == "file1\n"
    locked = extract(FILES / "password.rar").parts
    assert locked and all(p.doc is None and "password" in p.error for p in locked)


# --------------------------------------------------------------------------- in the sandbox


def test_every_new_format_reads_in_the_sandbox(tmp_path):
    """The real child process with its limits: each format's reader runs there."""
    files = {
        "a.xlsx": make_xlsx(tmp_path / "a.xlsx", {"S": [["alpha sheet"]]}),
        "b.ods": make_ods(tmp_path / "b.ods", {"S": [["beta sheet"]]}),
        "c.odp": make_odp(tmp_path / "c.odp", [["gamma slide"]]),
        "d.7z": make_7z(tmp_path / "d.7z", {"d.txt": "delta member"}),
    }
    for name, data in {"e.rtf": RTF, "f.doc": make_doc(["foxtrot doc"]),
                       "g.ppt": make_ppt(["golf slide"]),
                       "h.msg": make_msg(subject="hotel", sender="a", address="a@x", to="b",
                                         body="hotel message"),
                       "i.xls": xls_bytes({"S": [["india sheet"]]})}.items():
        files[name] = tmp_path / name
        files[name].write_bytes(data)
    sandbox = SandboxedExtractor(timeout_s=60)
    try:
        for name, path in files.items():
            ex = sandbox(str(path), max_bytes=10 * 2**20)
            text = ex.text + " ".join(p.doc.text for p in ex.parts if p.doc)
            assert any(w in text for w in ("alpha", "beta", "gamma", "delta", "fish soup",
                                           "foxtrot", "golf", "hotel", "india")), name
    finally:
        sandbox.close()


def test_every_new_reason_is_a_template_the_window_translates(tmp_path):
    """The catalog keeps reasons in English; the window finds each one's template in
    ``reasons.REASONS`` to show it translated."""
    from desktop_search.core.extract import rar
    from desktop_search.core.extract.reasons import template_of

    good_xls = xls_bytes({"S": [["x"]]})
    import olefile

    with olefile.OleFileIO(io.BytesIO(good_xls)) as ole:
        biff = ole.openstream("Workbook").read()
    cases = {
        "locked.xls": write_ole({"Workbook": _with_filepass(biff).ljust(4096, b"\0")}),
        "cut.xls": good_xls[:1500],
        "locked.doc": make_doc(["x"], encrypted=True),
        "cut.doc": make_doc(["x"])[:3000],
        "locked.ppt": write_ole({"PowerPoint Document": b"\0" * 100, "EncryptedSummary": b"x"}),
        "junk.ppt": b"\0" * 2000,
        "junk.msg": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 not an outlook file" * 20,
        "fake.rtf": b"MZ not rtf",
    }
    if not rar.tool_available():
        cases["a.rar"] = b"Rar!\x1a\x07\x01\x00" + b"\0" * 100
    reasons = []
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ExtractError) as err:
            extract(tmp_path / name)
        reasons.append(str(err.value))
    ods = make_ods(tmp_path / "locked.ods", {"S": [["x"]]})
    _encrypt_odf(ods)
    with pytest.raises(ExtractError) as err:
        extract(ods)
    reasons.append(str(err.value))
    locked = make_7z(tmp_path / "h.7z", {"s.txt": "x"}, password="pw", header_encryption=True)
    reasons += [p.error for p in extract(locked).parts]
    for reason in reasons:
        assert template_of(reason) is not None, reason


def test_a_document_inside_a_msg_or_a_7z_is_copied_out_alone(tmp_path):
    from desktop_search.core.extract.inside import item_bytes

    msg = tmp_path / "m.msg"
    msg.write_bytes(make_msg(subject="s", sender="a", address="a@x", to="b", body="body",
                             attachments={"plan.txt": b"the plan"}))
    assert item_bytes(msg, ["plan.txt"], locator=None, max_bytes=2**20) == ("plan.txt",
                                                                             b"the plan")
    seven = make_7z(tmp_path / "a.7z", {"x/one.txt": "first", "x/two.txt": "second"})
    assert item_bytes(seven, ["x/two.txt"], locator=None, max_bytes=2**20) == ("two.txt",
                                                                               b"second")


def test_the_new_kinds_are_offered_in_the_type_filter():
    from desktop_search.core.extract import SUPPORTED_KINDS

    assert {"xlsx", "ods", "xls", "rtf", "doc", "ppt", "odp"} <= set(SUPPORTED_KINDS)


def test_a_msg_attached_to_a_mail_or_inside_a_7z_is_a_message_too(tmp_path):
    from email.message import EmailMessage

    msg = make_msg(subject="Boiler service", sender="Dan", address="dan@example.org",
                   to="me", body="The boiler service is booked for Tuesday.",
                   attachments={"quote.txt": b"Annual service: 95"})
    eml = EmailMessage()
    eml["Subject"] = "Fwd: boiler"
    eml["From"] = "me@example.org"
    eml.set_content("see attached")
    eml.add_attachment(msg, maintype="application", subtype="vnd.ms-outlook",
                       filename="boiler.msg")
    p = tmp_path / "fwd.eml"
    p.write_bytes(eml.as_bytes())
    by = {part.inside: part for part in extract(p).parts}
    assert "booked for Tuesday" in by[("boiler.msg",)].doc.text
    assert by[("boiler.msg",)].doc.sender == "Dan <dan@example.org>"
    assert "Annual service" in by[("boiler.msg", "quote.txt")].doc.text
    seven = make_7z(tmp_path / "mail.7z", {"saved/boiler.msg": msg})
    by = {part.inside: part for part in extract(seven).parts}
    assert "Annual service" in by[("saved/boiler.msg", "quote.txt")].doc.text


@pytest.mark.parametrize("name,member", [("b.xlsx", "xl/worksheets/sheet1.xml"),
                                         ("b.ods", "content.xml"), ("b.odp", "content.xml")])
def test_an_entity_bomb_in_a_sheet_or_slide_is_a_reason(tmp_path, name, member):
    """"Billion laughs": nine levels of entities, ten each, in the XML a reader streams."""
    maker = {".xlsx": lambda p: make_xlsx(p, {"S": [["x"]]}),
             ".ods": lambda p: make_ods(p, {"S": [["x"]]}),
             ".odp": lambda p: make_odp(p, [["x"]])}[Path(name).suffix]
    p = maker(tmp_path / name)
    with zipfile.ZipFile(p) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    doctype = ('<!DOCTYPE z [<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)) + "]>")
    xml = members[member].decode()
    body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
    members[member] = (doctype + body.replace(">x<", ">&l9;<", 1)).encode()
    with zipfile.ZipFile(p, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    with pytest.raises(CorruptFile):
        extract(p)
