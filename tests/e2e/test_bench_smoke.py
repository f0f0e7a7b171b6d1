"""Keeps the benchmark harness working: a tiny run, no timing asserted."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "ir" / "med"


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data/ir (benchmarks only)")
def test_quick_benchmark_runs(tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                        "--out", str(tmp_path / "quick")],
                       capture_output=True, text=True, timeout=900, env=env, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-3000:]
    out = list((tmp_path / "quick").rglob("*.json"))
    assert out, p.stdout[-2000:]
    rep = json.loads(out[0].read_text())
    assert rep
