"""Time from process start to the window's first paint: the bundle against the pip install,
alternating, each run with a fresh data folder (offscreen; the start-up probe of
desktop_search/ui/startup_probe.py). Prints each time and the medians.

    python packaging/measure_start.py BUNDLE_EXECUTABLE [RUNS]
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def first_paint(cmd: list[str], home: str) -> tuple[float, float]:
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen", "DESKTOP_SEARCH_STARTUP_PROBE": "1",
           "DESKTOP_SEARCH_HOME": os.path.join(home, "data")}
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
    exe, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
    kinds = {"bundle": [exe], "pip": [sys.executable, "-m", "desktop_search"]}
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
