"""How much CPU the indexer takes while the user is busy: real CPU burners, a real index.

The indexer runs in its own process (the real packaged model, loaded before the clock
starts) over a generated folder of text files, while BURNERS processes that are not its
children (the user's programs) spin. Its CPU time (with its reader children) over a
window of WINDOW_S seconds is compared with the machine's capacity and with the
burners' own:

  cli       ``run_until_idle`` in the main thread: normal priority, never waits (the
            CLI's ``index``; the behaviour before polite indexing)
  idle-prio the background worker with the conditions ignored: the lowest priority only
  polite    the background worker heeding the real conditions (psutil): it waits while
            the computer is busy, at the lowest priority (the product)
  alone     polite, no burners: it works when the machine is free

    PYTHONPATH=. python benchmarks/polite.py [--files 3000] [--window 20] [--burners 4]

A benchmark, not a test: its numbers depend on the machine and its other load.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

WORDS = ("harbour lighthouse keeper ferry tide compost allotment invoice ledger quarterly "
         "sourdough oven rocket orbit stage engine guitar chord rhythm garden tomato "
         "budget committee review meeting minutes volcano glacier river bridge").split()


def make_corpus(folder: Path, n: int) -> None:
    import random

    rnd = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = " ".join(rnd.choice(WORDS) for _ in range(120))
        (folder / f"doc{i:05d}.txt").write_text(f"Document {i}. {text}.\n", encoding="utf-8")


def child(mode: str, data: str, corpus: str) -> None:
    from desktop_search.core.engine import Engine
    from desktop_search.core.indexing.polite import SystemConditions, Unconditional

    conditions = SystemConditions() if mode in ("polite", "alone") else Unconditional()
    eng = Engine(data, conditions=conditions)
    eng.embedder()            # the model loads before the clock starts
    eng.add_root(corpus)
    print("ready", flush=True)
    if mode == "cli":
        eng.index_service().run_until_idle()
    else:
        svc = eng.index_service()
        svc.start(watch=False)
        svc.wait_idle()
    print("done", flush=True)
    time.sleep(3600)


def cpu_of(proc: psutil.Process) -> float:
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def start_burners(n: int) -> list[psutil.Process]:
    """Spinning processes that are not our children (a shell starts them and exits)."""
    burn = f"{sys.executable} -c 'while True: pass' >/dev/null 2>&1 & echo $!"
    return [psutil.Process(int(subprocess.check_output(["sh", "-c", burn], text=True)))
            for _ in range(n)]


def run(mode: str, corpus: Path, burners: int, window: float) -> dict:
    data = tempfile.mkdtemp(prefix=f"ds-polite-{mode}-")
    env = dict(os.environ, PYTHONPATH=os.getcwd(), HF_HUB_OFFLINE="1")
    env.pop("DESKTOP_SEARCH_IGNORE_CONDITIONS", None)
    proc = subprocess.Popen([sys.executable, __file__, "--child", mode, data, str(corpus)],
                            stdout=subprocess.PIPE, text=True, env=env)
    burn: list[psutil.Process] = []
    try:
        assert proc.stdout.readline().strip() == "ready"
        ps = psutil.Process(proc.pid)
        burn = start_burners(burners)
        time.sleep(2.0)       # the conditions see the load (polite reads every 2 s)
        c0, b0, t0 = cpu_of(ps), sum(cpu_of(b) for b in burn), time.monotonic()
        sys_t0 = psutil.cpu_times()
        time.sleep(window)
        c1, b1, t1 = cpu_of(ps), sum(cpu_of(b) for b in burn), time.monotonic()
        sys_t1 = psutil.cpu_times()
        cores = psutil.cpu_count() or 1
        wall = t1 - t0
        idx, brn = c1 - c0, b1 - b0
        sys_busy = ((sum(sys_t1) - sys_t1.idle) - (sum(sys_t0) - sys_t0.idle))
        return dict(mode=mode, burners=burners, window_s=round(wall, 1), cores=cores,
                    indexer_cpu_s=round(idx, 2),
                    indexer_share_of_machine=round(idx / (wall * cores), 4),
                    indexer_share_of_used=round(idx / max(1e-9, idx + brn), 4),
                    burners_cpu_s=round(brn, 2),
                    others_cpu_s=round(max(0.0, sys_busy - idx - brn), 2))
    finally:
        for b in burn:
            try:
                b.kill()
            except psutil.Error:
                pass
        proc.kill()
        proc.wait()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--window", type=float, default=20.0)
    ap.add_argument("--burners", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", default="benchmarks/polite.json")
    args = ap.parse_args()
    corpus = Path(tempfile.mkdtemp(prefix="ds-polite-corpus-")) / "docs"
    make_corpus(corpus, args.files)
    rows = []
    for _ in range(args.repeat):
        for mode, n in (("cli", args.burners), ("idle-prio", args.burners),
                        ("polite", args.burners), ("alone", 0)):
            r = run(mode, corpus, n, args.window)
            print(json.dumps(r), flush=True)
            rows.append(r)
    summary = {}
    for mode in ("cli", "idle-prio", "polite", "alone"):
        rs = [r for r in rows if r["mode"] == mode]
        summary[mode] = {k: statistics.median(r[k] for r in rs)
                         for k in ("indexer_share_of_machine", "indexer_share_of_used")}
    Path(args.out).write_text(json.dumps(dict(runs=rows, median=summary), indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
