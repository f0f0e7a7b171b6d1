"""torch (sentence-transformers) vs ONNX Runtime fp32 vs ONNX Runtime int8 on the same model.

    python benchmarks/onnx_speed.py                    # 500 Cranfield passages, 3 rounds
    python benchmarks/onnx_speed.py --docs 200 --rounds 2 --json .bench/onnx_speed.json
    python benchmarks/onnx_speed.py --skip-speed --ndcg cranfield,med   # quality per backend

Not a test: prints a table (and optionally JSON). The machine may be shared, so the
backends are interleaved chunk by chunk (rotating who goes first) and the figures quoted
are medians and per-chunk ratios, not single runs. Measures:

- export: the one-off fp32 export (cold: includes importing torch) and the int8 quantization;
- start-up: a fresh process importing the backend, loading it and answering one query;
- documents/s at batch size 32 on real passages (title + text);
- single-query latency, median and p95 of ``--queries`` short queries, caches bypassed;
- cosine of each backend's document and query vectors to torch's (min and mean);
- with ``--ndcg``: the raw model's nDCG@10 over whole documents (as ``baselines.dense``)
  for ONNX fp32 and int8 (torch too with ``--ndcg-torch``; fp32 vectors equal torch's).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CRANFIELD = Path(os.environ.get("DESKTOP_SEARCH_SHARED") or REPO.parent / "shared") / "data" / "ir" / "cranfield"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

BACKENDS = ("torch", "onnx", "int8")


def passages(n: int) -> list[str]:
    out = []
    with open(CRANFIELD / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            text = f"{d.get('title', '')} {d.get('text', '')}".strip()
            if text:
                out.append(text)
            if len(out) == n:
                break
    return out


def short_queries(n: int) -> list[str]:
    out = []
    with open(CRANFIELD / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            words = json.loads(line)["text"].replace(" .", "").split()
            out.append(" ".join(words[:5]))
            if len(out) == n:
                break
    return out


def startup(backend: str, cache: Path) -> float:
    """Seconds for a fresh process to import, load and answer one query."""
    if backend == "torch":
        make = ("from desktop_search.core.embed import SentenceTransformerEmbedder\n"
                "e = SentenceTransformerEmbedder('all-MiniLM-L6-v2', device='cpu')")
    else:
        make = ("from desktop_search.core.embed.onnx_runtime import OnnxEmbedder\n"
                f"e = OnnxEmbedder('all-MiniLM-L6-v2', cache_dir=Path({str(cache)!r}), "
                f"device='cpu', quantize={backend == 'int8'}, allow_export=False)")
    code = textwrap.dedent("""
        import time, sys
        t0 = time.perf_counter()
        from pathlib import Path
        {make}
        e.embed_query("flow over a wing")
        print(time.perf_counter() - t0, "torch" in sys.modules)
    """).format(make=make)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True)
    secs, torch_loaded = out.stdout.split()
    if backend != "torch" and torch_loaded != "False":
        raise RuntimeError("the ONNX backend imported torch at start-up")
    return float(secs)


def ndcg(collections: list[str], cache: Path, batch_size: int, with_torch: bool) -> dict:
    """Raw model over whole documents, exact cosine (as baselines.dense), per backend."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import benchlib
    from baselines import dense

    from desktop_search.core import embed
    from desktop_search.core.embed.onnx_runtime import OnnxEmbedder

    class Adapter:
        def __init__(self, e) -> None:
            self.e = e

        def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
            return self.e.embed_documents(texts)

    makers = {"onnx": lambda: OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=cache, device="cpu",
                                           batch_size=batch_size),
              "int8": lambda: OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=cache, device="cpu",
                                           batch_size=batch_size, quantize=True)}
    if with_torch:
        makers["torch"] = lambda: embed.SentenceTransformerEmbedder(
            "all-MiniLM-L6-v2", device="cpu", batch_size=batch_size)
    out: dict = {}
    for name in collections:
        coll = benchlib.load_collection(benchlib.IR_DIR / name)
        qids = coll.judged_queries
        out[name] = {"reference_dense": coll.reference.get("dense")}
        for b, make in makers.items():
            run, info = dense(coll, qids, Adapter(make()))
            m = benchlib.evaluate(run, coll)
            out[name][b] = {"ndcg10": m["ndcg10"], "recall100": m["recall100"],
                            "mrr10": m["mrr10"], "docs_per_s": info["docs_per_s"]}
            print(f"nDCG {name} {b}: {out[name][b]}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=500)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3, help="passes over the documents")
    ap.add_argument("--chunk", type=int, default=96, help="documents per interleaved step")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--startup-reps", type=int, default=3)
    ap.add_argument("--busy-queries", type=int, default=15,
                    help="queries timed while another thread embeds documents (0: skip)")
    ap.add_argument("--ndcg", default="",
                    help="comma-separated collections: raw-model nDCG@10 per backend")
    ap.add_argument("--ndcg-torch", action="store_true",
                    help="also run torch for --ndcg (fp32 ONNX vectors equal torch's)")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    docs = passages(args.docs)
    queries = short_queries(args.queries)
    cache = Path(tempfile.mkdtemp(prefix="onnx-bench-"))
    result: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "platform": platform.platform(),
                                "loadavg_start": os.getloadavg()},
                    "docs": len(docs), "queries": len(queries), "batch_size": args.batch_size}

    from desktop_search.core import embed
    from desktop_search.core.embed import onnx_export as onnx_embed

    # ---- export (cold, in this process: includes importing torch + transformers)
    src, _, _ = embed.resolve_model("all-MiniLM-L6-v2")
    out = onnx_embed.graph_dir(embed.PACKAGED_ID, src, cache)
    t = time.perf_counter()
    onnx_embed.export_onnx(src, out, quantize=False)
    export_fp32 = time.perf_counter() - t
    t = time.perf_counter()
    onnx_embed.export_onnx(src, out, quantize=True)
    export_int8 = time.perf_counter() - t
    manifest = json.loads((out / onnx_embed.MANIFEST_FILE).read_text())
    result["export"] = {"fp32_s": round(export_fp32, 2), "int8_quantize_s": round(export_int8, 2),
                        "fused_graph": manifest["fused"],
                        "fp32_mb": round((out / onnx_embed.FP32_FILE).stat().st_size / 2**20, 1),
                        "int8_mb": round((out / onnx_embed.INT8_FILE).stat().st_size / 2**20, 1)}
    print(f"export: fp32 {export_fp32:.1f} s (cold, incl. torch import), "
          f"int8 quantize {export_int8:.1f} s", flush=True)

    if not args.skip_speed:
        speed(args, docs, queries, cache, result)
    if args.ndcg:
        result["ndcg"] = ndcg([c for c in args.ndcg.split(",") if c], cache, args.batch_size,
                              args.ndcg_torch)
    result["machine"]["loadavg_end"] = os.getloadavg()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
        print(f"\nwrote {args.json}")
    shutil.rmtree(cache, ignore_errors=True)


