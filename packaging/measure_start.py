"""Time from process start to the window's first paint: the bundle against the pip install,
alternating, each run with a fresh data folder and home (offscreen; the start-up probe of
desktop_search/ui/startup_probe.py). Prints each time and the medians. Several bundles
(two builds to compare) are run in turn with the pip install.

    python packaging/measure_start.py RUNS BUNDLE_EXECUTABLE [BUNDLE_EXECUTABLE...]
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


#: one graph cache for every run: the pip install exports its graph (torch, ~40 s) on the
#: first run only, as for a person; the bundle never builds one
CACHE = tempfile.mkdtemp(prefix="ds-start-cache-")


def first_paint(cmd: list[str], home: str) -> tuple[float, float]:
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen", "DESKTOP_SEARCH_STARTUP_PROBE": "1",
           "DESKTOP_SEARCH_HOME": os.path.join(home, "data"), "DESKTOP_SEARCH_CACHE": CACHE}
    if "PYTHONPATH" in os.environ and cmd[0] == sys.executable:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - t0
    m = re.search(r"first-paint-s ([0-9.]+)", p.stderr)
    if p.returncode != 0 or m is None:
        raise SystemExit(f"{cmd[0]} failed ({p.returncode}): {p.stderr[-2000:]}")
    return float(m.group(1)), wall


def main() -> int:
    runs, exes = int(sys.argv[1]), sys.argv[2:]
    kinds = {f"bundle {i + 1}" if len(exes) > 1 else "bundle": [exe] for i, exe in enumerate(exes)}
    kinds["pip"] = [sys.executable, "-m", "desktop_search"]
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for i in range(runs):
        for name, cmd in kinds.items():
            with tempfile.TemporaryDirectory(prefix="ds-start-") as home:
                paint, wall = first_paint(cmd, home)
            times[name].append(paint)
            print(f"run {i + 1} {name}: first paint {paint:.3f} s (process wall {wall:.3f} s)")
    print(f"load average: {os.getloadavg()}")
    for name, values in times.items():
        print(f"{name}: median first paint {statistics.median(values):.3f} s over {runs} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
