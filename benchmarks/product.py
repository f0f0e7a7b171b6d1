"""The product measured through its CLI: index a folder, run the queries, map hits back.

Also the raw `model.encode` throughput on the very chunks the product stored, so the
indexing ratio compares like with like, and a few sanity checks of what the CLI prints
(paths outside the folder, empty or markup-laden snippets, missing positions).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import time
from pathlib import Path

from benchlib import Collection, cli, log, summary_ms


_OVERHEAD: dict = {}


def startup_cpu_s(work: Path) -> float:
    """CPU seconds of `index` on an empty folder: interpreter, imports, model load, save."""
    if "cpu_s" not in _OVERHEAD:
        empty, data = work / "empty-folder", work / "empty-data"
        for d in (empty, data):
            if d.exists():
                shutil.rmtree(d)
        empty.mkdir(parents=True)
        vals = []
        for _ in range(2):
            if data.exists():
                shutil.rmtree(data)
            p, _ = cli("--data-dir", str(data), "index", "--json", str(empty))
            vals.append(p.cpu_s)
        _OVERHEAD["cpu_s"] = min(vals)
    return _OVERHEAD["cpu_s"]


def index(docs: Path, data_dir: Path, settings: dict | None = None) -> dict:
    """``settings``: written to the fresh data folder's settings.json first (a backend...)."""
    if data_dir.exists():
        shutil.rmtree(data_dir)
    if settings:
        data_dir.mkdir(parents=True)
        (data_dir / "settings.json").write_text(json.dumps(settings))
    p, wall = cli("--data-dir", str(data_dir), "index", "--json", str(docs))
    last = [l for l in p.stdout.splitlines() if l.strip().startswith("{")]
    summary = json.loads(last[-1]) if last else {}
    summary["wall_s"] = round(wall, 2)
    secs = summary.get("seconds") or wall
    summary["files_per_s"] = round(summary.get("indexed", 0) / secs, 2) if secs else None
    summary["chunks_per_s"] = round(summary.get("chunks_embedded", 0) / secs, 2) if secs else None
    # CPU time: robust to other jobs sharing the machine; start-up (model load) taken off
    summary["cpu_s"] = p.cpu_s
    overhead = startup_cpu_s(data_dir.parent)
    work_cpu = max(1e-6, p.cpu_s - overhead)
    summary["startup_cpu_s"] = overhead
    summary["chunks_per_cpu_s"] = round(summary.get("chunks_embedded", 0) / work_cpu, 2)
    if p.stderr.strip():
        summary["stderr_tail"] = p.stderr.strip()[-500:]
    return summary


def search(queries_tsv: Path, data_dir: Path, k: int = 100) -> tuple[list[dict], float]:
    p, wall = cli("--data-dir", str(data_dir), "search", "--queries", str(queries_tsv), "-k", str(k),
                  "--json", "--literal")     # ranking measured, not the filters read from words
    records = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return records, wall


_MARKUP = re.compile(r"<[a-zA-Z/!][^>]*>|&[a-z]+;|^#\s|\\[a-z]+\{")


def to_run(records: list[dict], folder: Path,
           corpus: dict[str, tuple[str, str]] | None = None) -> tuple[dict[str, list[str]], dict]:
    """Hit paths -> document ids via files.json; plus checks of what the CLI printed.

    With ``corpus``, markup in a snippet only counts when the document's own text does
    not contain it (MS MARCO passages carry literal "&amp;" and such).
    """
    names: dict[str, str] = json.loads((folder / "files.json").read_text())
    docs_dir = os.path.realpath(folder / "docs")
    run: dict[str, list[str]] = {}
    checks = dict(hits=0, unmapped=0, outside_folder=0, duplicate_paths=0, empty_snippet=0,
                  markup_in_snippet=0, score_not_sorted=0, relative_path=0,
                  empty_result_queries=0, examples=[], no_position_by_ext={})

    def example(kind: str, detail: str) -> None:
        if sum(1 for e in checks["examples"] if e.startswith(kind)) < 3:
            checks["examples"].append(f"{kind}: {detail[:200]}")

    for r in records:
        ranked = []
        seen = set()
        last = float("inf")
        if not r["hits"]:
            checks["empty_result_queries"] += 1
        for h in r["hits"]:
            checks["hits"] += 1
            path = h["path"]
            if not os.path.isabs(path):
                checks["relative_path"] += 1
                example("relative_path", path)
            if os.path.dirname(os.path.realpath(path)) != docs_dir:
                checks["outside_folder"] += 1
                example("outside_folder", path)
            if path in seen:
                checks["duplicate_paths"] += 1
                example("duplicate_paths", f"query {r['id']}: {path}")
            seen.add(path)
            if h["score"] > last + 1e-9:
                checks["score_not_sorted"] += 1
                example("score_not_sorted", f"query {r['id']}: {h['score']} after {last}")
            last = h["score"]
            snip = h.get("snippet") or ""
            if not snip.strip():
                checks["empty_snippet"] += 1
                example("empty_snippet", path)
            else:
                src = corpus.get(names.get(os.path.basename(path), ""), ("", "")) if corpus else None
                own = " ".join(src) if src else ""
                marks = [m.group() for m in _MARKUP.finditer(snip) if m.group().strip() not in own]
                if marks:
                    checks["markup_in_snippet"] += 1
                    example("markup_in_snippet", f"{os.path.basename(path)}: {marks[:3]} in {snip}")
            if h.get("page") is None and h.get("line") is None:
                ext = os.path.splitext(path)[1].lstrip(".")
                checks["no_position_by_ext"][ext] = checks["no_position_by_ext"].get(ext, 0) + 1
            doc = names.get(os.path.basename(path))
            if doc is None:
                checks["unmapped"] += 1
                example("unmapped", path)
                continue
            ranked.append(doc)
        run[r["id"]] = ranked
    return run, checks


