"""End to end, one run: the product with ONNX fp32 against ONNX int8 (or any backends).

  python3 benchmarks/backends.py --collections cranfield,med,msmarco,pira-pt,pira-xl \
      --backends onnx,onnx-int8 --out benchmarks/backends.json

For each collection and backend: index the folder through the CLI (a fresh data folder
whose settings.json names the backend), run the collection's queries through the CLI,
score nDCG@10, and keep the indexing CPU seconds. The backends alternate per collection,
so load on the machine falls on both alike. Answers the issue's rule: int8 becomes the
default only if it loses <= 0.5 nDCG@10 on every collection.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as BL  # noqa: E402
import product as P  # noqa: E402
from benchlib import IR_DIR, evaluate, load_collection, log, write_folder  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--collections", default="cranfield,med,msmarco,pira-pt,pira-xl")
    ap.add_argument("--backends", default="onnx,onnx-int8")
    ap.add_argument("--out", default=None, help="write the results as JSON here too")
    a = ap.parse_args()
    backends = a.backends.split(",")
    results = []
    for name in a.collections.split(","):
        coll = load_collection(IR_DIR / name)
        base = BL.WORK / name
        folder = write_folder(coll, base / "txt", "txt")
        row = dict(collection=name)
        for backend in backends:
            prod = P.run_collection(coll, folder, base / f"data-{backend}", backend,
                                    settings=dict(backend=backend))
            ev = evaluate(prod["run"], coll)
            row[backend] = dict(ndcg10=round(ev["ndcg10"], 2),
                                chunks=prod["index"].get("chunks_embedded"),
                                chunks_per_cpu_s=prod["index"].get("chunks_per_cpu_s"),
                                query_ms_median=prod["query_ms"].get("median"))
            log(f"{name} {backend}: nDCG@10 {ev['ndcg10']:.2f}, "
                f"{row[backend]['chunks_per_cpu_s']} chunks/CPU-s")
        if len(backends) == 2:
            x, y = (row[b] for b in backends)
            row["delta_ndcg10"] = round(y["ndcg10"] - x["ndcg10"], 2)
            if x["chunks_per_cpu_s"] and y["chunks_per_cpu_s"]:
                row["speed_ratio_cpu"] = round(y["chunks_per_cpu_s"] / x["chunks_per_cpu_s"], 2)
        results.append(row)
        print(json.dumps(row), flush=True)
    if a.out:
        Path(a.out).write_text(json.dumps(dict(backends=backends, results=results), indent=1))


if __name__ == "__main__":
    main()
