"""OCR word recall and speed on rendered pages (English and Portuguese prose).

Pages are rendered from real passages (msmarco English, pira-pt Portuguese) as an A4
page at 150 and 300 dpi, optionally with noise and a slight rotation (a scanner's
skew), then read by the product's OCR (``core.extract.images.ocr_image``). Word recall = share
of the page's words (multiset) found in the OCR text; "folded" compares without
accents and case, as the word index does. Also seconds per page, and per photo (a
12-megapixel camera JPEG with a sign in it): wall seconds, and CPU seconds of the
process (all threads), which a busy shared machine inflates much less.

    nice -n 10 python3 benchmarks/ocr.py --pages 3 --out benchmarks/ocr.json
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "ir"
if not DATA.exists():
    DATA = Path("/work/shared/data/ir")

_WORD = re.compile(r"\w+")


def fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s.lower()) if not unicodedata.combining(c))


def recall(ref: str, got: str, *, folded: bool) -> float:
    f = fold if folded else (lambda s: s.lower())
    want = Counter(_WORD.findall(f(ref)))
    have = Counter(_WORD.findall(f(got)))
    hit = sum(min(n, have[w]) for w, n in want.items())
    return hit / max(1, sum(want.values()))


def passages(name: str, n: int, seed: int) -> list[str]:
    rows = [json.loads(line) for line in open(DATA / name / "corpus.jsonl", encoding="utf-8")]
    rows = [r["text"] for r in rows if 500 < len(r["text"]) < 2500]
    random.Random(seed).shuffle(rows)
    out = []
    # about one page of prose: join passages up to ~1800 characters
    for i in range(n):
        text = ""
        for r in rows[i * 4:(i + 1) * 4]:
            if len(text) > 1800:
                break
            text += r + "\n\n"
        out.append(text.strip())
    return out


def render_page(text: str, dpi: int, *, noise: bool, rotate: float):
    import textwrap

    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    w, h = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype("DejaVuSerif.ttf", int(11 / 72 * dpi))  # 11 pt
    margin = int(0.9 * dpi)
    y = margin
    line_h = int(11 / 72 * dpi * 1.45)
    for para in text.split("\n\n"):
        for line in textwrap.wrap(para, 88):
            d.text((margin, y), line, fill=0, font=font)
            y += line_h
        y += line_h // 2
    if rotate:
        img = img.rotate(rotate, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=False)
    if noise:
        arr = np.asarray(img, dtype=np.int16)
        rng = np.random.default_rng(0)
        arr = arr + rng.normal(0, 25, arr.shape).astype(np.int16)
        speck = rng.random(arr.shape) < 0.002
        arr[speck] = 0
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    return img.convert("RGB")


def photo() -> tuple:
    """A 12 MP camera-like photo: a textured scene with a sign in it."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rng = np.random.default_rng(1)
    base = rng.integers(60, 200, (3000 // 8, 4000 // 8, 3), dtype=np.uint8)
    img = Image.fromarray(base).resize((4000, 3000), Image.Resampling.BICUBIC).filter(
        ImageFilter.GaussianBlur(3))
    d = ImageDraw.Draw(img)
    d.rectangle((1200, 1000, 2900, 1700), fill=(240, 240, 230))
    f = ImageFont.truetype("DejaVuSans-Bold.ttf", 130)
    d.text((1300, 1100), "FARMERS MARKET", fill=(20, 60, 20), font=f)
    d.text((1300, 1350), "Open Saturday 8-13", fill=(20, 20, 20), font=f)
    return img.rotate(3, fillcolor=(90, 90, 90)), "farmers market open saturday 8 13"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=2, help="pages per language and setting")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    from desktop_search.core.extract.images import ocr_image

    ocr_image(render_page("warm up", 100, noise=False, rotate=0))
    rows = []
    for lang, coll in (("en", "msmarco"), ("pt", "pira-pt")):
        texts = passages(coll, args.pages, seed=7)
        for dpi in (150, 300):
            for noisy in (False, True):
                rec, recf, secs, cpus = [], [], [], []
                for t in texts:
                    img = render_page(t, dpi, noise=noisy, rotate=1.0 if noisy else 0.0)
                    t0, c0 = time.perf_counter(), time.process_time()
                    got = ocr_image(img)
                    secs.append(time.perf_counter() - t0)
                    cpus.append(time.process_time() - c0)
                    rec.append(recall(t, got, folded=False))
                    recf.append(recall(t, got, folded=True))
                row = dict(lang=lang, dpi=dpi, noise_and_skew=noisy, pages=len(texts),
                           recall_exact=round(statistics.mean(rec), 3),
                           recall_folded=round(statistics.mean(recf), 3),
                           s_per_page=round(statistics.median(secs), 2),
                           cpu_s_per_page=round(statistics.median(cpus), 2))
                print(row, flush=True)
                rows.append(row)
    img, words = photo()
    t0, c0 = time.perf_counter(), time.process_time()
    got = ocr_image(img)
    sp = time.perf_counter() - t0
    prow = dict(photo="12 MP, sign, 3 degrees", s_per_photo=round(sp, 2),
                cpu_s_per_photo=round(time.process_time() - c0, 2),
                recall_folded=round(recall(words, got, folded=True), 3), text=got[:120])
    print(prow, flush=True)
    out = dict(rows=rows, photo=prow, cpus=os.cpu_count(), load=os.getloadavg())
    if args.out:
        args.out.write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
