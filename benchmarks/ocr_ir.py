"""What OCR costs in retrieval: a small collection indexed as page images vs as text.

Each passage of a small msmarco subset (the documents of the first queries, then
distractors) is rendered as a page image (150 dpi, slight noise and skew, as a scan),
read back by the product's OCR, and both versions are indexed and searched by the
product (same model, same fusion). The nDCG@10 gap is the OCR's cost.

    nice -n 10 python3 benchmarks/ocr_ir.py --docs 60 --out benchmarks/ocr_ir.json

With ``--direct`` the page images themselves are indexed (the product's own OCR stage
in its sandboxed reader); without it the OCR text is written to .txt files first
(the same OCR function, only faster to iterate on).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import benchlib  # noqa: E402
from ocr import DATA, render_page  # noqa: E402

benchlib.IR_DIR = DATA          # a worktree sits beside main, not beside shared/


def search_folder(folder: Path, coll: "benchlib.Collection", data: Path) -> dict:
    from desktop_search.core.engine import Engine

    eng = Engine(data)
    eng.add_root(folder)
    t = time.perf_counter()
    eng.index_service().run_until_idle()
    index_s = time.perf_counter() - t
    run = {}
    for qid in coll.judged_queries:
        hits = eng.search(coll.queries[qid], k=100)
        run[qid] = [Path(h.path).stem for h in hits]
    eng.close()
    res = benchlib.evaluate(run, coll)
    res.pop("per_query_ndcg10", None)
    res["index_s"] = round(index_s, 1)
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=60)
    ap.add_argument("--base", default="msmarco")
    ap.add_argument("--direct", action="store_true")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ocr-ir-"))
    benchlib.WORK = work
    src = benchlib.make_quick_subset(args.docs, base=args.base)
    coll = benchlib.load_collection(src, name=f"{args.base}-{args.docs}")
    txt, img, ocr_txt = work / "txt", work / "img", work / "ocr"
    for d in (txt, img, ocr_txt):
        d.mkdir()
    from desktop_search.core.extract.images import ocr_picture

    ocr_s = []
    for doc_id, (title, text) in coll.corpus.items():
        body = (title + "\n\n" + text).strip() if title else text
        (txt / f"{doc_id}.txt").write_text(body, encoding="utf-8")
        page = render_page(body, 150, noise=True, rotate=0.7)
        # crop the empty lower part of the page: a passage is a few lines
        bbox = page.convert("L").point(lambda v: 255 if v < 128 else 0).getbbox()
        if bbox:
            page = page.crop((0, 0, page.width, min(page.height, bbox[3] + 60)))
        page.save(img / f"{doc_id}.png")
        if not args.direct:
            t = time.perf_counter()
            (ocr_txt / f"{doc_id}.txt").write_text("\n\n".join(ocr_picture(img / f"{doc_id}.png")),
                                                   encoding="utf-8")
            ocr_s.append(time.perf_counter() - t)
    out = dict(collection=coll.name, docs=len(coll.corpus), queries=len(coll.judged_queries),
               load=os.getloadavg())
    out["text"] = search_folder(txt, coll, work / "data-txt")
    out["ocr"] = search_folder(img if args.direct else ocr_txt, coll, work / "data-ocr")
    if ocr_s:
        out["ocr_s_per_image_median"] = round(sorted(ocr_s)[len(ocr_s) // 2], 2)
    print(json.dumps(out, indent=1))
    if args.out:
        args.out.write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
