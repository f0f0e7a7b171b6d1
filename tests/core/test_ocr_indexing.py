"""Pictures and scans through the whole product: real files, the sandboxed OCR stage after the
text files, the real packaged model, the real catalog and vector index."""
from __future__ import annotations

import os
import time

import pytest
from PIL import Image, ImageDraw, ImageFont

from desktop_search.config import Settings
from desktop_search.core.engine import Engine
from desktop_search.core.indexing import State
from desktop_search.core.search import Filters

pytestmark = pytest.mark.slow  # real OCR models


def render(lines: list[str], size=(1100, 260)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype("DejaVuSans.ttf", 30)
    for i, line in enumerate(lines):
        d.text((40, 40 + 70 * i), line, fill=(0, 0, 0), font=font)
    return img


def _exif_taken(when: str):
    exif = Image.Exif()
    exif[0x0110] = "Pixel 7"
    exif.get_ifd(0x8769)[0x9003] = when
    return exif


@pytest.fixture
def engine(tmp_path, model):
    eng = Engine(tmp_path / "data", settings=Settings(extract_timeout_s=60, ocr_timeout_s=120),
                 embedder=model)
    yield eng
    eng.close()


def test_text_first_then_pictures_by_their_words(tmp_path, engine):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("Minutes of the allotment committee about compost bins.")
    (docs / "recipe.md").write_text("# Soup\n\nSimmer the lentils with cumin and carrots.")
    render(["Invoice 4471: garden shed repair", "Total due: 450 euros"]).save(
        docs / "receipt.jpg", exif=_exif_taken("2019:03:02 09:15:00"), quality=92)
    Image.new("RGB", (300, 200), "skyblue").save(docs / "sky.png")  # no words at all
    engine.add_root(docs)
    seen: dict[str, object] = {}

    def on_progress(p):
        # pictures come after the text files even in the fast pass (listing, EXIF)
        if p.current and p.current.endswith((".jpg", ".png")) and "first_picture" not in seen:
            seen["first_picture"] = [engine.catalog.get_file(str(docs / n)) is not None
                                     for n in ("notes.txt", "recipe.md")]
        # the first moment the OCR stage runs, every text file is searchable by words and
        # by meaning already: pictures never hold text files back
        if p.state == State.PICTURES and "at_ocr" not in seen:
            seen["pending"] = p.pictures_pending
            seen["unembedded"] = engine.library.count_unembedded()
            seen["at_ocr"] = [os.path.basename(h.path) for h in engine.search("lentil soup", k=3)]
    engine.index_service().run_until_idle(on_progress)
    assert seen["at_ocr"][0] == "recipe.md" and seen["unembedded"] == 0
    assert seen["pending"] == 2
    assert seen["first_picture"] == [True, True]
    # the picture's words: by words at once, and by meaning (it has a passage vector)
    hits = engine.search("garden shed repair invoice", k=3)
    top = hits[0]
    assert os.path.basename(top.path) == "receipt.jpg"
    assert top.kind == "picture" and top.ocr and top.dense is not None
    assert top.to_json()["ocr"] is True
    assert time.strftime("%Y", time.localtime(top.taken)) == "2019"
    # every picture is listed (the one without words too), under the Pictures type
    assert "picture" in engine.catalog.kinds()
    sky = engine.catalog.get_file(str(docs / "sky.png"))
    assert sky.state == "indexed" and sky.ocr == "none"
    # ... with one passage saying what it is, so words find it by its name
    assert sky.n_chunks == 1
    assert [os.path.basename(h.path) for h in engine.search("sky", dense=False)] == ["sky.png"]
    # the date taken counts for the date filter (the file itself was written today)
    old = Filters(modified_before=time.mktime((2020, 1, 1, 0, 0, 0, 0, 0, -1)))
    assert [os.path.basename(h.path) for h in engine.search("invoice", filters=old)] == ["receipt.jpg"]
    pics = Filters(kinds=["picture"])
    # (the picture without words comes after, by its caption's distant meaning)
    assert [os.path.basename(h.path) for h in engine.search("shed", filters=pics)][0] == "receipt.jpg"
    assert [os.path.basename(h.path) for h in engine.search("shed", filters=pics,
                                                            dense=False)] == ["receipt.jpg"]
    assert engine.doctor().ok


def test_scanned_pdf_pages_are_read_with_their_page_numbers(tmp_path, engine):
    from fpdf import FPDF

    docs = tmp_path / "docs"
    docs.mkdir()
    scan = tmp_path / "scan.png"
    render(["Tenancy agreement for the harbour flat", "signed by both parties"],
           size=(1100, 220)).save(scan)
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    # a full first page, so the scanned page's words make passages of their own
    pdf.multi_cell(w=0, text="Cover letter about the rental deposit. " + " ".join(
        f"Paragraph {i} repeats that the deposit is returned within thirty days." for i in range(40)))
    pdf.add_page()
    pdf.image(str(scan), x=10, y=20, w=190)
    pdf.output(str(docs / "lease.pdf"))
    engine.add_root(docs)
    engine.index_service().run_until_idle()
    hit = engine.search("tenancy agreement harbour flat", k=1)[0]
    assert os.path.basename(hit.path) == "lease.pdf"
    assert hit.page == 2 and hit.ocr and hit.kind == "pdf"
    assert engine.search("cover letter rental deposit", k=1)[0].page == 1


def test_hostile_pictures_fail_with_reasons_and_cost_nothing_else(tmp_path, engine):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "plain.txt").write_text("An ordinary note about the weekly market.")
    Image.new("1", (20_000, 20_000)).save(docs / "bomb.png", optimize=True)
    good = docs / "cut.jpg"
    render(["some words"]).save(good, quality=90)
    good.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    page = Image.new("1", (8, 8), 1)
    page.save(docs / "fax.tiff", save_all=True, append_images=[page] * 999)
    Image.new("RGB", (8660, 5773), "white").save(docs / "huge.jpg", quality=60)   # 50 MP
    engine.add_root(docs)
    t = time.monotonic()
    engine.index_service().run_until_idle()
    failed = {os.path.basename(f.path): f.error for f in engine.status().failed}
    assert set(failed) == {"bomb.png", "cut.jpg", "fax.tiff"}
    assert "decompression bomb" in failed["bomb.png"]     # Pillow's own bomb check says so
    assert "truncated" in failed["cut.jpg"]
    assert "1,000 pages" in failed["fax.tiff"]
    assert engine.catalog.get_file(str(docs / "huge.jpg")).state == "indexed"
    assert os.path.basename(engine.search("weekly market", k=1)[0].path) == "plain.txt"
    assert time.monotonic() - t < 240


def test_the_ocr_stage_pauses_and_resumes(tmp_path, data_dir, hash_embedder):
    from tests.core.test_indexing_state import Recorder

    docs = tmp_path / "docs"
    docs.mkdir()
    for i, word in enumerate(("apples", "pears", "plums")):
        render([f"Crate {i} holds {word}"], size=(700, 140)).save(docs / f"crate{i}.png")
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    rec = Recorder()
    svc = eng.index_service(listener=rec, debounce=0.1)
    svc.start(watch=False)
    try:
        rec.wait_for(lambda s: s.state is State.PICTURES, timeout=120)
        mark = rec.mark()
        svc.pause()
        paused = rec.wait_for(lambda s: s.state is State.PAUSED, since=mark)
        assert paused.pictures_pending >= 2      # stopped between pictures, not after them
        mark = rec.mark()
        svc.resume()
        rec.wait_for(lambda s: s.state is State.IDLE, since=mark, timeout=120)
        assert eng.library.picture_rows.count_ocr_pending() == 0
        assert [os.path.basename(h.path) for h in eng.search("pears", dense=False)] == ["crate1.png"]
    finally:
        svc.stop()
        eng.close()
