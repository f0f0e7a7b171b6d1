"""The word index alone, in process: nDCG@10 and query time of the product's word index
beside the SQLite FTS5 index it replaced (porter unicode61, OR of the query's words), on
the same passages in the same run.

  python3 benchmarks/words.py                       # every collection in shared/data/ir
  python3 benchmarks/words.py --collections pira-pt
  python3 benchmarks/words.py --scale .bench/scale/100000 --queries .bench/scale_queries.txt
      (a scale.py index: the word index's query time beside FTS5 built on the same passages)

Documents are chunked as the indexer chunks a .txt file (title line, blank line, text);
the heading is the title. Ranking is per file (its best passage), words only.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import IR_DIR, available_collections, evaluate, load_collection, summary_ms  # noqa: E402

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_OLD_STOP = frozenset("""a an and are as at be but by for from has have if in into is it its of on or
such that the their then there these they this to was were what when where which who will with
how do does did can could should would about i you we he she them our your my me us not no""".split())


def old_fts_query(query: str) -> str:
    words = [w.lower() for w in _WORD_RE.findall(query)]
    terms = [w for w in words if w not in _OLD_STOP] or words
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in dict.fromkeys(terms))


def run(name: str, depth: int = 100) -> dict:
    from desktop_search.core.indexing.chunk import chunk_text
    from desktop_search.core.search import rank
    from desktop_search.core.store import Library, NewChunk

    coll = load_collection(IR_DIR / name)
    tmp = Path(tempfile.mkdtemp(prefix=f"words-{name}-"))
    lib = Library(tmp)
    cat = lib.catalog
    fts = sqlite3.connect(":memory:")
    fts.execute("CREATE VIRTUAL TABLE f USING fts5(heading, body, "
                "tokenize='porter unicode61 remove_diacritics 2')")
    doc_of: dict[int, str] = {}
    t = time.perf_counter()
    for did, (title, text) in coll.corpus.items():
        full = f"{title}\n\n{text}\n" if title else f"{text}\n"
        chunks = [NewChunk(c.start, c.end, None, None, c.text) for c in chunk_text(full)]
        fid = lib.put_file(path=f"/c/{did}.txt", root_id=None, size=len(full), mtime_ns=0,
                           digest=None, kind="text", title=None, heading=title or did,
                           chunks=chunks)
        doc_of[fid] = did
        for row in cat.chunks_of_file(fid):
            fts.execute("INSERT INTO f(rowid, heading, body) VALUES(?,?,?)",
                        (row.id, (title or did) if row.ord == 0 else "", row.text))
    index_s = time.perf_counter() - t
    file_of = {}
    for fid, did in doc_of.items():
        for row in cat.chunks_of_file(fid):
            file_of[row.id] = did
    qids = coll.judged_queries
    new_run, old_run, new_ms, old_ms = {}, {}, [], []
    for q in qids:
        text = coll.queries[q]
        a = time.perf_counter()
        hits = rank(library=lib, query=text, query_vec=None, vectors=None, k=depth)
        new_ms.append((time.perf_counter() - a) * 1000)
        new_run[q] = [doc_of[h.file_id] for h in hits]
        a = time.perf_counter()
        expr = old_fts_query(text)
        rows = fts.execute("SELECT rowid, -bm25(f, 2.0, 1.0) FROM f WHERE f MATCH ? "
                           "ORDER BY bm25(f, 2.0, 1.0) LIMIT ?", (expr, 200)).fetchall() if expr else []
        best: dict[str, float] = {}
        for cid, s in rows:
            d = file_of[cid]
            best[d] = max(best.get(d, -1e9), s)
        old_ms.append((time.perf_counter() - a) * 1000)
        old_run[q] = sorted(best, key=lambda d: -best[d])[:depth]
    langs = dict(lib.words.languages)
    lib.close()
    return dict(collection=name, passages=len(file_of), index_s=round(index_s, 1),
                languages=langs, words=evaluate(new_run, coll), fts5=evaluate(old_run, coll),
                words_rank_ms=summary_ms(new_ms), fts5_ms=summary_ms(old_ms))


def scale(data_dir: Path, queries: list[str], *, fts5: bool = True) -> dict:
    """Query time of the word index on a big data folder, and of FTS5 on the same text."""
    from desktop_search.core.search import ask
    from desktop_search.core.store import Library

    t = time.perf_counter()
    lib = Library(data_dir)
    cat = lib.catalog
    open_s = time.perf_counter() - t
    ready = lib.feed.ready(timeout=600)
    out: dict = dict(passages=len(lib.words), open_s=round(open_s, 2), words_ready=ready,
                     opened_from=lib.feed.opened_from, segments=len(lib.words._segments))

    def lexical(q: str) -> None:
        lib.words.search(list(ask(q, index_languages=lib.words.index_languages()).words), 200)

    for q in queries[:10]:
        lexical(q)
    ms, cpu = [], []
    for q in queries:
        a, c = time.perf_counter(), time.process_time()
        lexical(q)
        ms.append((time.perf_counter() - a) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    out["words_lexical_pool200_ms"] = summary_ms(ms)
    out["words_lexical_pool200_cpu_ms"] = summary_ms(cpu)
    if fts5:
        tmp = Path(tempfile.mkdtemp(prefix="fts5-"))
        fts = sqlite3.connect(tmp / "fts.sqlite3")
        fts.execute("CREATE VIRTUAL TABLE f USING fts5(heading, body, "
                    "tokenize='porter unicode61 remove_diacritics 2')")
        t = time.perf_counter()
        conn = cat.connection()
        fts.execute("BEGIN")
        for r in conn.execute("SELECT c.id, CASE WHEN c.ord=0 THEN f.heading ELSE '' END, c.text "
                              "FROM chunks c JOIN files f ON f.id=c.file_id"):
            fts.execute("INSERT INTO f(rowid, heading, body) VALUES(?,?,?)", r)
        fts.execute("COMMIT")
        out["fts5_build_s"] = round(time.perf_counter() - t, 1)
        ms, cpu = [], []
        for q in queries[:10]:
            fts.execute("SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f, 2.0, 1.0) LIMIT 200",
                        (old_fts_query(q),)).fetchall()
        for q in queries:
            a, c = time.perf_counter(), time.process_time()
            fts.execute("SELECT rowid, -bm25(f, 2.0, 1.0) FROM f WHERE f MATCH ? "
                        "ORDER BY bm25(f, 2.0, 1.0) LIMIT 200", (old_fts_query(q),)).fetchall()
            ms.append((time.perf_counter() - a) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        out["fts5_pool200_ms"] = summary_ms(ms)
        out["fts5_pool200_cpu_ms"] = summary_ms(cpu)
        fts.close()
        shutil.rmtree(tmp, ignore_errors=True)
    lib.close()
    return out


def synthetic(n: int, queries: list[str], folder: Path) -> dict:
    """The word index alone on n synthetic passages made as scale.py makes them (70-word
    windows of the collections' text, a 3-word heading on every tenth): build (as a
    rebuild from the catalog would), save, reopen memory-mapped in a fresh index, query."""
    import numpy as np

    from benchlib import rss_mb
    from scale import CHUNKS_PER_FILE, WORDS_PER_CHUNK, corpus_words

    from desktop_search.core.analyze import query_words
    from desktop_search.core.store.word_index import Source, WordIndex

    gen = np.random.default_rng(0)
    W = np.array(corpus_words(), dtype=object)

    def batches():
        for lo in range(0, n, 20000):
            out = []
            for i in range(lo, min(n, lo + 20000)):
                s = int(gen.integers(0, len(W) - WORDS_PER_CHUNK))
                heading = " ".join(W[gen.integers(0, len(W), 3)]) if i % CHUNKS_PER_FILE == 0 else ""
                out.append(Source(i + 1, " ".join(W[s:s + WORDS_PER_CHUNK]), heading, "en"))
            yield out

    idx = WordIndex(folder=folder)
    t, c = time.perf_counter(), time.process_time()
    idx.rebuild(batches())
    build_s, build_cpu_s = time.perf_counter() - t, time.process_time() - c
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    del idx
    rss0 = rss_mb()
    t = time.perf_counter()
    idx = WordIndex(folder=folder)
    assert idx.load()
    load_s = time.perf_counter() - t
    langs = ["en"]
    for q in queries[:10]:
        idx.search(query_words(q, languages=langs), 200)
    ms = []
    for q in queries:
        a = time.perf_counter()
        idx.search(query_words(q, languages=langs), 200)
        ms.append((time.perf_counter() - a) * 1000)
    cpu = []
    for q in queries:
        c = time.process_time()
        idx.search(query_words(q, languages=langs), 200)
        cpu.append((time.process_time() - c) * 1000)
    rss_queried = rss_mb()
    idx.release_pages()
    rss_released = rss_mb()
    return dict(passages=n, build_s=round(build_s, 1), build_cpu_s=round(build_cpu_s, 1),
                rss_after_release_over_start_mb=round((rss_released or 0) - (rss0 or 0), 1),
                passages_per_cpu_s=round(n / build_cpu_s), search_pool200_cpu_ms=summary_ms(cpu),
                disk_mb=round(size / 2**20, 1), segments=len(idx._segments),
                load_s=round(load_s, 3), rss_after_queries_over_start_mb=round((rss_queried or 0) - (rss0 or 0), 1),
                search_pool200_ms=summary_ms(ms))


def engine_words(n: int, data_dir: Path, queries: list[str]) -> dict:
    """The engine answering by words alone (no vectors) on n synthetic passages written
    straight into a catalog (seconds, where scale.py's vectors take hours on a loaded
    machine): open, rebuild of the word index from the catalog in the background, first
    answer, then the engine's time a query (k=10: words, candidate rows, snippets); then
    the same from the saved snapshot."""
    import numpy as np

    from benchlib import rss_mb
    from scale import CHUNKS_PER_FILE, WORDS_PER_CHUNK, corpus_words

    from desktop_search.core.store.catalog import Catalog
    from desktop_search.core.engine import Engine

    if not (data_dir / "catalog.sqlite3").exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        Catalog(data_dir / "catalog.sqlite3").close()
        shutil.rmtree(data_dir / "words", ignore_errors=True)
        W = np.array(corpus_words(), dtype=object)
        gen = np.random.default_rng(0)
        db = sqlite3.connect(data_dir / "catalog.sqlite3")
        db.execute("BEGIN")
        db.execute("INSERT INTO roots(path, added_at) VALUES('/synthetic', 0)")
        files, chunks = [], []
        for fi in range(n // CHUNKS_PER_FILE):
            heading = " ".join(W[gen.integers(0, len(W), 3)])
            files.append((fi + 1, f"/synthetic/d{fi // 1000:04d}/{heading.replace(' ', '_')[:60]}_{fi}.txt",
                          1, 1000, 0, "text", heading, "en", "indexed", CHUNKS_PER_FILE))
            for k in range(CHUNKS_PER_FILE):
                st = int(gen.integers(0, len(W) - WORDS_PER_CHUNK))
                text = " ".join(W[st:st + WORDS_PER_CHUNK])
                chunks.append((fi + 1, k, 0, len(text), 1, text))
        db.executemany("INSERT INTO files(id, path, root_id, size, mtime_ns, kind, heading, lang, "
                       "state, n_chunks) VALUES(?,?,?,?,?,?,?,?,?,?)", files)
        db.executemany("INSERT INTO chunks(file_id, ord, start, end, line, text) VALUES(?,?,?,?,?,?)",
                       chunks)
        db.execute("COMMIT")
        db.close()
    out = {}
    for label in ("rebuilt", "snapshot"):
        t = time.perf_counter()
        eng = Engine(data_dir)
        r = dict(open_s=round(time.perf_counter() - t, 2), opened_from=eng.library.feed.opened_from)
        eng.search(queries[0], k=10, dense=False)
        r["first_answer_s"] = round(time.perf_counter() - t, 2)
        a = time.perf_counter()
        eng.library.feed.ready(timeout=1800)
        r["whole_s"] = round(time.perf_counter() - a, 1)
        for q in queries[:10]:
            eng.search(q, k=10, dense=False)
        ms, cpu = [], []
        for q in queries[10:]:
            a, c = time.perf_counter(), time.process_time()
            eng.search(q, k=10, dense=False)
            ms.append((time.perf_counter() - a) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        r["search_k10_words_only_ms"] = summary_ms(ms)
        r["search_k10_words_only_cpu_ms"] = summary_ms(cpu)
        time.sleep(1.5)
        r["rss_idle_mb"] = rss_mb()
        eng.close()
        out[label] = r
    return dict(passages=n, **out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--collections", default=",".join(available_collections()))
    ap.add_argument("--scale", help="a data folder built by scale.py")
    ap.add_argument("--queries", help="with --scale: queries, one a line")
    ap.add_argument("--no-fts5", action="store_true")
    ap.add_argument("--synthetic", type=int, help="the word index alone on N synthetic passages")
    ap.add_argument("--engine", type=int, metavar="N",
                    help="the engine by words alone on N synthetic passages in --dir")
    ap.add_argument("--dir", help="with --engine: the data folder (made when missing)")
    a = ap.parse_args()
    if a.engine:
        qs = [l.rstrip("\n").split("\t")[-1] for l in open(a.queries, encoding="utf-8") if l.strip()]
        if (Path(a.dir) / "words").exists():
            shutil.rmtree(Path(a.dir) / "words")     # measure the rebuild every time
        print(json.dumps(engine_words(a.engine, Path(a.dir), qs)), flush=True)
        return
    if a.synthetic:
        qs = [l.rstrip("\n").split("\t")[-1] for l in open(a.queries, encoding="utf-8") if l.strip()]
        folder = Path(tempfile.mkdtemp(prefix="words-synth-"))
        try:
            print(json.dumps(synthetic(a.synthetic, qs, folder / "words")), flush=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if a.scale:
        qs = [l.rstrip("\n").split("\t")[-1] for l in open(a.queries, encoding="utf-8") if l.strip()]
        print(json.dumps(scale(Path(a.scale), qs, fts5=not a.no_fts5)), flush=True)
        return
    for name in a.collections.split(","):
        print(json.dumps(run(name)), flush=True)


if __name__ == "__main__":
    main()
