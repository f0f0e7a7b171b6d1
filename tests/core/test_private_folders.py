"""The suite's own guard: every test runs with private folders (tests/conftest.py)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from desktop_search import paths
from desktop_search.core import desktop


def test_the_data_folder_is_the_tests_own(tmp_path):
    assert paths.default_data_dir() == tmp_path / "data"


def test_a_process_started_by_a_test_gets_it_too(tmp_path):
    p = subprocess.run([sys.executable, "-c", "from desktop_search import paths; "
                        "print(paths.default_data_dir())"],
                       capture_output=True, text=True, timeout=60, check=True)
    assert p.stdout.strip() == str(tmp_path / "data")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is Linux's")
def test_menu_entry_autostart_and_platform_folders_are_the_tests_own(tmp_path, monkeypatch):
    import platformdirs

    assert desktop.xdg_data_home() == tmp_path / "xdg-data"
    assert desktop.autostart_path().is_relative_to(tmp_path)
    monkeypatch.delenv(paths.ENV_HOME)      # even without the app's own variable
    assert paths.default_data_dir().is_relative_to(tmp_path)
    assert platformdirs.user_config_dir("desktop-search").startswith(str(tmp_path))
