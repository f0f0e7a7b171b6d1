"""Pictures and scans: what a photo, a screenshot or a scanned page says and when it was taken.

Reading a picture is two steps of very different cost. ``picture_info`` reads only the
header and EXIF (milliseconds): the file is listed, filtered and dated at once.
``ocr_picture`` / ``ocr_pdf_pages`` read the words in it with RapidOCR (PP-OCR models
shipped inside the ``rapidocr-onnxruntime`` wheel, and for Latin-script pictures the
multilingual recogniser of the ``rapidocr`` wheel: ``ocr_latin``; run by ONNX Runtime;
seconds per page),
so the indexer runs them in their own, later stage, always in the sandboxed child.

Every failure a user can act on leaves as an ``ExtractError`` with a short reason; the
caps below keep a hostile file (a decompression bomb, a 1,000-page TIFF) to one
failed entry instead of a stuck or dead reader.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop_search.fileio import atomic_write_bytes
from desktop_search.core.extract.common import PICTURE_KIND, Extracted
from desktop_search.errors import CorruptFile, ExtractError, TooLarge, UnsupportedFile

__all__ = [
    "MAX_PAGES",
    "MAX_PIXELS",
    "PICTURE_EXTS",
    "PictureInfo",
    "is_picture",
    "make_thumbnail",
    "ocr_image",
    "ocr_pdf_pages",
    "ocr_picture",
    "open_picture",
    "picture_info",
    "thumbnail_path",
]

#: extensions read as pictures (HEIC/HEIF only where pillow-heif is installed)
PICTURE_EXTS = frozenset(
    ".jpg .jpeg .jpe .jfif .png .webp .gif .bmp .dib .tif .tiff .heic .heif".split())
#: one page (frame) may have at most this many pixels: a 50-megapixel photo is fine, a
#: decompression bomb (a few KB that decode to gigabytes) is not
MAX_PIXELS = 120_000_000
#: pages of a multi-page TIFF (or PDF pages without a text layer) read by OCR
MAX_PAGES = 100
#: OCR sees at most this many pixels on the long side: RapidOCR's own cap (an A4 page at
#: 170 dpi). Reducing further to 1800 cost 300-dpi scans 1-8 points of word recall
#: (benchmarks/ocr.py); more only costs time and memory
OCR_MAX_SIDE = 2000
#: PDF pages without a text layer are rendered at this resolution for OCR
PDF_OCR_DPI = 200

_HEIF_EXTS = frozenset({".heic", ".heif"})
_heif_lock = threading.Lock()
_heif_state: bool | None = None


def _register_heif() -> bool:
    """Teach Pillow HEIC/HEIF once, if pillow-heif is installed (it is optional)."""
    global _heif_state
    with _heif_lock:
        if _heif_state is None:
            try:
                import pillow_heif

                pillow_heif.register_heif_opener()
                _heif_state = True
            except Exception:  # noqa: BLE001 - missing or broken plugin: HEIC unsupported
                _heif_state = False
        return _heif_state


def ocr_available() -> bool:
    """Whether the OCR engine is installed (its wheel has no build for every Python yet)."""
    import importlib.util

    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


def picture_caption(*, camera: str | None, taken: float | None) -> str:
    """What a picture without words says in place of a passage: "Picture · Pixel 7 ·
    taken 2019-03-02". Indexed as its passage (with its name as the heading), so words
    find it too, and shown as its snippet."""
    import time

    bits = ["Picture"]
    if camera:
        bits.append(camera)
    if taken is not None:
        bits.append(time.strftime("taken %Y-%m-%d", time.localtime(taken)))
    return " · ".join(bits)


def is_picture(path: str | os.PathLike[str]) -> bool:
    """Whether a file name says picture (cheap: used to route and to order work)."""
    return Path(path).suffix.lower() in PICTURE_EXTS


@dataclass(frozen=True, slots=True)
class PictureInfo:
    """What a picture's header says: size, page count, and when and with what it was taken."""

    width: int
    height: int
    pages: int
    format: str
    taken: float | None = None    # unix seconds, from EXIF DateTimeOriginal
    camera: str | None = None     # "Make Model" from EXIF
    orientation: int = 1          # EXIF orientation (1 = upright)

    def describe(self) -> str:
        """One line for the preview and the snippet: "4032 × 3024 JPEG, Pixel 7, 2024-05-01"."""
        bits = [f"{self.width} \u00d7 {self.height} {self.format}"]
        if self.pages > 1:
            bits.append(f"{self.pages} pages")
        if self.camera:
            bits.append(self.camera)
        if self.taken is not None:
            bits.append(datetime.fromtimestamp(self.taken).strftime("%Y-%m-%d %H:%M"))
        return ", ".join(bits)


