"""The long fuzz campaign: every reader, through the real sandboxed reader path, for
``--minutes`` each; prints per reader the inputs tried and what they came to.

  nice -n 10 python3 benchmarks/fuzz.py --minutes 3 [--only pdf,zip] [--seed 1]

The targets, their seeds (real files made by the libraries that write each format) and
their mutators are in ``tests/reliability/fuzz_targets.py`` (one registry: a new format
adds one entry). A crash is anything but a listed reason: a dead worker, an exception
escaping the reader, a part of a container lost without a reason. Each crasher is saved
under ``tests/reliability/fuzz_crashers/`` (the suite reads it again on every run: once it
is fixed it stays fixed). Prints one JSON line per reader, then a total.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def campaign(name: str, seconds: float, seed: int, *, keep: bool) -> dict:
    from desktop_search.core.indexing.sandbox import SandboxedExtractor
    from tests.reliability.fuzz_targets import TARGETS, Outcome, keep_crasher, run_one

    target = TARGETS[name]
    rng = random.Random(f"{seed}-{name}")
    counts: Counter[str] = Counter()
    crashes: list[dict] = []
    sandbox = SandboxedExtractor(timeout_s=20)
    target.seed_inputs()
    try:
        with tempfile.TemporaryDirectory(prefix="ds-fuzz-") as tmp:
            run_one(sandbox, target, target.seed_inputs()[0], Path(tmp))   # start the child
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                data = target.make_input(rng)
                outcome, why = run_one(sandbox, target, data, Path(tmp))
                counts[outcome.value] += 1
                if outcome is Outcome.CRASH:
                    saved = keep_crasher(target, data) if keep else None
                    crashes.append(dict(why=why[:200], file=str(saved) if saved else None))
    finally:
        sandbox.close()
    return dict(reader=name, inputs=sum(counts.values()), seconds=round(seconds),
                **{o.value: counts[o.value] for o in Outcome},
                restarts=sandbox.restarts, crashers=crashes[:20])


def main(argv: list[str] | None = None) -> int:
    from tests.reliability.fuzz_targets import TARGETS

    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=1.0, help="per reader")
    ap.add_argument("--only", default="", help="comma-separated readers (default: all)")
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--no-keep", action="store_true", help="do not save crashers")
    args = ap.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or sorted(TARGETS)
    # the readers' own chatter (odfpy prints the XML it cannot parse) goes to /dev/null;
    # the figures go to the real stdout
    out = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    total: Counter[str] = Counter()
    for name in names:
        res = campaign(name, args.minutes * 60, args.seed, keep=not args.no_keep)
        for k in ("inputs", "read", "refused", "hang", "crash"):
            total[k] += res[k]
        print(json.dumps(res), file=out, flush=True)
    print(json.dumps(dict(total=dict(total), minutes_per_reader=args.minutes, seed=args.seed,
                          load=round(os.getloadavg()[0], 1))), file=out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
