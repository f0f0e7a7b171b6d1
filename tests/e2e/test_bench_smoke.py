"""Keeps the benchmark harness working: a tiny run, no timing asserted."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the benchmark harness, in processes

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "ir" / "med"


@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared/data/ir (benchmarks only)")
def test_quick_benchmark_runs(tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                        "--out", str(tmp_path / "quick")],
                       capture_output=True, text=True, timeout=900, env=env, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-3000:]
    report = tmp_path / "quick" / "report.json"
    assert report.is_file(), p.stdout[-2000:]
    rep = json.loads(report.read_text())
    q = rep["quality"]["med-quick"]
    # every document indexed and embedded, none failed
    assert q["documents"] > 0 and q["queries"] > 0
    assert q["index"]["indexed"] == q["documents"] and q["index"]["failed"] == 0
    assert q["index"]["chunks_embedded"] == q["index"]["chunks"] > 0
    # the harness's own checks of every hit: none broken
    checks = q["checks"]
    assert checks["hits"] > 0
    assert {k: v for k, v in checks.items() if isinstance(v, int) and k != "hits" and v} == {}
    # the product finds by meaning (nDCG@10 x 100; far above chance, no target asserted)
    assert 50 <= q["product"]["ndcg10"] <= 100
    assert rep["speed"]["startup"]["ok"] is True
    assert "med-quick" in (tmp_path / "quick" / "REPORT.md").read_text()
