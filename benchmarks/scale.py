"""Synthetic-scale speed: a data folder of N chunks built through the engine's own API.

  python3 benchmarks/scale.py build --n 100000 --dir .bench/scale/100000
  python3 benchmarks/scale.py query --dir .bench/scale/100000 --queries FILE

Chunk texts are real prose (windows of the dev collections' words, so the word index
and its posting lists look like real ones); file names are made of those words too.
Vectors are synthetic: a real chunk vector of the dev collections (when an indexed one
is found under .bench/) plus Gaussian noise (cosine ~0.8 to its base), so the graph
sees clustered data like real text; else plain random unit vectors. The query vectors
are real: each query goes through the engine's model.

Each subcommand prints one JSON object on stdout. `query` runs in a fresh process so
its resident memory is the engine's alone; its `first_answer_s` is the time from this
process's start (the interpreter's own, read from /proc) to the first query answered on
the persisted index (catalog open, model load, vectors mapped, one search).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import IR_DIR, WORK, log, rss_mb, rss_parts_mb, summary_ms  # noqa: E402

CHUNKS_PER_FILE = 10
FILES_PER_TRANSACTION = 1000
WORDS_PER_CHUNK = 70
NOISE = 0.75            # noise norm relative to the base vector (cos ~ 1/sqrt(1+NOISE^2))
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]*|\d+")


def corpus_words() -> list[str]:
    words: list[str] = []
    for coll in sorted(IR_DIR.iterdir()):
        p = coll / "corpus.jsonl"
        if not p.exists():
            continue
        with open(p, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    words += _WORD.findall(f"{r.get('title', '')} {r['text']}")
    return words


def base_vectors(limit: int = 50000) -> np.ndarray | None:
    """Real chunk vectors from catalogs the harness indexed earlier (any collection)."""
    vecs = []
    for cat in sorted(WORK.glob("*/data-*/catalog.sqlite3")):
        try:
            conn = sqlite3.connect(f"file:{cat}?mode=ro", uri=True)
            rows = conn.execute("SELECT vector FROM chunks WHERE vector IS NOT NULL LIMIT ?",
                                (limit,)).fetchall()
            conn.close()
        except sqlite3.Error:
            continue
        vecs += [np.frombuffer(r[0], dtype=np.float16) for r in rows]
        if len(vecs) >= limit:
            break
    if len(vecs) < 500:
        return None
    return np.stack(vecs).astype(np.float32)


def synth_vectors(n: int, dim: int, base: np.ndarray | None, gen: np.random.Generator) -> np.ndarray:
    noise = gen.standard_normal((n, dim), dtype=np.float32) / np.sqrt(dim)
    if base is not None:
        v = base[gen.integers(0, len(base), n)] + NOISE * noise
    else:
        v = noise
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v.astype(np.float16)


def build(n: int, data_dir: Path, seed: int = 0) -> dict:
    from desktop_search.core.store.catalog import NewChunk
    from desktop_search.core.engine import Engine

    if (data_dir / "catalog.sqlite3").exists():
        raise SystemExit(f"{data_dir} already holds an index: remove it first")
    data_dir.mkdir(parents=True, exist_ok=True)
    gen = np.random.default_rng(seed)
    words = corpus_words()
    W = np.array(words, dtype=object)
    t_all = time.perf_counter()
    eng = Engine(data_dir)        # first: a data folder that holds other files is refused
    root = data_dir.resolve() / "synthetic-root"   # absolute, as the app stores roots
    root.mkdir(exist_ok=True)
    root_id = eng.library.add_root(str(root))
    # its files exist only in the catalog: paused, so a window or `watch` opened on this
    # index (benchmarks/latency.py --data-dir) searches it and never reconciles it away
    eng.library.set_root_paused(str(root), True)
    t = time.perf_counter()
    n_files = (n + CHUNKS_PER_FILE - 1) // CHUNKS_PER_FILE
    made = 0
    batch = None
    for fi in range(n_files):
        if fi % FILES_PER_TRANSACTION == 0:
            # many files per commit, as the indexer batches them (each its own savepoint)
            if batch is not None:
                batch.__exit__(None, None, None)
            batch = eng.catalog.transaction()
            batch.__enter__()
        k = min(CHUNKS_PER_FILE, n - made)
        starts = gen.integers(0, len(W) - WORDS_PER_CHUNK, k)
        chunks, pos = [], 0
        for s in starts:
            text = " ".join(W[s:s + WORDS_PER_CHUNK])
            chunks.append(NewChunk(start=pos, end=pos + len(text), page=None, line=1 + fi % 50,
                                   text=text))
            pos += len(text) + 2
        name_words = W[gen.integers(0, len(W), 3)]
        heading = " ".join(name_words)
        path = str(root / f"d{fi // 1000:04d}" / (("_".join(name_words))[:60] + f"_{fi}.txt"))
        eng.catalog.put_file(path=path, root_id=root_id, size=pos, mtime_ns=time.time_ns(),
                             digest=f"synthetic-{fi}", kind="text", title=None, heading=heading,
                             chunks=chunks)
        made += k
        if fi and fi % 10000 == 0:
            log(f"scale {n}: {made} chunks in the catalog ({made / (time.perf_counter() - t):.0f}/s)")
    if batch is not None:
        batch.__exit__(None, None, None)
    catalog_s = time.perf_counter() - t

    t = time.perf_counter()
    vi = eng.vectors()          # loads the model (for its dimension) and opens the index
    model_s = time.perf_counter() - t
    dim = vi.ndim
    base = base_vectors()
    t = time.perf_counter()
    t_cat = t_add = 0.0
    done = done_after = 0
    while True:
        rows = eng.library.vector_rows.unembedded(10000, after=done_after)
        if not rows:
            break
        ids = [r[0] for r in rows]
        done_after = ids[-1]
        vecs = synth_vectors(len(ids), dim, base, gen)
        a = time.perf_counter()
        stored = eng.library.vector_rows.store(ids, vecs)
        b = time.perf_counter()
        assert len(stored) == len(ids)
        vi.add(np.asarray(stored, dtype=np.uint64), vecs)
        c = time.perf_counter()
        t_cat += b - a
        t_add += c - b
        done += len(ids)
        if done % 50000 == 0 or done == n:
            log(f"scale {n}: {done} vectors ({done / (time.perf_counter() - t):.0f}/s; "
                f"usearch add {done / max(t_add, 1e-9):.0f}/s)")
    vectors_s = time.perf_counter() - t
    t = time.perf_counter()
    # nothing else runs: the graph is built on every core (the app uses half in background)
    vi.save(eng.catalog.vector_generation(), threads=os.cpu_count() or 1)
    eng.close()
    save_s = time.perf_counter() - t
    size = sum(f.stat().st_size for f in data_dir.iterdir() if f.is_file())
    info = dict(n_chunks=n, n_files=n_files, catalog_s=round(catalog_s, 1),
                catalog_chunks_per_s=round(n / catalog_s, 1), model_load_s=round(model_s, 1),
                vectors_s=round(vectors_s, 1), set_vectors_s=round(t_cat, 1),
                # the graph is built when the index is saved (compaction of the delta)
                usearch_add_s=round(t_add + save_s, 1),
                usearch_add_per_s=round(n / max(t_add + save_s, 1e-9), 1),
                save_s=round(save_s, 1), total_s=round(time.perf_counter() - t_all, 1),
                size_mb=round(size / 2**20, 1),
                vectors="real dev-collection chunk vectors + Gaussian noise" if base is not None
                else "random unit vectors",
                built_at=time.strftime("%Y-%m-%d %H:%M"))
    (data_dir / "bench_build.json").write_text(json.dumps(info))
    return info


def process_age_s() -> float | None:
    """Seconds since this process started (Linux: /proc), interpreter start-up included."""
    try:
        start_ticks = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
        uptime = float(open("/proc/uptime").read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def query(data_dir: Path, queries: list[str], warmup: int = 10) -> dict:
    from desktop_search.core.engine import Engine

    rss0 = rss_mb()
    t0 = t = time.perf_counter()
    eng = Engine(data_dir)
    catalog_open_s = time.perf_counter() - t
    t = time.perf_counter()
    vi = eng.vectors()
    t_vec = time.perf_counter() - t
    t = time.perf_counter()
    emb = eng.embedder()
    t_model = time.perf_counter() - t
    rss_model = rss_mb()
    eng.search(queries[0], k=10)        # the first answer (the word index too)
    first_answer = process_age_s()
    first_answer_engine_s = time.perf_counter() - t0
    n = len(vi)
    for q in queries[:warmup]:
        eng.search(q, k=10)
    measured = queries[warmup:]
    total, rank_only, rank100 = [], [], []
    for q in measured:                      # first time: the query is embedded
        a = time.perf_counter()
        eng.search(q, k=10)
        total.append((time.perf_counter() - a) * 1000)
    for q in measured:                      # again: embedding cached, the engine's own part
        a = time.perf_counter()
        eng.search(q, k=10)
        rank_only.append((time.perf_counter() - a) * 1000)
    for q in measured:
        a = time.perf_counter()
        eng.search(q, k=100)
        rank100.append((time.perf_counter() - a) * 1000)
    # the query embedding alone, on texts not seen before (the cache would answer otherwise)
    embed = []
    for q in measured:
        a = time.perf_counter()
        emb.embed_query(q + " .")
        embed.append((time.perf_counter() - a) * 1000)
    time.sleep(1.0)
    rss_busy = rss_mb()                 # right after the searches
    busy_parts = rss_parts_mb()
    # idle: searches quiet for longer than the vector index waits before handing its
    # mapped pages back to the kernel
    from desktop_search.core.store import vector_files as V
    time.sleep(V.IDLE_RELEASE_S + 2.0)
    rss_idle = rss_mb()
    parts = rss_parts_mb()
    eng.close()
    return dict(vectors=n, model_load_s=round(t_model, 2), vectors_load_s=round(t_vec, 2),
                first_answer_s=round(first_answer, 2) if first_answer is not None else None,
                first_answer_engine_s=round(first_answer_engine_s, 2),
                catalog_open_s=round(catalog_open_s, 2),
                rss_idle_anon_mb=parts.get("RssAnon"), rss_idle_file_mb=parts.get("RssFile"),
                search_k10_ms=summary_ms(total), search_k10_cached_embedding_ms=summary_ms(rank_only),
                search_k100_cached_embedding_ms=summary_ms(rank100), embed_query_ms=summary_ms(embed),
                rss_start_mb=round(rss0 or 0, 1), rss_model_mb=round(rss_model or 0, 1),
                rss_after_searches_mb=round(rss_busy or 0, 1),
                rss_after_searches_anon_mb=busy_parts.get("RssAnon"),
                rss_after_searches_file_mb=busy_parts.get("RssFile"),
                rss_idle_mb=round(rss_idle or 0, 1), queries=len(measured))


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--n", type=int, required=True)
    b.add_argument("--dir", required=True)
    q = sub.add_parser("query")
    q.add_argument("--dir", required=True)
    q.add_argument("--queries", required=True, help="one query a line")
    q.add_argument("--warmup", type=int, default=10)
    a = ap.parse_args()
    if a.cmd == "build":
        print(json.dumps(build(a.n, Path(a.dir))))
    else:
        qs = [l.rstrip("\n").split("\t")[-1] for l in open(a.queries, encoding="utf-8") if l.strip()]
        print(json.dumps(query(Path(a.dir), qs, warmup=a.warmup)))


if __name__ == "__main__":
    main()