def speed(args, docs: list[str], queries: list[str], cache: Path, result: dict) -> None:
    import onnxruntime

    from desktop_search.core import embed
    from desktop_search.core.embed.onnx_runtime import OnnxEmbedder

    # ---- start-up in fresh processes, interleaved
    ups: dict[str, list[float]] = {b: [] for b in BACKENDS}
    for _ in range(args.startup_reps):
        for b in BACKENDS:
            ups[b].append(startup(b, cache))
    result["startup_s"] = {b: round(statistics.median(v), 2) for b, v in ups.items()}
    print("start-up to first query (median s):", result["startup_s"], flush=True)

    # ---- the three embedders in this process
    emb = {
        "torch": embed.SentenceTransformerEmbedder("all-MiniLM-L6-v2", device="cpu",
                                                   batch_size=args.batch_size),
        "onnx": OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=cache, device="cpu",
                             batch_size=args.batch_size, allow_export=False),
        "int8": OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=cache, device="cpu",
                             batch_size=args.batch_size, quantize=True, allow_export=False),
    }
    for e in emb.values():
        e.load()
        e.embed_documents(docs[:8])  # warm-up
    import torch

    result["versions"] = {"torch": torch.__version__, "onnxruntime": onnxruntime.__version__,
                          "torch_threads": torch.get_num_threads()}

    def query(b: str, q: str) -> np.ndarray:
        emb[b].queries.clear()
        return emb[b].embed_query(q)

    chunks = [docs[i:i + args.chunk] for i in range(0, len(docs), args.chunk)]
    doc_time = {b: 0.0 for b in BACKENDS}
    doc_count = {b: 0 for b in BACKENDS}
    step_ratio = {b: [] for b in BACKENDS}
    q_ms = {b: [] for b in BACKENDS}
    vecs = {b: [] for b in BACKENDS}
    qvecs = {b: {} for b in BACKENDS}
    step = 0
    for r in range(args.rounds):
        for chunk in chunks:
            order = BACKENDS[step % 3:] + BACKENDS[:step % 3]
            step += 1
            took = {}
            for b in order:
                t = time.perf_counter()
                v = emb[b].embed_documents(chunk)
                took[b] = time.perf_counter() - t
                doc_time[b] += took[b]
                doc_count[b] += len(chunk)
                if r == 0:
                    vecs[b].append(v)
            for b in BACKENDS:
                step_ratio[b].append(took["torch"] / took[b])
        # the queries, interleaved query by query
        for i, q in enumerate(queries):
            order = BACKENDS[i % 3:] + BACKENDS[:i % 3]
            for b in order:
                t = time.perf_counter()
                v = query(b, q)
                q_ms[b].append((time.perf_counter() - t) * 1000)
                qvecs[b][q] = v
        print(f"round {r + 1}/{args.rounds}: docs/s " + ", ".join(
            f"{b} {doc_count[b] / doc_time[b]:.1f}" for b in BACKENDS), flush=True)

    # ---- a query typed while the indexer thread embeds: the search box's real situation
    busy_ms = {b: [] for b in BACKENDS}
    if args.busy_queries:
        import threading

        for b in BACKENDS:
            stop = threading.Event()

            def indexer(e=emb[b]):
                while not stop.is_set():
                    e.embed_documents(docs[:args.batch_size])

            th = threading.Thread(target=indexer, daemon=True)
            th.start()
            time.sleep(0.5)
            for q in queries[:args.busy_queries]:
                t = time.perf_counter()
                query(b, q + " ?")
                busy_ms[b].append((time.perf_counter() - t) * 1000)
            stop.set()
            th.join()

    ref = np.concatenate(vecs["torch"])
    qref = np.stack([qvecs["torch"][q] for q in queries])
    rows = {}
    for b in BACKENDS:
        d = np.concatenate(vecs[b])
        qv = np.stack([qvecs[b][q] for q in queries])
        dc = (d * ref).sum(1)
        qc = (qv * qref).sum(1)
        ms = sorted(q_ms[b])
        rows[b] = {
            "docs_per_s": round(doc_count[b] / doc_time[b], 1),
            "speedup_vs_torch_median_step": round(statistics.median(step_ratio[b]), 2),
            "query_ms_median": round(statistics.median(ms), 2),
            "query_ms_p95": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 2),
            "doc_cos_min": round(float(dc.min()), 4), "doc_cos_mean": round(float(dc.mean()), 4),
            "query_cos_min": round(float(qc.min()), 4),
            "query_cos_mean": round(float(qc.mean()), 4),
            "model_id": emb[b].model_id,
        }
        if busy_ms[b]:
            rows[b]["query_ms_median_while_indexing"] = round(statistics.median(busy_ms[b]), 1)
    tq = rows["torch"]["query_ms_median"]
    for b in BACKENDS:
        rows[b]["query_speedup_vs_torch"] = round(tq / rows[b]["query_ms_median"], 2)
    result["backends"] = rows
    result["machine"]["loadavg_end"] = os.getloadavg()

    print()
    print(f"{len(docs)} Cranfield passages, batch {args.batch_size}, {args.rounds} rounds, "
          f"{len(queries)} queries x {args.rounds}; {os.cpu_count()} CPUs, load average "
          f"{result['machine']['loadavg_start'][0]:.1f} -> {result['machine']['loadavg_end'][0]:.1f}")
    print("| backend | docs/s | x torch (median step) | query ms median | p95 | x torch | "
          "query ms while indexing | doc cos min / mean | query cos min / mean | start-up s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for b in BACKENDS:
        r = rows[b]
        print(f"| {b} | {r['docs_per_s']} | {r['speedup_vs_torch_median_step']} | "
              f"{r['query_ms_median']} | {r['query_ms_p95']} | {r['query_speedup_vs_torch']} | "
              f"{r.get('query_ms_median_while_indexing', '-')} | "
              f"{r['doc_cos_min']} / {r['doc_cos_mean']} | {r['query_cos_min']} / "
              f"{r['query_cos_mean']} | {result['startup_s'][b]} |")


if __name__ == "__main__":
    main()
