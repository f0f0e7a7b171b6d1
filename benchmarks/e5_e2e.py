"""The product end to end with multilingual-e5-small, fp32 graph against int8 graph.

  python3 benchmarks/e5_e2e.py [--collections pira-pt,pira-xl] [--backends onnx,onnx-int8]

Each collection is written as text files (../shared/tools/beir_to_folder.py), indexed
through the CLI into a fresh data folder whose settings.json names the model and the
backend, and searched with `search --queries FILE -k 100 --json` (the product's fused
ranking: words and meaning), as benchmarks/run.py does. Prints one JSON object: nDCG@10,
recall@100 and indexing speed per collection and backend, and int8 minus fp32.
Work files go to DESKTOP_SEARCH_BENCH_WORK (default .bench/ at the repository root).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as BL
import product as P
from benchlib import IR_DIR, evaluate, load_collection, log, write_folder


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--collections", default="pira-pt,pira-xl")
    ap.add_argument("--backends", default="onnx,onnx-int8")
    a = ap.parse_args()
    res: dict = {}
    for name in a.collections.split(","):
        coll = load_collection(IR_DIR / name)
        base = BL.WORK / "e5_e2e" / name
        folder = write_folder(coll, base / "txt", "txt")
        res[name] = {}
        for backend in a.backends.split(","):
            settings = {"model": "multilingual-e5-small", "backend": backend}
            prod = P.run_collection(coll, folder, base / f"data-{backend}", backend, settings)
            m = evaluate(prod["run"], coll)
            res[name][backend] = {"ndcg10": m["ndcg10"], "recall100": m["recall100"],
                                  "chunks": prod["index"].get("chunks"),
                                  "chunks_per_cpu_s": prod["index"].get("chunks_per_cpu_s")}
            log(f"{name}/{backend}: {res[name][backend]}")
        if {"onnx", "onnx-int8"} <= set(res[name]):
            res[name]["int8_minus_fp32"] = round(
                res[name]["onnx-int8"]["ndcg10"] - res[name]["onnx"]["ndcg10"], 2)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
