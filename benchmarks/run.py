#!/usr/bin/env python3
"""Regenerate benchmarks/REPORT.md and benchmarks/report.json.

  python3 benchmarks/run.py [--collections cranfield,med,msmarco] [--quick] [--skip-speed] ...

Quality: each collection in ../shared/data/ir is written as files
(../shared/tools/beir_to_folder.py), indexed through the CLI into a fresh data folder
and searched with `search --queries FILE -k 100 --json`; hits are mapped back to
document ids with files.json. Beside it, in the same run: BM25 (bm25s), the raw model
over whole documents (exact cosine), their RRF (k=60), and Recoll when installed. The
same collection written as a mix of formats (txt, md, html, pdf, docx) is indexed too.

Speed: took_ms of the CLI's queries; indexing chunks/s beside raw model.encode chunks/s
on the same chunk texts; synthetic indexes of 10k, 100k (and with --scale-1m, 1M)
chunks timed warm through the engine; start-up to first answer on the 100k index.

Work files go to .bench/ at the repository root (gitignored). Results of collections
not measured this time are kept from the previous report.json (each says when it was
measured). --quick runs a tiny version (150 documents of med) into .bench/quick/ so a
smoke test can keep the harness working; it never touches benchmarks/REPORT.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baselines as B  # noqa: E402
import product as P  # noqa: E402
import benchlib as BL  # noqa: E402
from benchlib import (BENCH, IR_DIR, REPO, available_collections, cli, evaluate,  # noqa: E402
                      load_collection, log, machine, make_quick_subset, product_backend,
                      product_fingerprint, summary_ms, write_folder)
from mixed import write_mixed  # noqa: E402

NOW = lambda: time.strftime("%Y-%m-%d %H:%M")  # noqa: E731


# -- quality --------------------------------------------------------------------------------
def quality(name: str, src: Path, args, model) -> dict:
    coll = load_collection(src, name)
    base = BL.WORK / name
    base.mkdir(parents=True, exist_ok=True)
    qids = coll.judged_queries
    out: dict = dict(collection=name, documents=len(coll.corpus), queries=len(qids),
                     measured_at=NOW(), reference=coll.reference)
    t_coll = time.perf_counter()
    fp0 = product_fingerprint()
    out["product_code"] = dict(**fp0, embedder=product_backend())

    # the product on plain text files
    folder = write_folder(coll, base / "txt", "txt")
    prod = P.run_collection(coll, folder, base / "data-txt", "txt")
    _save_records(base / "search-txt.jsonl", prod["records"])
    ev = evaluate(prod["run"], coll)
    out["product"] = _metrics(ev)
    out["per_query"] = {"product": ev["per_query_ndcg10"]}
    out["index"] = prod["index"]
    out["catalog"] = prod["catalog"]
    out["query_ms"] = prod["query_ms"]
    out["search_wall_s"] = prod["search_wall_s"]
    out["checks"] = prod["checks"]
    log(f"{name}: product nDCG@10 {ev['ndcg10']:.2f}")

    # raw model.encode on the very chunks the product embedded, right after it
    texts = P.chunk_texts(base / "data-txt")
    out["raw_encode"] = P.raw_encode_rate(texts, model.model, limit=128 if args.quick else None)
    cps = out["index"].get("chunks_per_s")
    out["raw_encode"]["product_over_raw"] = round(cps / out["raw_encode"]["chunks_per_s"], 3) if cps else None
    ccps = out["index"].get("chunks_per_cpu_s")
    out["raw_encode"]["product_over_raw_cpu"] = (round(ccps / out["raw_encode"]["chunks_per_cpu_s"], 3)
                                                 if ccps else None)
    log(f"{name}: product {cps} chunks/s, raw encode {out['raw_encode']['chunks_per_s']} chunks/s")

    # baselines
    runs = {}
    runs["bm25"], info_b = B.bm25(coll, qids)
    runs["dense"], info_d = B.dense(coll, qids, model)
    runs["rrf"] = B.rrf(runs["bm25"], runs["dense"])
    out["baseline_info"] = dict(bm25=dict(index_s=info_b["index_s"], query_ms=summary_ms(info_b["query_ms"])),
                                dense=info_d)
    why = B.recoll_available() if not args.skip_recoll else "skipped (--skip-recoll)"
    if why is None:
        try:
            names = json.loads((folder / "files.json").read_text())
            runs["recoll"], info_r = B.recoll(folder, base / "recoll", names, qids, coll.queries)
            out["baseline_info"]["recoll"] = dict(index_s=info_r["index_s"], docs_per_s=info_r["docs_per_s"],
                                                  query_ms=summary_ms(info_r["query_ms"]),
                                                  unmapped_hits=info_r["unmapped_hits"])
        except Exception as exc:  # noqa: BLE001 - a peer's failure is reported, not fatal
            why = f"recoll failed: {exc}"[:500]
    if why:
        out["recoll_unavailable"] = why
    runs_path = base / "runs.json"     # top 100 of every system, for later analysis
    runs_path.write_text(json.dumps({"product": {q: r[:100] for q, r in prod["run"].items()},
                                     **{k: {q: r[:100] for q, r in v.items()} for k, v in runs.items()}}))
    out["baselines"] = {}
    for k, run in runs.items():
        ev = evaluate(run, coll)
        out["baselines"][k] = _metrics(ev)
        out["per_query"][k] = ev["per_query_ndcg10"]
    log(f"{name}: baselines " + ", ".join(f"{k} {v['ndcg10']:.2f}" for k, v in out["baselines"].items()))

    # the same collection as a mix of formats
    if not args.skip_mixed:
        mfolder = base / "mixed"
        if mfolder.exists():
            shutil.rmtree(mfolder)
        minfo = write_mixed(coll, mfolder)
        mprod = P.run_collection(coll, mfolder, base / "data-mixed", "mixed")
        _save_records(base / "search-mixed.jsonl", mprod["records"])
        ev = evaluate(mprod["run"], coll)
        out["mixed"] = dict(**_metrics(ev), **minfo, index=mprod["index"], catalog=mprod["catalog"],
                            query_ms=mprod["query_ms"], checks=mprod["checks"])
        out["per_query"]["product_mixed"] = ev["per_query_ndcg10"]
        log(f"{name}: mixed formats nDCG@10 {ev['ndcg10']:.2f}")

    # the product's fusion weight, swept in process on the txt index
    if not args.skip_sweep:
        import sweep as SW

        try:
            out["sweep"] = SW.sweep(coll, folder, base / "data-txt")
        except Exception as exc:  # noqa: BLE001 - the sweep uses internal API that may move
            out["sweep"] = dict(error=f"{type(exc).__name__}: {exc}"[:300])
    out["seconds"] = round(time.perf_counter() - t_coll, 1)
    fp1 = product_fingerprint()
    if fp1["sha1"] != fp0["sha1"]:
        out["product_code"]["changed_during_run"] = fp1
        log(f"{name}: WARNING the product's code changed while it was measured ({fp0} -> {fp1})")
    return out


def _metrics(ev: dict) -> dict:
    return dict(ndcg10=ev["ndcg10"], recall100=ev["recall100"], mrr10=ev["mrr10"])


def _save_records(path: Path, records: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")


# -- speed ----------------------------------------------------------------------------------
def scale_queries(n: int = 110) -> Path:
    """Real queries of the collections (msmarco's first: they are the most search-box like)."""
    qs = []
    for name in ("msmarco", "med", "cranfield"):
        p = IR_DIR / name / "queries.jsonl"
        if p.exists():
            qs += [" ".join(json.loads(l)["text"].split()) for l in open(p, encoding="utf-8") if l.strip()]
    path = BL.WORK / "scale_queries.txt"
    BL.WORK.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(qs[:n]) + "\n", encoding="utf-8")
    return path


