"""Indexing end to end against the model alone, per CPU-second, on the same passages.

  python3 benchmarks/index_speed.py [--collection msmarco] [--files 600] [--per-file 1]
      [--backend auto]

1. The product: `desktop-search index` on a folder of files of ``--per-file`` corpus
   passages each (1: many small files, the hard case: one extraction, one catalog write
   per file; 100: big files, chunked by the product), CPU seconds
   of the process and its children minus those of `index` on an empty folder (start-up
   and model load).
2. In a fresh process, the very passages the product embedded (heading + text, read back
   from its catalog), embedded in one call by
   - the product's own embedder (`embed_documents`, the same backend and precision), and
   - sentence-transformers `model.encode` (torch, batch 32, sorted by length inside).

Prints one JSON object: passages per CPU-second for each and the ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as BL  # noqa: E402
import product as P  # noqa: E402
from benchlib import IR_DIR, load_collection, log  # noqa: E402

_RAW = r"""
import json, sys
sys.path.insert(0, sys.argv[4])
import product as P
texts = json.load(open(sys.argv[1]))
which, backend = sys.argv[2], sys.argv[3]
if which == "product":
    from desktop_search.config import Settings
    from desktop_search.core.embed import embedder_for

    class Encoder:                       # raw_encode_rate calls model.encode(texts, batch_size=)
        def __init__(self, emb):
            self.emb = emb
            emb.load()

        def encode(self, texts, batch_size=None):
            return self.emb.embed_documents(texts)

    model = Encoder(embedder_for(Settings(backend=backend)))
else:
    from baselines import RawModel
    model = RawModel().model
print(json.dumps(P.raw_encode_rate(texts, model)))
"""


def raw_rate(texts_file: Path, which: str, backend: str) -> dict:
    """In a fresh process: ``product.raw_encode_rate`` of the product's embedder or of
    sentence-transformers (one call on all the texts, after a warm-up)."""
    p = subprocess.run([sys.executable, "-c", _RAW, str(texts_file), which, backend,
                        str(Path(__file__).resolve().parent)], capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"{which} encode failed:\n{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--collection", default="msmarco")
    ap.add_argument("--files", type=int, default=600)
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--per-file", type=int, default=1,
                    help="passages joined into each file (1: many small files; 100: big files)")
    a = ap.parse_args()
    coll = load_collection(IR_DIR / a.collection)
    base = BL.WORK / "index_speed"
    docs = base / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    items = list(coll.corpus.items())[:a.files * a.per_file]
    for start in range(0, len(items), a.per_file):
        part = [f"{title}\n\n{text}" if title else text for _, (title, text) in items[start:start + a.per_file]]
        (docs / f"{items[start][0]}.txt").write_text("\n\n".join(part), encoding="utf-8")
    data = base / "data"
    summary = P.index(docs, data, dict(backend=a.backend))
    n = summary.get("chunks_embedded", 0)
    texts = P.chunk_texts(data)
    tf = base / "texts.json"
    tf.write_text(json.dumps(texts))
    own = raw_rate(tf, "product", a.backend)
    torch_ = raw_rate(tf, "torch", a.backend)
    work_cpu = summary["cpu_s"] - summary["startup_cpu_s"]
    out = dict(collection=a.collection, files=a.files, per_file=a.per_file, passages=n,
               backend=a.backend,
               product_cpu_s=round(work_cpu, 2),
               product_per_cpu_s=round(n / work_cpu, 1),
               own_embedder_per_cpu_s=round(len(texts) / own["cpu_s"], 1),
               torch_encode_per_cpu_s=round(len(texts) / torch_["cpu_s"], 1),
               product_over_own_embedder=round((n / work_cpu) / (len(texts) / own["cpu_s"]), 3),
               product_over_torch_encode=round((n / work_cpu) / (len(texts) / torch_["cpu_s"]), 3),
               load=round(os.getloadavg()[0], 1),
               at=time.strftime("%Y-%m-%d %H:%M"))
    log(json.dumps(out))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
