"""OCR keeps the accents and symbols of Latin-script languages: the recogniser is chosen per
picture (``core.extract.ocr_latin``), Chinese pictures read as before."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from desktop_search.core.extract import images as im
from desktop_search.core.extract import ocr_latin
from desktop_search.core.extract.ocr_latin import ChoosingRecognizer, reads_as_cjk

RECEIPT = ["Ferragens São João", "Rua da Conceição, 45 · Lisboa",
           "3 dobradiças de latão 12,40 €", "Total 12,40 €"]


def render(lines: list[str], *, font: str = "DejaVuSans.ttf", size=(900, 330)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    f = ImageFont.truetype(font, 30)
    for i, line in enumerate(lines):
        d.text((40, 30 + 70 * i), line, fill=(0, 0, 0), font=f)
    return img


# --------------------------------------------------------------------------- the choice


class FakeRec:
    """A recogniser that answers ``text`` for every line, and remembers what it read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls: list[int] = []

    def __call__(self, crops, return_word_box=False):
        self.calls.append(len(crops))
        return [(f"{self.text}{c.shape[1]}", 0.9) for c in crops], 0.01


def crops(widths: list[int]) -> list[np.ndarray]:
    return [np.zeros((10, w, 3), np.uint8) for w in widths]


def test_cjk_share_decides():
    assert reads_as_cjk(["各位居民：业主大会将于下周四", "Total 42"])
    assert not reads_as_cjk(["Ferragens Sao Joao", "3 dobradicas de latao 12,40"])
    # a stray character read from a texture in a Latin photo does not make it Chinese
    assert not reads_as_cjk(["FARMERS MARKET 口", "Open Saturday 8-13"])
    assert not reads_as_cjk(["12,40", ""])


def test_latin_picture_is_read_by_the_latin_model_each_line_once():
    base, latin = FakeRec("base"), FakeRec("latin")
    rec = ChoosingRecognizer(base, threads=1, loader=lambda threads: latin)
    widths = [300, 50, 900, 120, 700, 80, 60, 1000, 40, 500, 220, 610]
    out, _ = rec(crops(widths))
    assert [t for t, _ in out] == [f"latin{w}" for w in widths]   # the sample and the rest, in order
    n = ocr_latin.SAMPLE_LINES
    assert latin.calls == [n, len(widths) - n] and base.calls == []
    assert rec.last_choice == "latin"


def test_chinese_picture_is_read_by_todays_model():
    base, latin = FakeRec("base"), FakeRec("中文")
    rec = ChoosingRecognizer(base, threads=1, loader=lambda threads: latin)
    widths = [300, 50, 900, 120, 700, 80, 60, 1000, 40, 500]
    out, _ = rec(crops(widths))
    assert [t for t, _ in out] == [f"base{w}" for w in widths]
    assert latin.calls == [ocr_latin.SAMPLE_LINES] and base.calls == [len(widths)]
    assert rec.last_choice == "base"


def test_the_model_loads_once_and_only_for_a_picture_with_lines():
    loads = []
    rec = ChoosingRecognizer(FakeRec("base"), threads=1,
                             loader=lambda threads: loads.append(threads) or FakeRec("latin"))
    rec([])
    assert loads == []
    rec(crops([100]))
    rec(crops([200]))
    assert loads == [1]


def test_without_the_latin_model_pictures_read_as_today(caplog):
    base = FakeRec("base")

    def broken(threads):
        raise RuntimeError("damaged model")

    rec = ChoosingRecognizer(base, threads=1, loader=broken)
    for _ in range(2):
        out, _ = rec(crops([200, 300]))
        assert [t for t, _ in out] == ["base200", "base300"]
    assert sum("could not be loaded" in r.message for r in caplog.records) == 1   # said once
    missing = ChoosingRecognizer(FakeRec("base"), threads=1, loader=lambda threads: None)
    assert [t for t, _ in missing(crops([200]))[0]] == ["base200"]


def test_the_latin_model_ships_in_a_package():
    path = ocr_latin.latin_model_path()
    if path is None:
        pytest.skip("the rapidocr package (Latin-script OCR) is not installed here")
    assert path.is_file() and path.stat().st_size > 1_000_000


# --------------------------------------------------------------------------- real models


@pytest.mark.slow  # real OCR models
def test_accents_and_euro_are_read(tmp_path):
    if ocr_latin.latin_model_path() is None:
        pytest.skip("the rapidocr package (Latin-script OCR) is not installed here")
    p = tmp_path / "recibo.png"
    render(RECEIPT).save(p)
    text = im.ocr_picture(p)[0]
    for line in RECEIPT:
        assert " ".join(line.split()) in " ".join(text.split()), text
    p = tmp_path / "notes.png"
    render(["Größe: Übergrößen für Straße", "¿Dónde está la estación?", "Crème brûlée à 8,50 €",
            "Perché così già più città"]).save(p)
    text = " ".join(im.ocr_picture(p)[0].split())
    for word in ("Größe", "Übergrößen", "Straße", "¿Dónde", "estación", "Crème", "brûlée", "8,50 €",
                 "Perché", "così", "già", "più", "città"):
        assert word in text, text


@pytest.mark.slow  # real OCR models
def test_chinese_still_reads_with_todays_model(tmp_path):
    font = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    if not font.exists():
        pytest.skip("no Chinese font here (fonts-wqy-microhei)")
    p = tmp_path / "通知.png"
    render(["图书馆在节假日期间闭馆", "借阅的图书可以投入还书箱"], font=str(font), size=(700, 200)).save(p)
    assert " ".join(im.ocr_picture(p)[0].split()) == "图书馆在节假日期间闭馆 借阅的图书可以投入还书箱"
    assert im._ocr_engine().text_rec.last_choice == "base"


@pytest.fixture
def engine(tmp_path, model):
    from desktop_search.config import Settings
    from desktop_search.core.engine import Engine

    eng = Engine(tmp_path / "data", settings=Settings(extract_timeout_s=60, ocr_timeout_s=120),
                 embedder=model)
    yield eng
    eng.close()


@pytest.mark.slow  # real OCR models, the real packaged embedding model, the sandboxed OCR stage
def test_indexed_receipt_keeps_accents_and_euro_in_its_preview(tmp_path, engine):
    if ocr_latin.latin_model_path() is None:
        pytest.skip("the rapidocr package (Latin-script OCR) is not installed here")
    docs = tmp_path / "docs"
    docs.mkdir()
    render(RECEIPT).save(docs / "recibo.jpg", quality=90)
    render(["Invoice 4471: garden shed repair", "Total due: 450 euros"], size=(900, 200)).save(
        docs / "invoice.jpg", quality=90)
    engine.add_root(docs)
    engine.index_service().run_until_idle()
    # found with the accents typed, and without (the word index folds both sides)
    for query in ("dobradiças de latão", "dobradicas latao"):
        top = engine.search(query, k=3)[0]
        assert os.path.basename(top.path) == "recibo.jpg" and top.ocr
    preview = engine.preview(top, terms=["dobradiças"])
    for want in ("São João", "dobradiças", "latão", "12,40 €", "Conceição"):
        assert want in preview.text, preview.text
    top = engine.search("garden shed repair invoice", k=3)[0]
    assert os.path.basename(top.path) == "invoice.jpg"
    text = " ".join(engine.preview(top).text.split())
    assert "Invoice 4471: garden shed repair Total due: 450 euros" in text, text