# --------------------------------------------------------------------------- opening


@contextlib.contextmanager
def open_picture(path: str | os.PathLike[str]) -> Iterator[Any]:
    """Open a picture lazily (header only) with every Pillow error mapped to a reason.

    The pixel cap is checked here, before anything is decoded.
    """
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    if p.suffix.lower() in _HEIF_EXTS and not _register_heif():
        raise UnsupportedFile("HEIC pictures need the pillow-heif package")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(p)
    except FileNotFoundError:
        from desktop_search.errors import FileVanished

        raise FileVanished("file disappeared while reading") from None
    except PermissionError:
        raise ExtractError("permission denied") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooLarge("the picture decodes to far more pixels than it should "
                       "(a decompression bomb); skipped") from None
    except UnidentifiedImageError:
        raise CorruptFile("damaged picture, or not a picture: its format is not recognised") from None
    except Exception as e:  # noqa: BLE001 - library errors become reasons
        raise CorruptFile(f"damaged picture: {_short(e)}") from None
    try:
        w, h = img.size
        if w * h > MAX_PIXELS:
            raise TooLarge(f"{w} \u00d7 {h} pixels ({w * h / 1e6:.0f} megapixels) is over the "
                           f"{MAX_PIXELS / 1e6:.0f}-megapixel cap")
        yield img
    finally:
        img.close()


def _n_pages(img: Any) -> int:
    try:
        return max(1, int(getattr(img, "n_frames", 1)))
    except Exception:  # noqa: BLE001 - a broken page table: read what the first page has
        return 1


def picture_info(path: str | os.PathLike[str]) -> PictureInfo:
    """Size, pages and EXIF of a picture without decoding its pixels."""
    with open_picture(path) as img:
        taken, camera, orientation = _exif(img)
        fmt = img.format or Path(path).suffix.lstrip(".").upper()
        pages = _n_pages(img) if fmt in ("TIFF", "MPO") else 1   # a GIF's frames are one picture
        return PictureInfo(width=img.size[0], height=img.size[1], pages=pages,
                           format="JPEG" if fmt == "MPO" else fmt,
                           taken=taken, camera=camera, orientation=orientation)


_EXIF_DATE = re.compile(r"(\d{4})[:\-](\d\d)[:\-](\d\d)[ T](\d\d):(\d\d):(\d\d)")


