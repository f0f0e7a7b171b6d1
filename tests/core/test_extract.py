"""Extraction from real files of real formats, built by the tests themselves."""
from __future__ import annotations

import os
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_search.core.extract import (
    SUPPORTED_KINDS,
    Extracted,
    extract,
    is_supported,
    line_of,
    page_of,
)
from desktop_search.errors import (
    BinaryFile,
    CorruptFile,
    EncryptedFile,
    ExtractError,
    FileVanished,
    TooLarge,
    UnsupportedFile,
)

# --------------------------------------------------------------------------- builders


def make_pdf(path: Path, pages: list[str], *, title: str | None = None, **encryption: str) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if encryption:
        pdf.set_encryption(**encryption)
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    pdf.output(str(path))
    return path


def make_epub(path: Path, chapters: list[tuple[str, str]], *, title: str) -> Path:
    """A minimal valid EPUB 3: mimetype, container, OPF with a spine of XHTML files."""
    manifest = "".join(
        f'<item id="c{i}" href="text/ch{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(len(chapters))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        zf.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0" encoding="utf-8"?>'
            '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f'<dc:identifier id="id">urn:x</dc:identifier><dc:title>{title}</dc:title>'
            "<dc:language>en</dc:language></metadata>"
            f"<manifest>{manifest}</manifest><spine>{spine}</spine></package>",
        )
        for i, (heading, body) in enumerate(chapters):
            zf.writestr(
                f"OEBPS/text/ch{i}.xhtml",
                '<?xml version="1.0" encoding="utf-8"?>'
                '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>ignored</title>'
                f"<style>p {{ color: red }}</style></head><body><h1>{heading}</h1><p>{body}</p>"
                "</body></html>",
            )
    return path


