"""What the model chosen for a Portuguese folder costs to index, against the English model.

  python3 benchmarks/language_cost.py [--collection pira-pt] [--rounds 3]

The collection is written as text files (../shared/tools/beir_to_folder.py) and indexed
through the CLI into fresh data folders, alternating: default settings (the app chooses
the model for the files: the multilingual one for Portuguese) and ``all-MiniLM-L6-v2``
named in settings.json. CPU seconds of the `index` process and its children (robust to
other jobs on the machine), whole (start-up and model load included) and with the
start-up of an empty index taken off. Prints one JSON object: medians and their ratio.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as BL  # noqa: E402
import product as P  # noqa: E402
from benchlib import IR_DIR, load_collection, log, write_folder  # noqa: E402

SETUPS = {"chosen": {}, "english": {"model": "all-MiniLM-L6-v2"}}


def _vector_model(data: Path) -> str | None:
    import sqlite3

    con = sqlite3.connect(f"file:{data / 'catalog.sqlite3'}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'model_id'").fetchone()
    finally:
        con.close()
    return row[0] if row else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--collection", default="pira-pt")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    coll = load_collection(IR_DIR / a.collection)
    base = BL.WORK / "language_cost" / a.collection
    folder = write_folder(coll, base / "txt", "txt")
    runs: dict[str, list[dict]] = {k: [] for k in SETUPS}
    for r in range(a.rounds):
        for name, settings in SETUPS.items():
            s = P.index(folder, base / f"data-{name}", settings)
            model = _vector_model(base / f"data-{name}")
            runs[name].append(dict(cpu_s=s["cpu_s"], work_cpu_s=s["cpu_s"] - s["startup_cpu_s"],
                                   chunks=s.get("chunks_embedded"), model=model))
            log(f"round {r + 1} {name}: {runs[name][-1]}")
    med = {k: {m: round(statistics.median(x[m] for x in v), 2) for m in ("cpu_s", "work_cpu_s")}
           for k, v in runs.items()}
    out = dict(collection=a.collection, rounds=a.rounds, medians=med,
               chunks={k: v[-1]["chunks"] for k, v in runs.items()},
               models={k: v[-1]["model"] for k, v in runs.items()},
               chosen_over_english_cpu=round(med["chosen"]["cpu_s"] / med["english"]["cpu_s"], 2),
               chosen_over_english_work_cpu=round(
                   med["chosen"]["work_cpu_s"] / med["english"]["work_cpu_s"], 2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