def _exif(img: Any) -> tuple[float | None, str | None, int]:
    """(date taken, camera, orientation) from Pillow's EXIF reader; junk becomes None.
    Pillow's warnings about damaged EXIF are not printed: damage only costs the fields."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _read_exif(img)


def _read_exif(img: Any) -> tuple[float | None, str | None, int]:
    try:
        exif = img.getexif()
    except Exception:  # noqa: BLE001 - damaged EXIF must not cost the picture
        return None, None, 1
    if not exif:
        return None, None, 1
    from PIL.ExifTags import IFD, Base

    try:
        sub = exif.get_ifd(IFD.Exif)
    except Exception:  # noqa: BLE001
        sub = {}
    raw = sub.get(Base.DateTimeOriginal) or sub.get(Base.DateTimeDigitized) or exif.get(Base.DateTime)
    taken = None
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    m = _EXIF_DATE.search(str(raw or ""))
    if m:
        try:
            y, mo, d, hh, mm, ss = map(int, m.groups())
            taken = datetime(y, mo, d, hh, mm, ss).timestamp()  # EXIF dates are local time
        except (ValueError, OverflowError, OSError):
            taken = None
    make = _clean(exif.get(Base.Make))
    model = _clean(exif.get(Base.Model))
    if make and model and model.lower().startswith(make.split()[0].lower()):
        make = None  # "Canon" + "Canon EOS 80D" -> "Canon EOS 80D"
    camera = " ".join(x for x in (make, model) if x) or None
    try:
        orientation = int(exif.get(Base.Orientation, 1) or 1)
    except (TypeError, ValueError):
        orientation = 1
    return taken, camera, orientation if 1 <= orientation <= 8 else 1


def _clean(v: Any) -> str | None:
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    s = " ".join(str(v or "").replace("\x00", " ").split())
    return s[:80] or None


def _pages(img: Any, limit: int) -> Iterator[Any]:
    """Each page (frame) as an upright RGB image, reduced for OCR; decoding errors are reasons."""
    from PIL import ImageOps

    fmt = img.format
    n = _n_pages(img) if fmt in ("TIFF",) else 1
    if n > limit:
        raise TooLarge(f"{n:,} pages is over the {limit}-page cap for scanned pictures")
    for i in range(n):
        try:
            if n > 1:
                img.seek(i)
            if fmt == "JPEG":
                img.draft("RGB", (OCR_MAX_SIDE, OCR_MAX_SIDE))  # decode reduced: fast, small
            frame = img.convert("RGB") if img.mode != "RGB" else img.copy()
            frame = ImageOps.exif_transpose(frame) if i == 0 else frame
        except MemoryError:
            raise TooLarge("the picture needs more memory than allowed to decode") from None
        except (OSError, SyntaxError, ValueError, EOFError) as e:
            msg = str(e).lower()
            if "truncated" in msg or isinstance(e, EOFError):
                raise CorruptFile("damaged picture: the file is truncated") from None
            raise CorruptFile(f"damaged picture: {_short(e)}") from None
        if max(frame.size) > OCR_MAX_SIDE:
            frame.thumbnail((OCR_MAX_SIDE, OCR_MAX_SIDE))
        yield frame


# --------------------------------------------------------------------------- OCR

_engine_lock = threading.Lock()
_engine: Any = None


def _ocr_engine() -> Any:
    """One RapidOCR per process (loading its three models takes a fraction of a second;
    the Latin-script recogniser loads on the first picture that needs it)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            import logging

            from rapidocr_onnxruntime import RapidOCR

            # at most two threads, fewer when Settings caps the cores (the reader's
            # sandbox sets DESKTOP_SEARCH_THREADS from "Use at most N cores")
            cap = int(os.environ.get("DESKTOP_SEARCH_THREADS", "0") or 0) or 2
            threads = max(1, min(2, cap, os.cpu_count() or 1))
            _engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)
            logging.getLogger("RapidOCR").setLevel(logging.WARNING)
            # the recogniser is chosen per picture: Latin-script pictures are read by a
            # model that keeps accents and "€" (``ocr_latin``), Chinese ones as before
            from desktop_search.core.extract.ocr_latin import ChoosingRecognizer

            _engine.text_rec = ChoosingRecognizer(_engine.text_rec, threads=threads)
        return _engine


def ocr_image(image: Any) -> str:
    """The words in a picture, in reading order: lines top to bottom, paragraphs split by gaps.

    PP-OCR's recogniser often drops the spaces in a line with accented letters
    ("Renovacaodocontrato"); its character boxes put them back (``_respace``).
    """
    import numpy as np

    if max(image.size) > OCR_MAX_SIDE:
        image = image.copy()
        image.thumbnail((OCR_MAX_SIDE, OCR_MAX_SIDE))
    arr = np.asarray(image.convert("RGB") if image.mode != "RGB" else image)
    # no angle classifier: it turns short upright lines upside down ("sabuelo s<es"), and
    # whole-page rotation comes from EXIF
    result, _ = _ocr_engine()(arr, use_cls=False, return_word_box=True)
    if not result:
        return ""
    lines: list[tuple[float, float, float, float, str]] = []  # top, bottom, left, height, text
    for item in result:
        box, text = item[0], str(item[1])
        boxes = item[3] if len(item) > 3 else None
        text = _respace(text, boxes)
        ys = [pt[1] for pt in box]
        xs = [pt[0] for pt in box]
        if text.strip():
            lines.append((min(ys), max(ys), min(xs), max(ys) - min(ys), text.strip()))
    return _layout(lines)


