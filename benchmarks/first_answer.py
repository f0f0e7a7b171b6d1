"""Seconds from adding a folder to its first answer ("searchable at once", issue 5.3).

Adds a written collection (default: med as .txt files, from benchmarks/run.py's work
folder or written here) to a fresh data folder with the indexing service running, and
polls the word index and the full (dense + words) search until a query's judged answer
appears in the top 10. Prints JSON.

  python3 benchmarks/first_answer.py [--collection med]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--collection", default="med")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from desktop_search.core.engine import Engine

    work = ROOT / ".bench" / "first-answer" / a.collection
    if not (work / "docs").exists():
        subprocess.run([sys.executable, str(SHARED / "tools" / "beir_to_folder.py"),
                        str(SHARED / "data" / "ir" / a.collection), str(work)], check=True)
    files = json.loads((work / "files.json").read_text())
    by_id = {v: k for k, v in files.items()}
    queries = dict(l.rstrip("\n").split("\t", 1) for l in open(work / "queries.tsv", encoding="utf-8"))
    qrels = {}
    for line in open(work / "qrels.tsv", encoding="utf-8"):
        q, d, g = line.split("\t")
        if int(g) > 0:
            qrels.setdefault(q, set()).add(d)
    qid = next(q for q in queries if q in qrels)
    query, wanted = queries[qid], {str(work / "docs" / by_id[d]) for d in qrels[qid] if d in by_id}

    data = Path(tempfile.mkdtemp(prefix="ds-first-"))
    eng = Engine(data)
    svc = eng.index_service()
    t0 = time.monotonic()
    svc.start(watch=False)
    svc.add_root(str(work / "docs"))
    words_at = dense_at = None
    tick = threading.Event()
    while dense_at is None and time.monotonic() - t0 < 3600:
        if words_at is None and wanted & {h.path for h in eng.search(query, k=10, dense=False)}:
            words_at = time.monotonic() - t0
        if eng.model_ready and eng.library.count_unembedded() == 0:
            if wanted & {h.path for h in eng.search(query, k=10)}:
                dense_at = time.monotonic() - t0
        tick.wait(0.05)
    svc.stop()
    st = eng.catalog.stats()
    eng.close()
    shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(dict(collection=a.collection, files=len(files), chunks=st.chunks,
                          query=query, first_word_answer_s=round(words_at or -1, 2),
                          fully_embedded_answer_s=round(dense_at or -1, 2))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
