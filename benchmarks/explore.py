"""Exploration, not the product: other fusions and passage-to-file aggregations, offline.

  python3 benchmarks/explore.py [--collections cranfield,med,msmarco] [--into-report]

Uses the same candidate pools as the product's `rank()` (the engine's vector index and
the catalog's FTS5 BM25, 800 chunks each for k=100) on an index run.py built, and
re-scores them in several ways. `product` re-implements the current formula and must
match sweep.py's numbers; everything else is a candidate for the engineer who owns
search.py to try. Reports nDCG@10 / R@100 / MRR@10 per variant.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import IR_DIR, WORK, evaluate, load_collection, log  # noqa: E402


def _norm_minmax(d: dict[int, float]) -> dict[int, float]:
    if not d:
        return {}
    lo, hi = min(d.values()), max(d.values())
    return {k: (v - lo) / (hi - lo) if hi > lo else 1.0 for k, v in d.items()}


def _rrf(*rankings: list[int], k: int = 60) -> dict[int, float]:
    out: dict[int, float] = {}
    for r in rankings:
        for i, f in enumerate(r, 1):
            out[f] = out.get(f, 0.0) + 1.0 / (k + i)
    return out


def explore(coll, folder: Path, data_dir: Path, pool: int = 800) -> dict:
    from desktop_search.core.engine import Engine

    names = json.loads((folder / "files.json").read_text())
    eng = Engine(data_dir)
    emb = eng.embedder()
    vecs = eng.vectors()
    cat = eng.catalog
    path_of = {}
    file_vecs: dict[int, np.ndarray] = {}
    conn = cat.connection()
    for fid, path in conn.execute("SELECT id, path FROM files"):
        path_of[fid] = names.get(os.path.basename(path), "?")
    # every chunk's vector and file, for the whole-file aggregations
    chunk_file = dict(conn.execute("SELECT id, file_id FROM chunks"))
    ids, V = [], []
    for b_ids, b_vecs in eng.library.vector_rows.batches():
        ids.append(b_ids)
        V.append(b_vecs.astype(np.float32))
    all_ids = np.concatenate(ids)
    all_V = np.concatenate(V)
    fids = np.array([chunk_file[int(i)] for i in all_ids])
    for f in np.unique(fids):
        m = all_V[fids == f].mean(axis=0)
        file_vecs[int(f)] = m / (np.linalg.norm(m) or 1.0)
    F_ids = np.array(list(file_vecs))
    F = np.stack([file_vecs[int(f)] for f in F_ids])

    variants: dict[str, dict[str, list[str]]] = {}

    def put(name: str, q: str, scores: dict[int, float]) -> None:
        ranked = sorted(scores, key=lambda f: -scores[f])[:100]
        variants.setdefault(name, {})[q] = [path_of.get(f, "?") for f in ranked]

    for q in coll.judged_queries:
        text = coll.queries[q]
        qv = emb.embed_query(text)
        dense_chunks = vecs.search(qv, pool)
        lex_chunks = eng.library.words.search(list(eng.question(text).words), pool)
        dense_file: dict[int, float] = {}
        dense_all: dict[int, list[float]] = {}
        for cid, s in dense_chunks:
            f = chunk_file.get(cid)
            if f is None:
                continue
            dense_all.setdefault(f, []).append(s)
            dense_file[f] = max(dense_file.get(f, -1e9), s)
        lex_file: dict[int, float] = {}
        for cid, s in lex_chunks:
            f = chunk_file.get(cid)
            if f is not None:
                lex_file[f] = max(lex_file.get(f, -1e9), s)
        top = max(lex_file.values()) if lex_file else 1.0
        lex_n = {f: s / (top or 1.0) for f, s in lex_file.items()}
        for w in (0.0, 0.1, 0.3):
            sc = dict(dense_file)
            if w:
                for f, s in lex_n.items():
                    sc[f] = sc.get(f, 0.0) + w * s
            put(f"product formula, w={w:g}", q, sc)
        # file-level RRF of the two rankings
        dr = sorted(dense_file, key=lambda f: -dense_file[f])
        lr = sorted(lex_file, key=lambda f: -lex_file[f])
        put("RRF k=60 (file level)", q, _rrf(dr, lr))
        # min-max normalized dense + lexical
        dn = _norm_minmax(dense_file)
        ln = _norm_minmax(lex_file)
        for w in (0.1, 0.2, 0.3):
            sc = {f: (1 - w) * dn.get(f, 0.0) + w * ln.get(f, 0.0) for f in set(dn) | set(ln)}
            put(f"min-max, w={w:g}", q, sc)
        # passage -> file aggregations (dense only)
        sc = {f: max(v) + 0.1 * (sum(sorted(v)[:-1]) / max(1, len(v) - 1)) for f, v in dense_all.items()}
        put("dense: max + 0.1 x mean(other passages)", q, sc)
        fs = F @ qv
        put("dense: mean of the file's passage vectors", q, {int(f): float(s) for f, s in zip(F_ids, fs)})
        mix = {int(f): float(s) for f, s in zip(F_ids, fs)}
        sc = {f: 0.5 * dense_file.get(f, mix.get(f, 0.0)) + 0.5 * mix.get(f, 0.0) for f in set(dense_file) | set(mix)}
        put("dense: 0.5 max passage + 0.5 mean vector", q, sc)
        for w in (0.1, 0.2):
            sc2 = {f: s + w * lex_n.get(f, 0.0) for f, s in sc.items()}
            put(f"0.5 max + 0.5 mean vector, + lexical w={w:g}", q, sc2)
    eng.close()
    rows = []
    for name, run in variants.items():
        m = evaluate(run, coll)
        rows.append(dict(variant=name, ndcg10=m["ndcg10"], recall100=m["recall100"], mrr10=m["mrr10"]))
    return dict(collection=coll.name, rows=rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--collections", default=None)
    ap.add_argument("--variant", default="txt")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--into-report", action="store_true",
                    help="add the results to benchmarks/report.json and re-render REPORT.md")
    a = ap.parse_args()
    names = a.collections.split(",") if a.collections else sorted(
        p.parent.name for p in WORK.glob(f"*/data-{a.variant}/catalog.sqlite3"))
    res = []
    for name in names:
        base = WORK / name
        src = base / "src" if (base / "src").exists() else IR_DIR / name
        coll = load_collection(src, name)
        log(f"explore {name}")
        r = explore(coll, base / a.variant, base / f"data-{a.variant}")
        res.append(r)
        print(f"\n{name}\n| variant | nDCG@10 | R@100 | MRR@10 |\n| --- | ---: | ---: | ---: |")
        for row in r["rows"]:
            print(f"| {row['variant']} | {row['ndcg10']:.2f} | {row['recall100']:.2f} | {row['mrr10']:.2f} |")
        sys.stdout.flush()
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    if a.into_report:
        import time

        import run as R

        rj = R.BENCH / "report.json"
        rep = json.loads(rj.read_text())
        ex = rep.setdefault("exploration", {})
        for r in res:
            ex[r["collection"]] = dict(rows=r["rows"], measured_at=time.strftime("%Y-%m-%d %H:%M"))
        rj.write_text(json.dumps(rep, indent=1))
        (R.BENCH / "REPORT.md").write_text(R.render(rep), encoding="utf-8")


if __name__ == "__main__":
    main()
