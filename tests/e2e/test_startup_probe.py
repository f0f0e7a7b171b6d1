"""The start-up probe the bundle's numbers come from: with it set, the window reports its
first paint (seconds since the process started) and quits by itself; without it, nothing
is printed (a person never sees it)."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow      # a real process that opens the window


def test_the_window_reports_its_first_paint_and_quits(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESKTOP_SEARCH_STARTUP_PROBE="1",
               DESKTOP_SEARCH_HOME=str(tmp_path / "data"))
    p = subprocess.run([sys.executable, "-m", "desktop_search"], env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    m = re.search(r"^first-paint-s (\d+\.\d{3})$", p.stderr, re.M)
    assert m is not None, p.stderr
    assert 0.0 < float(m.group(1)) < 120.0
