"""nDCG@10 of the product's ranking for several lexical fusion weights, in process.

  python3 benchmarks/sweep.py [--collections cranfield,med] [--weights 0,0.05,0.1,...]

Needs a collection the harness already indexed (benchmarks/run.py leaves the data folder
in .bench/<collection>/data-txt). Opens it with the engine, embeds each query once, and
calls desktop_search.core.search.rank(..., lexical_weight=w) with k=100, exactly as the
CLI's search does apart from the weight.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import IR_DIR, WORK, evaluate, load_collection, log  # noqa: E402

WEIGHTS = [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0]


def sweep(coll, folder: Path, data_dir: Path, weights=WEIGHTS, k: int = 100) -> dict:
    from desktop_search.core.search import rank as S
    from desktop_search.core.engine import Engine

    names = json.loads((folder / "files.json").read_text())
    eng = Engine(data_dir)
    try:
        emb = eng.embedder()
        vecs = eng.vectors()
        qids = coll.judged_queries
        qv = {q: emb.embed_query(coll.queries[q]) for q in qids}
        rows = []
        for w in weights:
            run = {}
            t = time.perf_counter()
            for q in qids:
                hits = S.rank(library=eng.library, query=coll.queries[q], query_vec=qv[q], vectors=vecs,
                              k=k, lexical_weight=w)
                run[q] = [names.get(os.path.basename(h.path), "?") for h in hits]
            ms = (time.perf_counter() - t) * 1000 / max(1, len(qids))
            m = evaluate(run, coll)
            m.pop("per_query_ndcg10")
            rows.append(dict(weight=w, **m, rank_ms=round(ms, 2)))
        default = getattr(S, "LEXICAL_WEIGHT", None)
    finally:
        eng.close()
    best = max(rows, key=lambda r: r["ndcg10"])
    return dict(collection=coll.name, rows=rows, best_weight=best["weight"], best_ndcg10=best["ndcg10"],
                product_weight=default)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--collections", default=None, help="comma-separated (default: those indexed)")
    ap.add_argument("--weights", default=",".join(str(w) for w in WEIGHTS))
    ap.add_argument("--variant", default="txt", help="which indexed folder: txt or mixed")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    a = ap.parse_args()
    weights = [float(w) for w in a.weights.split(",")]
    names = a.collections.split(",") if a.collections else sorted(
        p.parent.name for p in WORK.glob(f"*/data-{a.variant}/catalog.sqlite3"))
    out = []
    for name in names:
        base = WORK / name
        data_dir, folder = base / f"data-{a.variant}", base / a.variant
        if not (data_dir / "catalog.sqlite3").exists():
            sys.exit(f"{name}: not indexed yet ({data_dir}); run benchmarks/run.py --collections {name}")
        src = base / "src" if (base / "src").exists() else IR_DIR / name
        coll = load_collection(src, name)
        log(f"sweep {name}")
        out.append(sweep(coll, folder, data_dir, weights))
    if a.json:
        print(json.dumps(out, indent=1))
        return
    for s in out:
        print(f"\n{s['collection']} (product's LEXICAL_WEIGHT = {s['product_weight']})")
        print("| lexical weight | nDCG@10 | R@100 | MRR@10 | rank ms/query |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        for r in s["rows"]:
            mark = " **best**" if r["weight"] == s["best_weight"] else ""
            print(f"| {r['weight']:g}{mark} | {r['ndcg10']:.2f} | {r['recall100']:.2f} | {r['mrr10']:.2f} "
                  f"| {r['rank_ms']:.1f} |")


if __name__ == "__main__":
    main()
