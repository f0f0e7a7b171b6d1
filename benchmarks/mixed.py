"""A collection written as a mix of formats: txt, md, html (beir_to_folder) + pdf, docx (here).

beir_to_folder.py writes the documents in turn as txt, md, html, txt, md; then every
fourth of five becomes a PDF (fpdf2, DejaVu Sans when the system has it, so any Unicode
text survives; else the core Helvetica font with unencodable characters replaced) and
every fifth a DOCX (python-docx). files.json is rewritten to the new names.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from benchlib import Collection, write_folder

_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
]


def _font() -> str | None:
    for p in _FONT_CANDIDATES:
        if os.path.exists(p):
            return p
    return None


def write_pdf(path: Path, title: str, text: str, font: str | None) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    if title:
        pdf.set_title(title)
    if font:
        pdf.add_font("DocFont", "", font)
        family = "DocFont"
        clean = lambda s: s  # noqa: E731
    else:
        family = "Helvetica"
        clean = lambda s: s.encode("latin-1", "replace").decode("latin-1")  # noqa: E731
    pdf.add_page()
    if title:
        pdf.set_font(family, size=15)
        pdf.multi_cell(0, 8, clean(title))
        pdf.ln(3)
    pdf.set_font(family, size=11)
    pdf.multi_cell(0, 6, clean(text))
    pdf.output(str(path))


def write_docx(path: Path, title: str, text: str) -> None:
    import docx

    d = docx.Document()
    if title:
        d.core_properties.title = title
        d.add_heading(title, level=1)
    d.add_paragraph(_xml_safe(text))
    d.save(str(path))


def _xml_safe(s: str) -> str:
    # XML 1.0 forbids most control characters
    return "".join(ch for ch in s if ch in "\t\n\r" or ord(ch) >= 32)


def write_mixed(coll: Collection, out: Path) -> dict:
    write_folder(coll, out, formats="txt,md,html,txt,md")
    names: dict[str, str] = json.loads((out / "files.json").read_text())
    by_id = {d: n for n, d in names.items()}
    font = _font()
    counts: dict[str, int] = {}
    new_names = {}
    for i, doc_id in enumerate(coll.corpus):
        name = by_id[doc_id]
        title, text = coll.corpus[doc_id]
        stem = name.rsplit(".", 1)[0]
        if i % 5 == 3:
            (out / "docs" / name).unlink()
            name = stem + ".pdf"
            write_pdf(out / "docs" / name, title, text, font)
        elif i % 5 == 4:
            (out / "docs" / name).unlink()
            name = stem + ".docx"
            write_docx(out / "docs" / name, title, text)
        new_names[name] = doc_id
        ext = name.rsplit(".", 1)[1]
        counts[ext] = counts.get(ext, 0) + 1
    (out / "files.json").write_text(json.dumps(new_names))
    return dict(formats=counts, pdf_font=os.path.basename(font) if font else "Helvetica (latin-1)")