def speed(sizes: list[int], args, startup_at: int) -> dict:
    here = Path(__file__).resolve().parent / "scale.py"
    qfile = scale_queries(25 if args.quick else 110)
    warmup = "5" if args.quick else "10"
    out: dict = dict(measured_at=NOW(), sizes={})
    for n in sizes:
        d = BL.WORK / "scale" / str(n)
        built = d / "bench_build.json"
        if args.rebuild_scale or not built.exists():
            if d.exists():
                shutil.rmtree(d)
            log(f"scale: building {n} chunks in {d}")
            p = subprocess.run([sys.executable, str(here), "build", "--n", str(n), "--dir", str(d)],
                               capture_output=True, text=True)
            if p.returncode != 0:
                out["sizes"][str(n)] = dict(error=p.stderr[-1000:])
                continue
            build = json.loads(p.stdout.strip().splitlines()[-1])
            build["reused"] = False
        else:
            build = json.loads(built.read_text())
            build["reused"] = True
        log(f"scale: timing queries at {n} chunks")
        p = subprocess.run([sys.executable, str(here), "query", "--dir", str(d), "--queries", str(qfile),
                            "--warmup", warmup],
                           capture_output=True, text=True)
        if p.returncode != 0:
            out["sizes"][str(n)] = dict(build=build, error=p.stderr[-1000:])
            continue
        out["sizes"][str(n)] = dict(build=build, query=json.loads(p.stdout.strip().splitlines()[-1]))
    # start-up: process start to first query answered (the CLI), on the startup_at index
    d = BL.WORK / "scale" / str(startup_at)
    if (d / "bench_build.json").exists():
        q = "effects of high blood pressure on the heart"
        walls = []
        for _ in range(3):
            p, wall = cli("--data-dir", str(d), "search", "-k", "10", "--json", q, check=False)
            walls.append(round(wall, 2))
        ok = p.returncode == 0
        # where the time goes: interpreter + CLI import alone, and an answer without the model
        _, version_s = cli("--version", check=False)
        _, words_s = cli("--data-dir", str(d), "search", "-k", "10", "--json", "--words-only", q, check=False)
        out["startup"] = dict(chunks=startup_at, cli_first_answer_s=walls,
                              median_s=statistics.median(walls), query=q, ok=ok,
                              cli_version_s=round(version_s, 2), words_only_answer_s=round(words_s, 2))
    return out


