"""Which recogniser reads a picture's lines: today's Chinese/English one, or a Latin-script one.

RapidOCR's PP-OCRv4 recogniser (inside ``rapidocr-onnxruntime``) knows Chinese and
English only: "Ferragens São João · 3 dobradiças de latão 12,40 €" comes out as
"Ferragens Sao Joao 3 dobradicas de latao 12,40". The multilingual PP-OCRv6 recogniser
that the ``rapidocr`` 3.x wheel ships (``rapidocr/models/PP-OCRv6_rec_small.onnx``, its
character list inside the model) reads the accents, "ß", "ñ", "œ" and "€" of Portuguese,
Spanish, French, German and Italian. Its file is read straight from the installed
package: nothing is imported from ``rapidocr`` and nothing is downloaded.

The choice is made per picture, after detection, on the lines the picture has:
``ChoosingRecognizer`` reads its widest lines with the multilingual model (which reads
Chinese too, so it tells the scripts apart); a picture whose sample reads as Chinese (or
Japanese/Korean) is read again, every line, by today's recogniser (so Chinese reads
exactly as before); any other picture keeps the sample and has the rest of its lines
read by the same model (no line is read twice). The model is loaded on the first
picture OCR reads, once per process (never when no picture is read). Per line it costs
less CPU than today's recogniser (``benchmarks/PICTURES.md``).
Benchmarks: ``benchmarks/ocr_latin.py``.
"""
from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["CJK_SHARE", "ChoosingRecognizer", "SAMPLE_LINES", "latin_model_path",
           "reads_as_cjk"]

log = logging.getLogger(__name__)

#: the package and file that hold the Latin-script recogniser (character list in the model)
LATIN_PACKAGE = "rapidocr"
LATIN_MODEL = ("models", "PP-OCRv6_rec_small.onnx")
#: how many lines (the widest: they hold the most letters) are read first, to decide
SAMPLE_LINES = 4
#: a sample whose letters are at least this share CJK stays with today's model
CJK_SHARE = 0.2


def latin_model_path() -> Path | None:
    """The Latin-script recogniser's file inside the installed ``rapidocr`` package, or None
    when the package (an ordinary dependency; no build for some platforms) is missing.
    ``find_spec`` locates the package without importing it."""
    try:
        spec = importlib.util.find_spec(LATIN_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        path = Path(root).joinpath(*LATIN_MODEL)
        if path.is_file():
            return path
    return None


def _is_cjk(c: str) -> bool:
    o = ord(c)
    return (0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF
            or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F)


def reads_as_cjk(texts: Sequence[str]) -> bool:
    """Whether lines read by today's model are Chinese/Japanese/Korean rather than Latin:
    a share of CJK characters among the letters (a stray Han character read from a
    texture in a photo of a Latin sign does not count)."""
    cjk = letters = 0
    for t in texts:
        for c in t:
            if c.isalpha():
                letters += 1
                cjk += _is_cjk(c)
    return letters > 0 and cjk >= CJK_SHARE * letters


def _load_latin(*, threads: int) -> Any:
    from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer

    path = latin_model_path()
    if path is None:
        return None
    return TextRecognizer({
        "intra_op_num_threads": threads, "inter_op_num_threads": 1,
        "use_cuda": False, "use_dml": False, "model_path": str(path),
        "rec_img_shape": [3, 48, 320], "rec_batch_num": 6,
    })


class ChoosingRecognizer:
    """Stands in for RapidOCR's ``text_rec``: the same call, the recogniser chosen per
    picture (see the module's docstring). ``loader`` makes the Latin recogniser (None when
    its package is missing: then every picture reads as today)."""

    def __init__(self, base: Any, *, threads: int,
                 loader: Callable[..., Any] = _load_latin) -> None:
        self._base = base
        self._threads = threads
        self._loader = loader
        self._latin: Any = None
        self._tried = False
        self._lock = threading.Lock()
        #: which model read the last picture ("latin" or "base"), for tests and benchmarks
        self.last_choice = ""

    @property
    def base(self) -> Any:
        """Today's recogniser (Chinese/English), which reads the sample."""
        return self._base

    def latin(self) -> Any:
        """The Latin-script recogniser, loaded on first use; None if it cannot be."""
        with self._lock:
            if not self._tried:
                self._tried = True
                try:
                    self._latin = self._loader(threads=self._threads)
                except Exception as e:  # noqa: BLE001 - a broken model: read as today
                    log.warning("the Latin-script OCR model could not be loaded: %s", e)
                if self._latin is None:
                    log.info("no Latin-script OCR model: accents are read as today's model reads them")
            return self._latin

    def __call__(self, img_list: Any, return_word_box: bool = False) -> tuple[list[Any], float]:
        crops = [img_list] if not isinstance(img_list, list) else img_list
        latin = self.latin() if crops else None
        if latin is None:
            self.last_choice = "base"
            res0: tuple[list[Any], float] = self._base(crops, return_word_box)
            return res0
        # the Latin model reads the widest lines first (it reads Chinese too, so it tells the
        # script apart); a Latin picture keeps them and has only the rest left to read
        order = sorted(range(len(crops)), key=lambda i: -crops[i].shape[1] / max(1, crops[i].shape[0]))
        sample = sorted(order[:SAMPLE_LINES])
        probe, spent = latin([crops[i] for i in sample], return_word_box)
        if reads_as_cjk([str(r[0]) for r in probe]):
            self.last_choice = "base"
            res, more = self._base(crops, return_word_box)
            return res, spent + more
        self.last_choice = "latin"
        out: list[Any] = [None] * len(crops)
        for i, r in zip(sample, probe):
            out[i] = r
        rest = [i for i in range(len(crops)) if out[i] is None]
        if rest:
            res, more = latin([crops[i] for i in rest], return_word_box)
            spent += more
            for i, r in zip(rest, res):
                out[i] = r
        return out, spent