def _respace(text: str, boxes: Any) -> str:
    """Re-insert spaces in long space-less runs from the gaps between character boxes."""
    if not boxes or " " in text.strip() or len(text) < 12:
        return text
    chars = [c for c in text if not c.isspace()]
    if len(boxes) != len(chars):
        return text
    lefts = [min(pt[0] for pt in b) for b in boxes]
    rights = [max(pt[0] for pt in b) for b in boxes]
    widths = sorted(r - l for l, r in zip(lefts, rights))
    width = widths[len(widths) // 2] or 1
    out = [chars[0]]
    for i in range(1, len(chars)):
        gap = lefts[i] - rights[i - 1]
        if gap > 0.3 * width and (chars[i].isalnum() or chars[i - 1].isalnum()):
            out.append(" ")
        out.append(chars[i])
    return "".join(out)


def _layout(lines: list[tuple[float, float, float, float, str]]) -> str:
    """Group detected text boxes into lines (overlapping rows) and paragraphs (big gaps)."""
    lines.sort(key=lambda t: (t[0], t[2]))
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for ln in lines:
        if rows:
            last = rows[-1]
            top = min(x[0] for x in last)
            bottom = max(x[1] for x in last)
            overlap = min(bottom, ln[1]) - max(top, ln[0])
            if overlap > 0.5 * min(bottom - top, ln[1] - ln[0]):
                last.append(ln)
                continue
        rows.append([ln])
    out: list[str] = []
    prev_bottom = None
    for row in rows:
        row.sort(key=lambda t: t[2])
        top = min(x[0] for x in row)
        height = max(x[3] for x in row) or 1
        if prev_bottom is not None and top - prev_bottom > 1.2 * height:
            out.append("")  # a blank line: the chunker sees a paragraph break
        out.append(" ".join(x[4] for x in row))
        prev_bottom = max(x[1] for x in row)
    return "\n".join(out)


def ocr_picture(path: str | os.PathLike[str], *, max_pages: int = MAX_PAGES,
                on_page: Callable[[int], None] | None = None) -> list[str]:
    """The OCR text of each page of a picture (one page unless a multi-page TIFF)."""
    with open_picture(path) as img:
        pages = []
        for i, frame in enumerate(_pages(img, max_pages)):
            pages.append(_ocr_safely(frame))
            if on_page is not None:
                on_page(i)
        return pages


def _ocr_safely(frame: Any) -> str:
    try:
        return ocr_image(frame)
    except MemoryError:
        raise TooLarge("reading the words in this picture needs more memory than allowed") from None
    except ExtractError:
        raise
    except ImportError as e:
        raise ExtractError(f"OCR is not available: {_short(e)}") from None
    except Exception as e:  # noqa: BLE001 - an OCR library error is this file's problem
        raise CorruptFile(f"could not read the words in this picture: {_short(e)}") from None


def ocr_pdf_pages(data: bytes, pages: list[int], *, dpi: int = PDF_OCR_DPI,
                  lock: threading.Lock | None = None) -> dict[int, str]:
    """OCR text of the given 0-based PDF pages (those without a text layer), rendered at ``dpi``.

    ``lock`` is PDFium's global lock (PDFium is not thread-safe); OCR itself runs outside it.
    """
    import pypdfium2

    if len(pages) > MAX_PAGES:
        raise TooLarge(f"{len(pages):,} scanned pages is over the {MAX_PAGES}-page cap for OCR")
    out: dict[int, str] = {}
    lock = lock or threading.Lock()
    for i in pages:
        with lock:
            pdf = pypdfium2.PdfDocument(data)
            try:
                page = pdf[i]
                try:
                    w, h = page.get_size()
                    scale = min(dpi / 72.0, OCR_MAX_SIDE / max(w, h, 1))
                    bitmap = page.render(scale=scale)
                    img = bitmap.to_pil().convert("RGB")
                finally:
                    page.close()
            except Exception as e:  # noqa: BLE001 - one unrenderable page is an empty page
                img = None
                _ = e
            finally:
                pdf.close()
        out[i] = _ocr_safely(img) if img is not None else ""
    return out


# --------------------------------------------------------------------------- thumbnails

THUMB_SIZE = 256


def thumbnail_path(cache_dir: str | os.PathLike[str], path: str, *, mtime_ns: int, size: int,
                   px: int = THUMB_SIZE) -> Path:
    """Where a file's thumbnail is cached: keyed by path, size and mtime, so an edit makes a new one."""
    key = hashlib.sha1(f"{path}\0{mtime_ns}\0{size}\0{px}".encode("utf-8", "surrogatepass")).hexdigest()
    return Path(cache_dir) / key[:2] / f"{key}.png"


def make_thumbnail(path: str | os.PathLike[str], *, cache_dir: str | os.PathLike[str],
                   px: int = THUMB_SIZE) -> Path:
    """Make (or find) a picture's thumbnail on disk, upright per its EXIF orientation.

    Runs on a worker thread (decoding a photo takes tens of milliseconds); JPEGs are
    decoded reduced (``draft``) so a 50-megapixel photo costs little memory.
    """
    from PIL import ImageOps

    st = os.stat(path)
    out = thumbnail_path(cache_dir, os.fspath(path), mtime_ns=st.st_mtime_ns, size=st.st_size, px=px)
    if out.exists():
        return out
    with open_picture(path) as img:
        try:
            if img.format == "JPEG":
                img.draft("RGB", (px * 2, px * 2))
            frame = ImageOps.exif_transpose(img)
            frame = frame.convert("RGBA" if frame.mode in ("RGBA", "LA", "P") else "RGB")
            frame.thumbnail((px, px))
        except (OSError, SyntaxError, ValueError, EOFError) as e:
            raise CorruptFile(f"damaged picture: {_short(e)}") from None
        buf = io.BytesIO()
        frame.save(buf, "PNG")
    atomic_write_bytes(out, buf.getvalue(), durable=False)   # a cache: no fsync
    return out


def prune_thumbnails(cache_dir: str | os.PathLike[str], *, max_bytes: int = 200 * 2**20) -> int:
    """Keep the thumbnail cache under ``max_bytes``, dropping the least recently made
    first (they are remade on demand). Returns how many files were removed."""
    files = []
    for p in Path(cache_dir).glob("*/*.png"):
        try:
            st = p.stat()
        except OSError:
            continue
        files.append((st.st_mtime, st.st_size, p))
    total = sum(size for _, size, _ in files)
    removed = 0
    for _, size, p in sorted(files):
        if total <= max_bytes:
            break
        try:
            p.unlink()
        except OSError:
            continue
        total -= size
        removed += 1
    return removed


def _short(e: BaseException) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return msg if len(msg) <= 120 else msg[:117] + "..."


# --------------------------------------------------------------------------- the OCR stage


def ocr_document(path: str | os.PathLike[str], *, max_bytes: int
                 ) -> tuple[list[str], dict[str, Any]]:
    """The text of each page of a picture or PDF, with the pages that had none read by OCR.

    Returns (pages, facts): facts holds ``ocr_pages`` (0-based pages whose text came from
    OCR), and for pictures ``taken``/``camera``/``kind``. The sandboxed child calls this
    (through ``extract_with_ocr``): it can take seconds per page.
    """
    p = Path(path)
    if is_picture(p):
        info = picture_info(p)
        pages = ocr_picture(p)
        return pages, dict(ocr_pages=[i for i, t in enumerate(pages) if t.strip()],
                           taken=info.taken, camera=info.camera, kind=PICTURE_KIND)
    if p.suffix.lower() != ".pdf":
        raise UnsupportedFile("only pictures and PDFs are read by OCR")
    from desktop_search.core import extract as ex

    doc = ex.extract(p, max_bytes=max_bytes)
    starts = list(doc.page_starts or (0,))
    texts = [doc.text[a:b].removesuffix("\n\n") for a, b in zip(starts, starts[1:] + [len(doc.text) + 2])]
    n = _pdf_page_count(p, fallback=len(texts))
    texts += [""] * (n - len(texts))
    empty = [i for i, t in enumerate(texts) if not t.strip()]
    from desktop_search.core.extract.pdf import _PDFIUM_LOCK as lock

    found = ocr_pdf_pages(p.read_bytes(), empty, lock=lock) if empty else {}
    for i, t in found.items():
        texts[i] = t
    return texts, dict(ocr_pages=[i for i in empty if found.get(i, "").strip()], kind="pdf",
                       title=doc.title)


def _pdf_page_count(path: Path, *, fallback: int) -> int:
    try:
        import pypdfium2

        pdf = pypdfium2.PdfDocument(str(path))
        try:
            return len(pdf)
        finally:
            pdf.close()
    except Exception:  # noqa: BLE001 - the text pass already said what it could
        return fallback


# --------------------------------------------------------------------------- readers


def read_picture(path: Path, data: bytes, max_bytes: int) -> Extracted:
    """The fast pass over a picture (registered as the reader of picture extensions):
    listed, typed and dated now; its words are read in the OCR stage (``needs_ocr``)."""
    info = picture_info(path)
    return Extracted("", None, PICTURE_KIND, needs_ocr=True, taken=info.taken, camera=info.camera)


def extract_with_ocr(path: str | os.PathLike[str], *, max_bytes: int) -> Extracted:
    """The OCR stage's reader (the sandboxed child's target): the text of every page, the
    pages without a text layer read by OCR; page numbers kept for multi-page files."""
    pages, facts = ocr_document(path, max_bytes=max_bytes)
    starts: list[int] = []
    pos = 0
    for page in pages:
        starts.append(pos)
        pos += len(page) + 2
    text = "\n\n".join(pages)[:max_bytes]
    paged = facts["kind"] != PICTURE_KIND or len(pages) > 1
    return Extracted(text, facts.get("title"), facts["kind"],
                     page_starts=tuple(starts) if paged else None,
                     ocr=bool(facts["ocr_pages"]), taken=facts.get("taken"),
                     camera=facts.get("camera"))
