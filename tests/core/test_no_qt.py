"""The core and the CLI run where Qt is not installed: nothing in them imports PySide6."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # fresh interpreters that import everything
def test_core_and_cli_import_and_run_without_pyside6(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text("The orchestra rehearsed the symphony all evening.")
    code = textwrap.dedent(f"""
        import importlib, pkgutil, sys

        class NoQt:
            def find_spec(self, name, path=None, target=None):
                if name == "PySide6" or name.startswith(("PySide6.", "shiboken6")):
                    raise ImportError("PySide6 is blocked by the test")
                return None

        sys.meta_path.insert(0, NoQt())
        import desktop_search.core as core
        for m in pkgutil.walk_packages(core.__path__, "desktop_search.core."):
            importlib.import_module(m.name)
        from desktop_search import cli
        rc = cli.main(["--data-dir", {str(tmp_path / "data")!r}, "index", {str(docs)!r}])
        assert rc == 0, rc
        rc = cli.main(["--data-dir", {str(tmp_path / "data")!r}, "search", "--words-only", "orchestra"])
        assert rc == 0, rc
        assert not any(m.startswith("PySide6") for m in sys.modules)
        print("NO-QT-OK")
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "NO-QT-OK" in out.stdout and "note.txt" in out.stdout