def query_times(records: list[dict]) -> dict:
    took = [r["took_ms"] for r in records]
    out = summary_ms(took)
    if len(took) > 1:
        out["first_ms"] = round(took[0], 2)
        out["median_without_first"] = summary_ms(took[1:])["median"]
    return out


def chunk_texts(data_dir: Path) -> list[str]:
    """The texts the indexer embedded: f"{heading}\\n{text}" when the heading is non-empty."""
    conn = sqlite3.connect(f"file:{data_dir / 'catalog.sqlite3'}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT f.heading, c.text FROM chunks c JOIN files f ON f.id=c.file_id "
                            "ORDER BY c.id").fetchall()
    finally:
        conn.close()
    return [f"{h}\n{t}" if h and not t.startswith(h) else t for h, t in rows]


def raw_encode_rate(texts: list[str], model, batch_size: int = 32, limit: int | None = None) -> dict:
    """model.encode over the product's chunk texts, in one call (the model's best case).

    ``limit`` takes an evenly spaced sample (the quick run only).
    """
    if limit and len(texts) > limit:
        step = len(texts) / limit
        texts = [texts[int(i * step)] for i in range(limit)]
    model.encode(texts[:64], batch_size=batch_size)     # warm-up
    t, c = time.perf_counter(), time.process_time()
    model.encode(texts, batch_size=batch_size)
    dt, dc = time.perf_counter() - t, time.process_time() - c
    return dict(chunks=len(texts), seconds=round(dt, 2), chunks_per_s=round(len(texts) / dt, 2),
                cpu_s=round(dc, 2), chunks_per_cpu_s=round(len(texts) / dc, 2), batch_size=batch_size)


def catalog_stats(data_dir: Path) -> dict:
    conn = sqlite3.connect(f"file:{data_dir / 'catalog.sqlite3'}?mode=ro", uri=True)
    try:
        files = dict(conn.execute("SELECT state, COUNT(*) FROM files GROUP BY state").fetchall())
        kinds = dict(conn.execute("SELECT kind, COUNT(*) FROM files GROUP BY kind").fetchall())
        n_chunks = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        errors = [dict(path=os.path.basename(p), state=s, error=e) for p, s, e in conn.execute(
            "SELECT path, state, error FROM files WHERE state != 'indexed' LIMIT 10")]
        per_file = conn.execute("SELECT AVG(n_chunks), MAX(n_chunks) FROM files "
                                "WHERE state='indexed'").fetchone()
        no_heading = conn.execute("SELECT COUNT(*) FROM files WHERE state='indexed' AND heading=''"
                                  ).fetchone()[0]
    finally:
        conn.close()
    size = sum(f.stat().st_size for f in data_dir.iterdir() if f.is_file())
    return dict(files=files, kinds=kinds, chunks=n_chunks, errors=errors,
                chunks_per_file_avg=round(per_file[0] or 0, 2), chunks_per_file_max=per_file[1],
                files_without_heading=no_heading, size_mb=round(size / 2**20, 1))


def run_collection(coll: Collection, folder: Path, data_dir: Path, label: str,
                   settings: dict | None = None) -> dict:
    """Index `folder/docs` via the CLI, run its queries; returns metrics inputs and timings."""
    log(f"{coll.name}/{label}: indexing {folder / 'docs'}")
    summary = index(folder / "docs", data_dir, settings)
    log(f"{coll.name}/{label}: indexed {summary.get('indexed')} files, {summary.get('chunks')} chunks "
        f"in {summary.get('seconds')} s; searching")
    records, wall = search(folder / "queries.tsv", data_dir)
    run, checks = to_run(records, folder, coll.corpus)
    return dict(run=run, records=records, index=summary, search_wall_s=round(wall, 2),
                query_ms=query_times(records), checks=checks, catalog=catalog_stats(data_dir))
