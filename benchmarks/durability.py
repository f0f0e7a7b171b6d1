"""What durable batch commits cost: indexing speed with the commit that ends each batch
of files at ``synchronous=FULL`` (the WAL fsynced: a power cut keeps it) against
``NORMAL`` (the old setting: a power cut may roll back the last commits), in one run.

  nice -n 10 python3 benchmarks/durability.py [--files 2000] [--repeat 3] [--data-on DIR]

``--files`` small text files indexed by the real pipeline (sandboxed reader, catalog,
word index) with a fake embedder (a hash of the words: the model's time, the same either
way, is left out, so this is the worst case for the commit's share). Runs alternate
FULL and NORMAL; medians; the data folder lies on ``--data-on`` (a real disk: on tmpfs
an fsync costs nothing). Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_files(folder: Path, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        (folder / f"note{i}.txt").write_text(
            f"Note {i}: the ferry to island {i % 23} leaves at {i % 12 + 1} o'clock; "
            f"bring ticket {5000 + i} and a coat.\n")


def index_once(folder: Path, data_on: Path, sync: str) -> tuple[float, int]:
    from desktop_search.core.engine import Engine
    from desktop_search.core.store import database
    from tests.conftest import HashEmbedder

    database.DURABLE_SYNC = sync
    with tempfile.TemporaryDirectory(dir=data_on) as data:
        eng = Engine(Path(data) / "d", embedder=HashEmbedder())
        eng.add_root(folder)
        svc = eng.index_service()
        t = time.perf_counter()
        svc.run_until_idle()
        took = time.perf_counter() - t
        n = eng.library.catalog.count_files() if hasattr(eng.library.catalog, "count_files") \
            else eng.library.catalog.count_chunks()
        eng.close()
    return took, n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data-on", default=str(ROOT))
    args = ap.parse_args(argv)
    times: dict[str, list[float]] = {"FULL": [], "NORMAL": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "notes"
        make_files(folder, args.files)
        index_once(folder, Path(args.data_on), "NORMAL")      # warm caches and imports
        for _ in range(args.repeat):
            for sync in ("FULL", "NORMAL"):
                times[sync].append(index_once(folder, Path(args.data_on), sync)[0])
    full, normal = statistics.median(times["FULL"]), statistics.median(times["NORMAL"])
    print(json.dumps(dict(files=args.files, repeat=args.repeat, full_s=round(full, 2),
                          normal_s=round(normal, 2), full_vs_normal=round(full / normal, 3),
                          load=os.getloadavg()[0], runs=times)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
