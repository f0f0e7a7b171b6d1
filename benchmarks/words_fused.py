"""End-to-end nDCG@10 of the product (CLI index + search, fused) with the word index,
and in the same data folder the word index alone and a fusion-weight sweep.

  python3 benchmarks/words_fused.py --collections med,cranfield,msmarco,pira-pt

Lighter than run.py (no baselines, no raw-encode timing): for checking a ranking change.
Data folders are kept in .bench/<collection>/data-txt (re-used when present, --fresh to
re-index).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as BL  # noqa: E402
import product as P  # noqa: E402
from benchlib import IR_DIR, evaluate, load_collection, log, write_folder  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--collections", default="med,cranfield,msmarco,pira-pt")
    ap.add_argument("--fresh", action="store_true")
    a = ap.parse_args()
    from desktop_search.core.engine import Engine
    from desktop_search.core.search import rank

    for name in a.collections.split(","):
        coll = load_collection(IR_DIR / name)
        base = BL.WORK / name
        data = base / "data-txt"
        if a.fresh and data.exists():
            shutil.rmtree(data)
        folder = write_folder(coll, base / "txt", "txt")
        prod = P.run_collection(coll, folder, data, "txt")
        out = dict(collection=name, product=evaluate(prod["run"], coll)["ndcg10"],
                   chunks_per_s=prod["index"].get("chunks_per_s"))
        # in process on the same data folder: words alone, and the fusion weights
        names = json.loads((folder / "files.json").read_text())
        eng = Engine(data)
        emb = eng.embedder()
        vecs = eng.vectors()
        qids = coll.judged_queries

        def doc_id(path: str) -> str | None:
            return names.get(Path(path).name)

        qv = {q: emb.embed_query(coll.queries[q]) for q in qids}
        for label, kw in [("words_only", dict(query_vec=None, vectors=None)),
                          *[(f"w={w}", dict(lexical_weight=w)) for w in (0.2, 0.3, 0.5)]]:
            run = {}
            for q in qids:
                args = dict(query_vec=qv[q], vectors=vecs)
                args.update(kw)
                hits = rank(library=eng.library, query=coll.queries[q], k=100, **args)
                run[q] = [d for d in (doc_id(h.path) for h in hits) if d]
            out[label] = evaluate(run, coll)["ndcg10"]
        eng.close()
        log(json.dumps(out))
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
