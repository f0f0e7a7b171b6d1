"""Baselines computed in the same run as the product: BM25, the raw model, RRF, Recoll.

All over whole documents (title + " " + text), as in ../shared/data/ir/README.md.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

from benchlib import Collection, log, model_path

DEPTH = 1000   # ranked documents kept per query (fusion depth)


def doc_text(title: str, text: str) -> str:
    return f"{title} {text}".strip()


def bm25(coll: Collection, qids: list[str], depth: int = DEPTH) -> tuple[dict[str, list[str]], dict]:
    """bm25s (Lucene BM25, k1=1.5, b=0.75), English stop words, no stemmer."""
    import bm25s

    ids = list(coll.corpus)
    t = time.perf_counter()
    tok = bm25s.tokenize([doc_text(*coll.corpus[d]) for d in ids], stopwords="en", show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tok, show_progress=False)
    t_index = time.perf_counter() - t
    # queries as token strings: retrieve() maps them onto the index vocabulary
    qtok = bm25s.tokenize([coll.queries[q] for q in qids], stopwords="en", return_ids=False,
                          show_progress=False)
    k = min(depth, len(ids))
    run: dict[str, list[str]] = {}
    took = []
    for q, toks in zip(qids, qtok):
        t = time.perf_counter()
        if not toks:
            run[q] = []
            continue
        docs, scores = retriever.retrieve([toks], k=k, show_progress=False, n_threads=1)
        took.append((time.perf_counter() - t) * 1000)
        # documents with score 0 share no term with the query: not retrieved
        run[q] = [ids[int(i)] for i, s in zip(docs[0], scores[0]) if s > 0]
    return run, dict(index_s=round(t_index, 2), query_ms=took)


class RawModel:
    """The packaged MiniLM through plain sentence-transformers (no product code)."""

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        t = time.perf_counter()
        self.model = SentenceTransformer(model_path(), device="cpu")
        self.load_s = time.perf_counter() - t

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return np.asarray(self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                            convert_to_numpy=True, show_progress_bar=False),
                          dtype=np.float32)


def dense(coll: Collection, qids: list[str], model: RawModel,
          depth: int = DEPTH) -> tuple[dict[str, list[str]], dict]:
    """Whole document = one vector; exact cosine."""
    ids = list(coll.corpus)
    t = time.perf_counter()
    D = model.encode([doc_text(*coll.corpus[d]) for d in ids])
    t_docs = time.perf_counter() - t
    t = time.perf_counter()
    Q = model.encode([coll.queries[q] for q in qids])
    t_q = time.perf_counter() - t
    S = Q @ D.T
    k = min(depth, len(ids))
    run = {}
    for row, q in zip(S, qids):
        top = np.argpartition(-row, k - 1)[:k]
        top = top[np.argsort(-row[top], kind="stable")]
        run[q] = [ids[i] for i in top]
    return run, dict(encode_docs_s=round(t_docs, 2), docs_per_s=round(len(ids) / t_docs, 1),
                     encode_queries_s=round(t_q, 2))


def rrf(*runs: dict[str, list[str]], k: int = 60, depth: int = DEPTH) -> dict[str, list[str]]:
    out = {}
    for q in set().union(*runs):
        score: dict[str, float] = {}
        for run in runs:
            for r, d in enumerate(run.get(q, [])[:depth], start=1):
                score[d] = score.get(d, 0.0) + 1.0 / (k + r)
        out[q] = sorted(score, key=lambda d: -score[d])
    return out


# -- Recoll ------------------------------------------------------------------------------------
_WORD = re.compile(r"\w+", re.UNICODE)


def recoll_available() -> str | None:
    """None when usable, else why not."""
    if not shutil.which("recollindex") or not shutil.which("recollq"):
        return "recollcmd is not installed (apt-get install -y recollcmd)"
    return None


def recoll(folder: Path, conf: Path, names: dict[str, str], qids: list[str], queries: dict[str, str],
           depth: int = 100) -> tuple[dict[str, list[str]], dict]:
    """Recoll with default settings + English stemming, in a private config folder.

    Each query is the OR of its words (recollq's query language); -b prints bare URLs.
    """
    if conf.exists():
        shutil.rmtree(conf)
    conf.mkdir(parents=True)
    docs = (folder / "docs").resolve()
    (conf / "recoll.conf").write_text(
        f"topdirs = {docs}\n"
        f"dbdir = {conf / 'xapiandb'}\n"
        "indexstemminglanguages = english\n", encoding="utf-8")
    env = {**os.environ, "RECOLL_CONFDIR": str(conf), "HOME": str(conf)}
    t = time.perf_counter()
    p = subprocess.run(["recollindex", "-c", str(conf)], capture_output=True, text=True, env=env)
    index_s = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"recollindex failed ({p.returncode}): {p.stderr[-2000:]}")
    run: dict[str, list[str]] = {}
    took = []
    unmapped = 0
    for q in qids:
        words = [w.lower() for w in _WORD.findall(queries[q])]
        if not words:
            run[q] = []
            continue
        expr = " OR ".join(dict.fromkeys(words))
        t = time.perf_counter()
        p = subprocess.run(["recollq", "-c", str(conf), "-b", "-n", str(depth), expr],
                           capture_output=True, text=True, env=env)
        took.append((time.perf_counter() - t) * 1000)
        ranked = []
        for line in p.stdout.splitlines():
            line = line.strip()
            if not line.startswith("file://"):
                continue
            name = os.path.basename(line[len("file://"):])
            if name in names:
                ranked.append(names[name])
            else:
                unmapped += 1
        run[q] = ranked
    log(f"recoll: indexed in {index_s:.1f} s, {len(qids)} queries")
    return run, dict(index_s=round(index_s, 2), docs_per_s=round(len(names) / index_s, 1),
                     query_ms=took, unmapped_hits=unmapped)