# -- report ---------------------------------------------------------------------------------
def f1(x, nd=1):
    return "–" if x is None else f"{x:.{nd}f}"


def render(rep: dict) -> str:
    m = rep["machine"]
    L = []
    L.append("# desktop_search benchmarks\n")
    L.append(f"Generated by `{rep['command']}` on {rep['generated_at']}. "
             "Regenerate with `python3 benchmarks/run.py` (see benchmarks/README.md). Results of parts not "
             "measured by that command are kept from earlier runs; each section says when it was measured.\n")
    L.append("## Machine\n")
    v = m["versions"]
    L.append(f"- CPU: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; {m['os']}")
    L.append(f"- Python {m['python']}, torch {v.get('torch')} ({m.get('torch_threads')} threads), "
             f"sentence-transformers {v.get('sentence_transformers')}, transformers {v.get('transformers')}, "
             f"usearch {v.get('usearch')}, numpy {v.get('numpy')}, SQLite {v.get('sqlite')}, "
             f"bm25s {v.get('bm25s')}, fpdf2 {v.get('fpdf')}, recollcmd {v.get('recollcmd') or 'not installed'}; "
             f"desktop_search {v.get('desktop_search')}")
    L.append(f"- Load average at start {m['loadavg_start']}, at end {m.get('loadavg_end')} "
             "(other jobs shared the machine: timings are noisy, quality numbers are not).\n")

    colls = rep.get("quality", {})
    if colls:
        L.append("## Quality (nDCG@10 x 100; the product through its CLI)\n")
        L.append("| collection | docs | queries | **product** | product, mixed formats | BM25 | MiniLM (raw) "
                 "| RRF | Recoll | best baseline | product − best |")
        L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, c in colls.items():
            b = c["baselines"]
            best_name = max(b, key=lambda k: b[k]["ndcg10"])
            best = b[best_name]["ndcg10"]
            mixed = c.get("mixed", {}).get("ndcg10")
            L.append(f"| {name} | {c['documents']} | {c['queries']} | **{f1(c['product']['ndcg10'])}** | "
                     f"{f1(mixed)} | {f1(b.get('bm25', {}).get('ndcg10'))} | {f1(b.get('dense', {}).get('ndcg10'))} | "
                     f"{f1(b.get('rrf', {}).get('ndcg10'))} | {f1(b.get('recoll', {}).get('ndcg10'))} | "
                     f"{f1(best)} ({_label(best_name)}) | {c['product']['ndcg10'] - best:+.1f} |")
        L.append("")
        L.append("Recall@100 and MRR@10 (x 100):\n")
        L.append("| collection | metric | product | mixed | BM25 | MiniLM | RRF | Recoll |")
        L.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, c in colls.items():
            b = c["baselines"]
            for key, lab in (("recall100", "R@100"), ("mrr10", "MRR@10")):
                L.append(f"| {name} | {lab} | {f1(c['product'][key])} | {f1(c.get('mixed', {}).get(key))} | "
                         + " | ".join(f1(b.get(s, {}).get(key)) for s in ("bm25", "dense", "rrf", "recoll")) + " |")
        L.append("")
        L.append("Baselines against the reference scores in ../shared/data/ir/README.md (nDCG@10; "
                 "measured here / reference):\n")
        L.append("| collection | BM25 | MiniLM | RRF | Recoll |")
        L.append("| --- | ---: | ---: | ---: | ---: |")
        for name, c in colls.items():
            ref = c.get("reference") or {}
            b = c["baselines"]
            L.append(f"| {name} | " + " | ".join(
                f"{f1(b.get(s, {}).get('ndcg10'))} / {f1(ref.get(s))}" for s in ("bm25", "dense", "rrf", "recoll"))
                + " |")
        L.append("")
        L.append("Product code measured (hash of desktop_search/**/*.py; embedding backend of its default "
                 "settings):\n")
        for name, c in colls.items():
            pc = c.get("product_code")
            if not pc:
                L.append(f"- {name}: not recorded")
                continue
            e = pc.get("embedder", {})
            line = (f"- {name}: code {pc['sha1']} (newest file {pc['newest_file']}), embedder "
                    f"{e.get('backend', '?')} ({e.get('cls', '?')}, setting {e.get('setting')!r})")
            if pc.get("changed_during_run"):
                line += f" — **the code changed while this collection was measured** (now {pc['changed_during_run']['sha1']})"
            L.append(line)
        L.append("")
        L.append("Targets: issue 2 wants the product >= raw MiniLM on cranfield and med; issue 5 wants it "
                 "above the best baseline on every collection, and no drop on mixed formats.\n")
        for name, c in colls.items():
            ci = _paired_ci(c)
            p = c["product"]["ndcg10"]
            d = c["baselines"].get("dense", {}).get("ndcg10")
            b = c["baselines"]
            best_name = max(b, key=lambda k: b[k]["ndcg10"])
            mixed = c.get("mixed", {}).get("ndcg10")
            parts = [f"vs MiniLM {p - d:+.2f}" if d is not None else "",
                     f"vs best baseline ({_label(best_name)}) {p - b[best_name]['ndcg10']:+.2f}",
                     f"mixed − txt {mixed - p:+.2f}" if mixed is not None else "mixed not run"]
            if ci:
                parts.append(f"paired bootstrap 95% interval of product − {_label(ci[0])}: "
                             f"[{ci[1]:+.2f}, {ci[2]:+.2f}] over {ci[3]} queries")
            L.append(f"- **{name}**: " + "; ".join(x for x in parts if x) + f" (measured {c['measured_at']})")
            if c.get("recoll_unavailable"):
                L.append(f"  - Recoll: {c['recoll_unavailable']}")
        L.append("")

        sweeps = [(n, c["sweep"]) for n, c in colls.items() if c.get("sweep") and c["sweep"].get("rows")]
        if sweeps:
            L.append("### Fusion weight sweep (benchmarks/sweep.py; nDCG@10 of the product's `rank()`)\n")
            ws = [r["weight"] for r in sweeps[0][1]["rows"]]
            L.append("| collection | " + " | ".join(f"w={w:g}" for w in ws) + " | best |")
            L.append("| --- | " + " | ".join("---:" for _ in ws) + " | --- |")
            for n, s in sweeps:
                L.append(f"| {n} | " + " | ".join(f1(r['ndcg10'], 2) for r in s["rows"])
                         + f" | w={s['best_weight']:g} ({f1(s['best_ndcg10'], 2)}) |")
            L.append(f"\nThe product's `LEXICAL_WEIGHT` is {sweeps[0][1].get('product_weight')}.\n")

        L.append("## Indexing speed (end to end through the CLI vs raw `model.encode`)\n")
        L.append("`product` = chunks_embedded / seconds from `index --json` (the model load before it "
                 "is not counted; wall time of the whole process is shown too). `raw` = "
                 "`SentenceTransformer.encode` (batch 32, one call, sorted by length internally) on the same "
                 "chunk texts the product embedded (heading + text), in the same run, right after. "
                 "Because other jobs share the machine, the same rates are also given per CPU-second "
                 "(user + system time of all threads; for the CLI minus the CPU time of `index` on an empty "
                 "folder, i.e. interpreter, imports and model load): far less disturbed by the load.\n")
        L.append("| collection | files | chunks | index s | process wall s | files/s | product chunks/s | "
                 "raw chunks/s | ratio (wall) | product chunks/CPU-s | raw chunks/CPU-s | ratio (CPU) |")
        L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, c in colls.items():
            i, r = c["index"], c["raw_encode"]
            L.append(f"| {name} (txt) | {i.get('indexed')} | {i.get('chunks')} | {f1(i.get('seconds'))} | "
                     f"{f1(i.get('wall_s'))} | {f1(i.get('files_per_s'))} | {f1(i.get('chunks_per_s'))} | "
                     f"{f1(r.get('chunks_per_s'))} | {f1(r.get('product_over_raw'), 2)} | "
                     f"{f1(i.get('chunks_per_cpu_s'))} | {f1(r.get('chunks_per_cpu_s'))} | "
                     f"{f1(r.get('product_over_raw_cpu'), 2)} |")
            if c.get("mixed"):
                mi = c["mixed"]["index"]
                L.append(f"| {name} (mixed) | {mi.get('indexed')} | {mi.get('chunks')} | {f1(mi.get('seconds'))} | "
                         f"{f1(mi.get('wall_s'))} | {f1(mi.get('files_per_s'))} | {f1(mi.get('chunks_per_s'))} | "
                         f"– | – | {f1(mi.get('chunks_per_cpu_s'))} | – | – |")
        L.append("")
        rec = [(n, c["baseline_info"].get("recoll")) for n, c in colls.items() if c["baseline_info"].get("recoll")]
        if rec:
            L.append("Recoll on the same txt files: " + "; ".join(
                f"{n} indexed at {r['docs_per_s']:.0f} docs/s, {r['query_ms']['median']:.0f} ms/query "
                f"(median, including process start)" for n, r in rec) + ".\n")

        L.append("## Query speed on the collections (`took_ms` from `search --queries -k 100 --json`)\n")
        L.append("| collection | chunks | median ms | p95 ms | first query ms |")
        L.append("| --- | ---: | ---: | ---: | ---: |")
        for name, c in colls.items():
            q = c["query_ms"]
            L.append(f"| {name} | {c['catalog']['chunks']} | {f1(q.get('median'))} | {f1(q.get('p95'))} | "
                     f"{f1(q.get('first_ms'))} |")
        L.append("")

    sp = rep.get("speed")
    if sp:
        L.append(f"## Query speed at scale (synthetic indexes; measured {sp['measured_at']})\n")
        L.append("Built through the engine API (`catalog.put_file` with `NewChunk` rows, `set_vectors`, "
                 "`vectors().add`, `save`): real prose chunk texts (windows of the dev collections' words), "
                 "synthetic vectors; queries are ~100 real queries embedded by the real model, each timed once "
                 "after 10 warm-up queries. `engine.search(q, k=10)`: total includes embedding the query; "
                 "'cached' repeats the query so the embedding comes from the engine's cache (the engine's "
                 "own part: ANN + word index + grouping + snippets).\n")
        L.append("| chunks | build s (usearch add/s) | total median / p95 ms | engine part (cached embedding) "
                 "median / p95 ms | k=100 engine part median / p95 | embed query median / p95 ms | "
                 "RSS idle MB (model alone) | index load s |")
        L.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for n, s in sp["sizes"].items():
            if "query" not in s:
                L.append(f"| {int(n):,} | error: {s.get('error', '')[-200:]!r} | | | | | | |")
                continue
            b, q = s["build"], s["query"]
            t, c, c100, e = (q["search_k10_ms"], q["search_k10_cached_embedding_ms"],
                             q["search_k100_cached_embedding_ms"], q["embed_query_ms"])
            L.append(f"| {int(n):,} | {f1(b['total_s'], 0)}{' (reused)' if b.get('reused') else ''} "
                     f"({f1(b['usearch_add_per_s'], 0)}) | {f1(t['median'])} / {f1(t['p95'])} | "
                     f"{f1(c['median'])} / {f1(c['p95'])} | {f1(c100['median'])} / {f1(c100['p95'])} | "
                     f"{f1(e['median'])} / {f1(e['p95'])} | {f1(q['rss_idle_mb'], 0)} ({f1(q['rss_model_mb'], 0)}) | "
                     f"{f1(q['vectors_load_s'], 2)} |")
        if "1000000" not in sp["sizes"]:
            L.append("\n1M chunks: not run (pass `--scale-1m`; building it takes tens of minutes on this "
                     "machine, mostly usearch adds on one thread).")
        vecs = {s["build"].get("vectors") for s in sp["sizes"].values() if "build" in s}
        L.append(f"\nVectors: {', '.join(sorted(v for v in vecs if v))}.\n")
        st = sp.get("startup")
        L.append("## Start-up\n")
        if st:
            L.append(f"- Process start to first query answered (CLI `search -k 10 --json`, a {st['chunks']:,}-chunk "
                     f"index, model + vectors loaded from disk): {', '.join(f'{w:.2f}' for w in st['cli_first_answer_s'])} s "
                     f"(median {st['median_s']:.2f} s). For scale: `desktop-search --version` "
                     f"(interpreter + CLI, no engine) {st.get('cli_version_s', float('nan')):.2f} s; "
                     f"`search --words-only` (no model, no vectors) {st.get('words_only_answer_s', float('nan')):.2f} s.")
        L.append("- **Window shown / first query in the window: TODO (UI engineer) — slot reserved.**")
        L.append("- **Keystroke to painted results at 100k chunks: TODO (UI engineer) — slot reserved.**\n")
        L.append(_targets(rep))

    ex = rep.get("exploration")
    if ex:
        L.append("## Exploration: other fusions and aggregations (benchmarks/explore.py; not the product)\n")
        L.append("Same candidate pools as the product's `rank()` (800 passages from the vector index and 800 "
                 "from FTS5 BM25), re-scored offline. nDCG@10 x 100; `product formula` re-implements the "
                 "current one (it must equal the sweep).\n")
        names = list(ex)
        variants = [r["variant"] for r in ex[names[0]]["rows"]]
        L.append("| variant | " + " | ".join(names) + " | mean |")
        L.append("| --- | " + " | ".join("---:" for _ in names) + " | ---: |")
        for v in variants:
            vals = [next((r["ndcg10"] for r in ex[n]["rows"] if r["variant"] == v), None) for n in names]
            ok = [x for x in vals if x is not None]
            L.append(f"| {v} | " + " | ".join(f1(x, 2) for x in vals)
                     + f" | {f1(sum(ok) / len(ok) if ok else None, 2)} |")
        L.append("")
    L.append("## Oddities seen in the product's output\n")
    any_odd = False
    for name, c in colls.items():
        for lab, chk in (("txt", c.get("checks")), ("mixed", (c.get("mixed") or {}).get("checks"))):
            if not chk:
                continue
            bad = {k: v for k, v in chk.items() if k not in ("hits", "examples", "no_position_by_ext") and v}
            if bad:
                any_odd = True
                L.append(f"- {name}/{lab}: " + ", ".join(f"{k}={v}" for k, v in bad.items())
                         + f" (of {chk['hits']} hits)")
                for e in chk["examples"][:6]:
                    L.append(f"  - `{e}`")
            if chk.get("no_position_by_ext"):
                any_odd = True
                L.append(f"- {name}/{lab}: hits with neither page nor line, by file type: "
                         f"{chk['no_position_by_ext']} (of {chk['hits']} hits)")
        for lab, cat in (("txt", c.get("catalog")), ("mixed", (c.get("mixed") or {}).get("catalog"))):
            if cat and cat.get("errors"):
                any_odd = True
                L.append(f"- {name}/{lab}: files not indexed: {cat['files']}; e.g. {cat['errors'][:3]}")
    for note in rep.get("notes", []):
        any_odd = True
        L.append(f"- {note}")
    if not any_odd:
        L.append("- none detected by the automatic checks.")
    L.append("")
    L.append("Raw per-query results: `.bench/<collection>/search-*.jsonl`; per-query nDCG in report.json.\n")
    pictures = BENCH / "PICTURES.md"   # hand-run: benchmarks/ocr.py and ocr_ir.py
    if pictures.exists():
        L.append(pictures.read_text(encoding="utf-8").strip() + "\n")
    notes = BENCH / "NOTES.md"
    if notes.exists():
        L.append("## Analysis (hand-written in benchmarks/NOTES.md; check its date against the numbers above)\n")
        L.append(notes.read_text(encoding="utf-8").strip() + "\n")
    return "\n".join(L)


