"""PDF through PDFium, page by page."""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from desktop_search.core.extract.common import (
    Extracted,
    _clean_title,
    _join_pages,
    _short,
    _with_library_errors,
)
from desktop_search.errors import (
    CorruptFile,
    EncryptedFile,
)

# --------------------------------------------------------------------------- PDF

_PDFIUM_LOCK = threading.Lock()  # PDFium is not thread-safe
_PDF_CONTROLS = {c: None for c in range(32) if c not in (9, 10)}
_PDF_CONTROLS.update({0xFFFE: None, 0xFEFF: None})


def _read_pdf(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """Text page by page; ``page_starts`` maps offsets to pages. No text layer -> ""."""
    import pypdfium2

    with _PDFIUM_LOCK:
        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as e:
            if getattr(e, "err_code", None) == pypdfium2.raw.FPDF_ERR_PASSWORD:
                raise EncryptedFile("password-protected PDF") from None
            raise CorruptFile(f"damaged or not a PDF: {_pdfium_reason(e)}") from None
        except Exception as e:
            raise CorruptFile(f"damaged or not a PDF: {_short(e)}") from None
        try:
            title = _pdf_title(pdf)
            pages: list[str] = []
            total = 0
            for i in range(_with_library_errors("PDF", lambda: len(pdf))):
                page_text = _pdf_page_text(pdf, i)
                pages.append(page_text)
                total += len(page_text) + 2
                if total > max_bytes:  # enough text; the rest is not worth the memory
                    break
        finally:
            pdf.close()
    # pages without a text layer (scans) are read by OCR in the indexer's later stage
    needs_ocr = any(not t.strip() for t in pages)
    if not any(t.strip() for t in pages):
        return Extracted("", title, "pdf", page_starts=(0,), needs_ocr=needs_ocr)
    text, starts = _join_pages(pages)
    text = text[:max_bytes]
    return Extracted(text, title, "pdf", page_starts=starts, needs_ocr=needs_ocr)


def _pdf_title(pdf: Any) -> str | None:
    try:
        return _clean_title(str(pdf.get_metadata_dict().get("Title") or ""))
    except Exception:  # unreadable metadata should not cost the text
        return None


def _pdf_page_text(pdf: Any, index: int) -> str:
    """One page's text; a page PDFium cannot read counts as empty, not as a failed file."""
    try:
        page = pdf[index]
    except Exception:
        return ""
    try:
        textpage = page.get_textpage()
        try:
            raw = textpage.get_text_range()
        finally:
            textpage.close()
    except Exception:
        return ""
    finally:
        page.close()
    return str(raw).replace("\r\n", "\n").replace("\r", "\n").translate(_PDF_CONTROLS)


def _pdfium_reason(e: Exception) -> str:
    m = re.search(r"PDFium: ([^)]+)", str(e))
    return (m.group(1) if m else _short(e)).lower()