def write_zip_bomb(path: Path, member: str, size: int) -> None:
    """A zip with one member of ``size`` zero bytes, deflated (about 1000:1)."""
    chunk = bytes(2**20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open(member, "w", force_zip64=True) as f:
            for _ in range(size // len(chunk)):
                f.write(chunk)


# --------------------------------------------------------------------------- formats


def test_pdf_pages_in_order_with_page_of(tmp_path: Path) -> None:
    pages = ["Alpha apples on the first page.", "Bravo bananas on page two.", "Charlie cherries."]
    path = make_pdf(tmp_path / "doc.pdf", pages, title="Fruit Report")
    ex = extract(path)
    assert ex.kind == "pdf"
    assert ex.title == "Fruit Report"
    assert not ex.has_lines
    assert ex.page_starts is not None and len(ex.page_starts) == 3 and ex.page_starts[0] == 0
    offsets = [ex.text.index(word) for word in ("Alpha", "Bravo", "Charlie")]
    assert offsets == sorted(offsets)
    assert [page_of(ex, o) for o in offsets] == [1, 2, 3]
    assert page_of(ex, len(ex.text)) == 3
    assert "\n\n" in ex.text and "\r" not in ex.text


def test_pdf_without_text_layer_gives_empty_text(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "blank.pdf", ["", ""])
    ex = extract(path)
    assert ex.text == "" and ex.kind == "pdf" and ex.title is None


def test_pdf_text_is_truncated_not_refused(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "long.pdf", ["word " * 400] * 3)
    size = path.stat().st_size
    ex = extract(path, max_bytes=size + 10)
    assert len(ex.text) <= size + 10
    assert ex.text.startswith("word")


def test_docx_paragraphs_tables_and_title(tmp_path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.core_properties.title = "Quarterly Plan"
    doc.add_heading("Introduction", level=1)
    doc.add_paragraph("First paragraph about budgets.")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Region", "Revenue"
    table.cell(1, 0).text, table.cell(1, 1).text = "North", "42"
    doc.add_paragraph("Closing paragraph after the table.")
    doc.save(tmp_path / "plan.docx")

    ex = extract(tmp_path / "plan.docx")
    assert ex.kind == "docx" and ex.title == "Quarterly Plan"
    assert ex.text.split("\n\n") == [
        "Introduction",
        "First paragraph about budgets.",
        "Region\tRevenue\nNorth\t42",
        "Closing paragraph after the table.",
    ]
    assert ex.page_starts is None and not ex.has_lines


def test_pptx_slides_are_pages(tmp_path: Path) -> None:
    import pptx
    from pptx.util import Inches

    prs = pptx.Presentation()
    prs.core_properties.title = "Roadmap Deck"
    for heading, body in [("Vision", "Search by meaning"), ("Plan", "Ship the indexer")]:
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = heading
        slide.placeholders[1].text = body
    rows = prs.slides[1].shapes.add_table(1, 2, Inches(1), Inches(5), Inches(4), Inches(1))
    rows.table.cell(0, 0).text, rows.table.cell(0, 1).text = "Q1", "beta"
    prs.slides[1].notes_slide.notes_text_frame.text = "Speaker notes here"
    prs.save(tmp_path / "deck.pptx")

    ex = extract(tmp_path / "deck.pptx")
    assert ex.kind == "pptx" and ex.title == "Roadmap Deck"
    assert ex.page_starts is not None and len(ex.page_starts) == 2
    for word, page in [("Vision", 1), ("meaning", 1), ("Ship", 2), ("beta", 2), ("Speaker", 2)]:
        assert page_of(ex, ex.text.index(word)) == page, word
    assert "Q1\tbeta" in ex.text


def test_odt_headings_paragraphs_title(tmp_path: Path) -> None:
    from odf import dc, text
    from odf.opendocument import OpenDocumentText

    doc = OpenDocumentText()
    doc.meta.addElement(dc.Title(text="Garden Notes"))
    doc.text.addElement(text.H(outlinelevel=1, text="Tomatoes"))
    para = text.P(text="Water daily,")
    para.addElement(text.S(c=3))
    para.addText("then rest.")
    doc.text.addElement(para)
    doc.text.addElement(text.P(text="Harvest in August."))
    doc.save(str(tmp_path / "garden.odt"))

    ex = extract(tmp_path / "garden.odt")
    assert ex.kind == "odt" and ex.title == "Garden Notes"
    assert ex.text == "Tomatoes\n\nWater daily,   then rest.\n\nHarvest in August."


def test_epub_spine_order_and_title(tmp_path: Path) -> None:
    path = make_epub(
        tmp_path / "book.epub",
        [("Chapter One", "It was a dark night."), ("Chapter Two", "Morning came &amp; went.")],
        title="A Small Book",
    )
    ex = extract(path)
    assert ex.kind == "epub" and ex.title == "A Small Book"
    assert ex.text == "Chapter One\n\nIt was a dark night.\n\nChapter Two\n\nMorning came & went."
    assert ex.page_starts == (0, ex.text.index("Chapter Two"))
    assert page_of(ex, ex.text.index("Morning")) == 2
    assert "color" not in ex.text and "ignored" not in ex.text


def test_html_drops_scripts_and_keeps_blocks(tmp_path: Path) -> None:
    html = (
        "<!doctype html><html><head><title> The  Page </title>"
        "<style>body { color: red }</style><script>var secret = 1;</script></head>"
        "<body><h1>Welcome</h1><p>Hello&nbsp;<b>bold</b>   world.</p>"
        "<noscript>enable js</noscript><ul><li>one</li><li>two</li></ul>"
        "<pre>def f():\n    return 1</pre><template><p>hidden</p></template></body></html>"
    )
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    ex = extract(tmp_path / "page.html")
    assert ex.kind == "html" and ex.title == "The Page"
    assert ex.text == "Welcome\n\nHello bold world.\n\none\ntwo\n\ndef f():\n    return 1"
    for hidden in ("secret", "color", "enable js", "hidden"):
        assert hidden not in ex.text


def test_html_title_falls_back_to_h1_and_respects_meta_charset(tmp_path: Path) -> None:
    html = '<html><head><meta charset="windows-1252"></head><body><h1>Crème brûlée</h1></body>'
    (tmp_path / "recipe.htm").write_bytes(html.encode("cp1252"))
    ex = extract(tmp_path / "recipe.htm")
    assert ex.title == "Crème brûlée" and ex.text == "Crème brûlée"


def test_deeply_nested_html_does_not_crash(tmp_path: Path) -> None:
    depth = 20_000
    (tmp_path / "deep.html").write_text("<div>" * depth + "deep inside" + "</div>" * depth)
    assert extract(tmp_path / "deep.html").text == "deep inside"


def test_markdown_title_and_verbatim_text(tmp_path: Path) -> None:
    md = "```\n# not a title\n```\n\n# Project Notes\r\n\r\nSome *text*.\n"
    (tmp_path / "notes.md").write_bytes(md.encode())
    ex = extract(tmp_path / "notes.md")
    assert ex == Extracted(md, "Project Notes", "markdown", None, True)


def test_rst_title(tmp_path: Path) -> None:
    rst = ".. comment\n\n==========\n User Guide\n==========\n\nIntro\n-----\n\nBody.\n"
    (tmp_path / "guide.rst").write_text(rst)
    ex = extract(tmp_path / "guide.rst")
    assert (ex.title, ex.kind, ex.text, ex.has_lines) == ("User Guide", "rst", rst, True)
    (tmp_path / "plain.rst").write_text("Heading\n=======\n\ntext\n")
    assert extract(tmp_path / "plain.rst").title == "Heading"


def test_python_source_is_code_with_real_lines(tmp_path: Path) -> None:
    src = "import os\n\n\ndef main():\n    return os.getcwd()  # find me\n"
    (tmp_path / "tool.py").write_text(src)
    ex = extract(tmp_path / "tool.py")
    assert (ex.kind, ex.title, ex.has_lines, ex.text) == ("code", None, True, src)
    assert line_of(ex.text, ex.text.index("find me")) == 5
    (tmp_path / "Makefile").write_text("all:\n\techo hi\n")
    assert extract(tmp_path / "Makefile").kind == "code"


# --------------------------------------------------------------------------- encodings

FRENCH = "Le café était plein. Une idée naïve : à côté du théâtre, l'élève répète son rôle.\n"
RUSSIAN = (
    "Съешь же ещё этих мягких французских булок, да выпей чаю. Широкая электрификация "
    "южных губерний даст мощный толчок подъёму сельского хозяйства.\n"
)
JAPANESE = "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗い所で泣いていた。\n"


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        pytest.param(FRENCH * 3, (FRENCH * 3).encode("cp1252"), id="cp1252"),
        pytest.param("café naïve\n", "café naïve\n".encode("cp1252"), id="cp1252-short"),
        pytest.param(RUSSIAN * 3, (RUSSIAN * 3).encode("koi8-r"), id="koi8-r"),
        pytest.param(JAPANESE * 3, (JAPANESE * 3).encode("shift_jis"), id="shift-jis"),
        pytest.param(RUSSIAN, b"\xff\xfe" + RUSSIAN.encode("utf-16-le"), id="utf16le-bom"),
        pytest.param(FRENCH, FRENCH.encode("utf-16-le"), id="utf16le"),
        pytest.param("ascii\nline 2\n", "ascii\nline 2\n".encode("utf-16-le"), id="utf16le-ascii"),
        pytest.param(FRENCH, FRENCH.encode("utf-16-be"), id="utf16be"),
        pytest.param(FRENCH, b"\xef\xbb\xbf" + FRENCH.encode(), id="utf8-bom"),
        pytest.param(RUSSIAN, b"\xff\xfe\x00\x00" + RUSSIAN.encode("utf-32-le"), id="utf32le-bom"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, text: str, encoded: bytes) -> None:
    (tmp_path / "doc.txt").write_bytes(encoded)
    ex = extract(tmp_path / "doc.txt")
    assert ex.text == text  # BOM stripped, nothing else changed
    assert ex.has_lines and ex.kind == "text"


def test_crlf_kept_verbatim_and_lines_map(tmp_path: Path) -> None:
    raw = "one\r\ntwo\r\nthree"
    (tmp_path / "w.log").write_bytes(raw.encode())
    ex = extract(tmp_path / "w.log")
    assert ex.text == raw
    assert line_of(ex.text, ex.text.index("three")) == 3


def test_unknown_extension_is_sniffed(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("Just some notes.\n")
    assert extract(tmp_path / "README") == Extracted("Just some notes.\n", None, "text", None, True)
    (tmp_path / "data.xyz").write_bytes(bytes(range(256)) * 64)
    with pytest.raises(BinaryFile):
        extract(tmp_path / "data.xyz")


def test_utf8_with_a_stray_byte_stays_utf8(tmp_path: Path) -> None:
    good = "naïve café résumé — déjà vu\n" * 10
    (tmp_path / "mixed.log").write_bytes(good.encode() + b"legacy \xe9 byte\n")
    ex = extract(tmp_path / "mixed.log")
    assert ex.text.startswith(good) and ex.text.endswith("legacy \ufffd byte\n")


def test_html_mislabelled_charset_falls_back_to_detection(tmp_path: Path) -> None:
    body = "<p>" + "Привет, мир! Это проверка кодировки страницы. " * 5 + "</p>"
    html = '<html><head><meta charset="utf-8"></head><body>' + body + "</body></html>"
    (tmp_path / "ru.html").write_bytes(html.encode("cp1251"))
    assert extract(tmp_path / "ru.html").text.startswith("Привет, мир!")


# --------------------------------------------------------------------------- failures


def test_binary_junk_named_txt(tmp_path: Path) -> None:
    (tmp_path / "junk.txt").write_bytes(os.urandom(4096) + b"\0")
    with pytest.raises(BinaryFile, match="binary content"):
        extract(tmp_path / "junk.txt")
    (tmp_path / "controls.txt").write_bytes(bytes(range(1, 9)) * 100)
    with pytest.raises(BinaryFile):
        extract(tmp_path / "controls.txt")


def test_garbage_and_truncated_pdf(tmp_path: Path) -> None:
    (tmp_path / "fake.pdf").write_bytes(b"this is not a pdf at all")
    with pytest.raises(CorruptFile, match="damaged or not a PDF"):
        extract(tmp_path / "fake.pdf")
    good = make_pdf(tmp_path / "good.pdf", ["some text"]).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(good[:200])
    with pytest.raises(CorruptFile):
        extract(tmp_path / "cut.pdf")


def test_encrypted_pdf(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "locked.pdf", ["secret"], owner_password="own", user_password="usr")
    with pytest.raises(EncryptedFile, match="password-protected PDF"):
        extract(path)


@pytest.mark.parametrize("ext", [".docx", ".pptx", ".odt", ".epub"])
def test_zip_formats_damaged(tmp_path: Path, ext: str) -> None:
    (tmp_path / f"bad{ext}").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CorruptFile, match="damaged"):
        extract(tmp_path / f"bad{ext}")
    with zipfile.ZipFile(tmp_path / f"wrong{ext}", "w") as zf:
        zf.writestr("hello.txt", "a zip, but not the right kind")
    with pytest.raises(CorruptFile, match="damaged"):
        extract(tmp_path / f"wrong{ext}")


def test_password_protected_office_file(tmp_path: Path) -> None:
    # Office saves password-protected .docx/.pptx as an OLE compound file, not a zip
    (tmp_path / "locked.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(EncryptedFile, match="password-protected"):
        extract(tmp_path / "locked.docx")


def test_zip_bomb_refused_before_parsing(tmp_path: Path) -> None:
    write_zip_bomb(tmp_path / "bomb.docx", "word/document.xml", 24 * 2**20)
    assert (tmp_path / "bomb.docx").stat().st_size < 100_000
    with pytest.raises(TooLarge, match="unpacks to 24 MB"):  # ratio rule, default cap
        extract(tmp_path / "bomb.docx")
    write_zip_bomb(tmp_path / "big.epub", "OEBPS/a.xhtml", 5 * 2**20)
    with pytest.raises(TooLarge, match="over the cap"):  # total rule: > 4 x max_bytes
        extract(tmp_path / "big.epub", max_bytes=2**20)


def test_file_over_cap(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"a" * 3000)
    with pytest.raises(TooLarge, match="2.9 KB is over the 1 KB size cap"):
        extract(tmp_path / "big.txt", max_bytes=1024)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
@pytest.mark.timeout(10)
def test_fifo_is_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    os.mkfifo(tmp_path / "pipe")
    for name in ("pipe.txt", "pipe"):
        with pytest.raises(UnsupportedFile, match="not a regular file"):
            extract(tmp_path / name)


def test_directory_and_known_binary_extension(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(UnsupportedFile):
        extract(tmp_path / "folder.txt")
    # a known binary extension is refused by name: the file is not even looked at
    with pytest.raises(UnsupportedFile, match=r"\.psd files"):
        extract(tmp_path / "missing.psd")


def test_zero_byte_files(tmp_path: Path) -> None:
    for name, kind in [("empty.txt", "text"), ("empty", "text"), ("empty.pdf", "pdf")]:
        (tmp_path / name).write_bytes(b"")
        ex = extract(tmp_path / name)
        assert ex.text == "" and ex.kind == kind


def test_vanished_file(tmp_path: Path) -> None:
    with pytest.raises(FileVanished) as info:
        extract(tmp_path / "gone.txt")
    assert info.value.transient
    (tmp_path / "link.md").symlink_to(tmp_path / "nowhere.md")
    with pytest.raises(FileVanished):
        extract(tmp_path / "link.md")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads anything")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "private.txt"
    path.write_text("secret")
    path.chmod(0)
    try:
        with pytest.raises(ExtractError, match="permission denied"):
            extract(path)
    finally:
        path.chmod(0o600)


@pytest.mark.parametrize(
    ("error", "expected", "reason"),
    [
        (PermissionError(13, "Permission denied"), ExtractError, "permission denied"),
        (OSError(5, "Input/output error"), ExtractError, "could not read the file: input/output"),
        (FileNotFoundError(2, "No such file"), FileVanished, "file disappeared while reading"),
    ],
)
def test_os_errors_while_reading_become_reasons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, expected: type, reason: str
) -> None:
    import desktop_search.core.extract as extract_module

    def fail(*args: object) -> bytes:
        raise error

    monkeypatch.setattr(extract_module, "_read_bytes", fail)
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(expected, match=reason) as info:
        extract(tmp_path / "a.txt")
    assert type(info.value) is expected


# --------------------------------------------------------------------------- helpers


def test_line_of() -> None:
    text = "a\nbb\n\nccc"
    assert [line_of(text, i) for i in range(len(text) + 1)] == [1, 1, 2, 2, 2, 3, 4, 4, 4, 4]
    assert line_of(text, -5) == 1 and line_of(text, 999) == 4


def test_page_of() -> None:
    ex = Extracted("p1\n\np2\n\np3", None, "pdf", page_starts=(0, 4, 8))
    assert [page_of(ex, i) for i in (0, 2, 3, 4, 7, 8, 100)] == [1, 1, 1, 2, 2, 3, 3]
    assert page_of(Extracted("x", None, "text"), 0) is None


def test_is_supported_by_name() -> None:
    for name in ("a.pdf", "b.DOCX", "c.py", "README", "notes.weird", ".bashrc", "x.html",
                 "photo.JPG", "scan.tiff", "screen.png", "phone.heic"):
        assert is_supported(name), name
    for name in ("a.psd", "b.MP4", "c.pyc", "d.sqlite", "e.cab", "~$report.docx", ".DS_Store",
                 "Inbox.msf"):
        assert not is_supported(name), name
    assert {"text", "code", "markdown", "pdf", "docx", "html", "epub"} <= set(SUPPORTED_KINDS)


def test_concurrent_pdf_extraction_is_safe(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "t.pdf", ["thread safety"] * 2)
    results: list[str] = []

    def work() -> None:
        for _ in range(5):
            results.append(extract(path).text)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 20 and all("thread safety" in r for r in results)


_ENCODINGS = ["utf-8", "utf-16-le", "utf-16", "cp1252", "koi8-r", "shift_jis", "latin-1"]


@pytest.mark.slow  # 150 fuzzed files through every reader
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=3000),
        st.builds(
            lambda text, enc: text.encode(enc, errors="ignore"),
            st.text(max_size=1000),
            st.sampled_from(_ENCODINGS),
        ),
    ),
    name=st.sampled_from(["fuzz.txt", "fuzz", "fuzz.md", "fuzz.html", "fuzz.pdf", "fuzz.epub"]),
)
def test_arbitrary_bytes_never_crash(tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    try:
        ex = extract(path)
    except ExtractError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert isinstance(ex.text, str)
    if ex.has_lines:
        assert "\ufeff" not in ex.text[:1]


def test_text_encoded_twice_is_text_not_binary(tmp_path):
    """Valid UTF-8 full of C1 controls (mojibake from encoding twice) is still text."""
    thai = "The flag of Thailand (Thai: ธงไตรรงค์, Thong Trairong) shows five stripes. " * 5
    twice = thai.encode("utf-8").decode("latin-1").encode("utf-8")
    p = tmp_path / "mojibake.txt"
    p.write_bytes(twice)
    doc = extract(p)
    assert "five stripes" in doc.text and doc.has_lines