def _targets(rep: dict) -> str:
    L = ["## Targets (issue 5) on this machine\n"]
    sp = rep.get("speed", {})
    s100 = sp.get("sizes", {}).get("100000", {}).get("query")
    if s100:
        c = s100["search_k10_cached_embedding_ms"]
        t = s100["search_k10_ms"]
        L.append(f"- Engine part of a query at 100k chunks, p95 <= 20 ms: p95 {c['p95']:.1f} ms "
                 f"({'met' if c['p95'] <= 20 else 'missed by ' + format(c['p95'] - 20, '.1f') + ' ms'}); with the query "
                 f"embedding (a new query) p95 {t['p95']:.1f} ms.")
    for n, c in rep.get("quality", {}).items():
        r, rc = c["raw_encode"].get("product_over_raw"), c["raw_encode"].get("product_over_raw_cpu")
        if r is not None:
            L.append(f"- Indexing >= 0.9 x raw model throughput ({n}): {r:.2f} x by wall time "
                     f"({'met' if r >= 0.9 else f'missed by {0.9 - r:.2f}'})"
                     + (f", {rc:.2f} x by CPU time ({'met' if rc >= 0.9 else f'missed by {0.9 - rc:.2f}'})"
                        if rc is not None else "") + ".")
    st = sp.get("startup")
    if st and st.get("chunks") == 100000:
        L.append(f"- First answer within 2 s of start on a persisted 100k-chunk index (CLI proxy): "
                 f"median {st['median_s']:.2f} s ({'met' if st['median_s'] <= 2 else 'missed by ' + format(st['median_s'] - 2, '.2f') + ' s'}).")
    L.append("")
    return "\n".join(L)


