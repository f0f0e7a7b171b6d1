"""Global shortcut latency: from the chord pressed (xdotool, through the X server) to
the window in front with its query field focused, on Xvfb with openbox. The window is
minimised and another program's window is active before each press (the issue's
target: median <= 0.5 s over 10). Also times ``desktop-search --toggle`` (a process
started per press, as a desktop's custom shortcut does).

    PYTHONPATH=. python benchmarks/hotkey.py [--runs 10]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.x11_session import ROOT, WindowProcess, XSession, missing  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    why = missing()
    if why:
        print(f"cannot run: {why}")
        return 1
    with tempfile.TemporaryDirectory() as tmp, XSession(Path(tmp)) as x:
        data = Path(tmp) / "data"
        win = WindowProcess(x, data)
        wid = int(win.wait_for("ready", timeout=120)[1])
        other = x.other_window()
        chord, toggle = [], []
        for how, times in (("chord", chord), ("toggle", toggle)):
            for _ in range(args.runs):
                x.x("xdotool", "windowminimize", "--sync", str(wid))
                x.x("xdotool", "windowactivate", "--sync", str(other))
                time.sleep(0.6)               # the hide settles (see SearchWindow.show_and_raise)
                win.drain()
                t0 = time.time()
                if how == "chord":
                    x.x("xdotool", "key", "ctrl+alt+space")
                else:
                    subprocess.run([sys.executable, "-m", "desktop_search", "--data-dir", str(data),
                                    "--toggle"], env=x.env(PYTHONPATH=str(ROOT)), check=True,
                                   timeout=60)
                front = float(win.wait_for("front", timeout=10)[1])
                assert x.active_window() == wid
                times.append(front - t0)
        win.proc.terminate()
        win.proc.wait(30)
    for name, times in (("chord", chord), ("--toggle", toggle)):
        ms = sorted(t * 1000 for t in times)
        print(f"{name}: median {statistics.median(ms):.0f} ms, min {ms[0]:.0f}, max {ms[-1]:.0f} "
              f"(n={len(ms)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