def _paired_ci(c: dict, n_boot: int = 2000) -> tuple | None:
    """95% bootstrap interval (over queries) of product − best baseline nDCG@10 x 100."""
    pq = c.get("per_query", {})
    b = c["baselines"]
    best = max(b, key=lambda k: b[k]["ndcg10"])
    if "product" not in pq or best not in pq:
        return None
    qs = [q for q in pq["product"] if q in pq[best]]
    if len(qs) < 5:
        return None
    diffs = [100 * (pq["product"][q] - pq[best][q]) for q in qs]
    import random

    r = random.Random(0)
    means = sorted(sum(r.choice(diffs) for _ in diffs) / len(diffs) for _ in range(n_boot))
    return best, means[int(0.025 * n_boot)], means[int(0.975 * n_boot) - 1], len(qs)


def _label(k: str) -> str:
    return dict(bm25="BM25", dense="MiniLM", rrf="RRF", recoll="Recoll").get(k, k)


def _lock(path: Path) -> bool:
    """One run at a time: two runs would rewrite each other's folders and report."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:
            pid = int(path.read_text().strip() or 0)
            os.kill(pid, 0)
        except PermissionError:
            pass                                 # alive, another user's
        except (ValueError, ProcessLookupError, OSError):
            path.unlink(missing_ok=True)        # stale: its run is gone
            return _lock(path)
        print(f"run.py: another benchmark run (pid {pid}) is using {BL.WORK}; wait for it "
              f"(or remove {path} if that is wrong)", file=sys.stderr)
        return False
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    import atexit

    atexit.register(lambda: path.unlink(missing_ok=True))
    return True


# -- main -----------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--collections", help="comma-separated (default: all in ../shared/data/ir)")
    ap.add_argument("--quick", action="store_true",
                    help="tiny run (150 docs of med, their queries) into .bench/quick/; for smoke tests")
    ap.add_argument("--skip-speed", action="store_true", help="no synthetic-scale or start-up timing")
    ap.add_argument("--skip-quality", action="store_true", help="speed only (keeps earlier quality results)")
    ap.add_argument("--skip-mixed", action="store_true", help="no mixed-format run")
    ap.add_argument("--skip-recoll", action="store_true")
    ap.add_argument("--skip-sweep", action="store_true", help="no lexical-weight sweep")
    ap.add_argument("--scale-sizes", default="10000,100000", help="synthetic index sizes (chunks)")
    ap.add_argument("--scale-1m", action="store_true", help="also 1,000,000 chunks (slow to build)")
    ap.add_argument("--rebuild-scale", action="store_true", help="rebuild synthetic indexes kept in .bench/scale")
    ap.add_argument("--out", help="folder for REPORT.md and report.json (default: benchmarks/)")
    ap.add_argument("--fresh", action="store_true", help="drop results kept from earlier runs")
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite REPORT.md from report.json (e.g. after editing NOTES.md); measures nothing")
    args = ap.parse_args()
    if args.render_only:
        out_dir = Path(args.out) if args.out else BENCH
        rep = json.loads((out_dir / "report.json").read_text())
        (out_dir / "REPORT.md").write_text(render(rep), encoding="utf-8")
        print(f"wrote {out_dir / 'REPORT.md'}")
        return 0

    if args.quick and args.out:
        BL.WORK = Path(args.out).resolve() / "work"
        os.environ["DESKTOP_SEARCH_BENCH_WORK"] = str(BL.WORK)
    out_dir = Path(args.out) if args.out else (BL.WORK / "quick" if args.quick else BENCH)
    out_dir.mkdir(parents=True, exist_ok=True)
    BL.WORK.mkdir(parents=True, exist_ok=True)
    if not _lock(BL.WORK / ("quick.lock" if args.quick else "run.lock")):
        return 3
    report_json = out_dir / "report.json"
    rep: dict = {}
    if report_json.exists() and not args.fresh and not args.quick:
        rep = json.loads(report_json.read_text())
    rep["machine"] = machine()
    rep["generated_at"] = NOW()
    rep["command"] = "python3 benchmarks/run.py " + " ".join(sys.argv[1:])
    rep.setdefault("quality", {})
    rep["notes"] = []

    if args.quick:
        todo = [("med-quick", make_quick_subset(150, "med"))]
        sizes, startup_at = [2000], 2000
    else:
        names = args.collections.split(",") if args.collections else available_collections()
        todo = [(n, IR_DIR / n) for n in names]
        sizes = [int(s) for s in args.scale_sizes.split(",") if s]
        if args.scale_1m and 1_000_000 not in sizes:
            sizes.append(1_000_000)
        startup_at = 100_000 if 100_000 in sizes else max(sizes)
    for n, src in todo:
        if not (src / "corpus.jsonl").exists():
            print(f"run.py: no collection {n} in {src.parent}", file=sys.stderr)
            return 2

    def save() -> None:
        rep["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        report_json.write_text(json.dumps(rep, indent=1))
        (out_dir / "REPORT.md").write_text(render(rep), encoding="utf-8")

    t0 = time.perf_counter()
    if not args.skip_quality:
        model = B.RawModel()
        for name, src in todo:
            log(f"== {name}")
            rep["quality"][name] = quality(name, src, args, model)
            save()
        del model
    if not args.skip_speed:
        rep["speed"] = speed(sizes, args, startup_at)
    rep["total_s"] = round(time.perf_counter() - t0, 1)
    save()
    log(f"wrote {out_dir / 'REPORT.md'} and {report_json} in {rep['total_s']:.0f} s")
    for name in [n for n, _ in todo]:
        c = rep["quality"].get(name)
        if c:
            print(f"{name}: product nDCG@10 {c['product']['ndcg10']:.2f} "
                  f"(mixed {c.get('mixed', {}).get('ndcg10', float('nan')):.2f}); "
                  + ", ".join(f"{k} {v['ndcg10']:.2f}" for k, v in c["baselines"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
