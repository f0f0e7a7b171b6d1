"""One window per data folder (real lock, real local channel), and the desktop settings."""
from __future__ import annotations

import os
import sys

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from desktop_search.config import Settings
from desktop_search.core.ownership import Ownership, current_owner
from desktop_search.ui import single_instance
from desktop_search.ui.app import run_app
from desktop_search.ui.settings_dialog import SettingsDialog


def _windows():
    from desktop_search.ui.window import SearchWindow

    return [w for w in QApplication.topLevelWidgets() if isinstance(w, SearchWindow)]


def test_a_second_window_raises_the_first_and_hands_it_its_folders(qtbot, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    folder = tmp_path / "docs"
    folder.mkdir()
    first = single_instance.InstanceServer()
    own = single_instance.claim(data, first)     # the first window's side of it
    try:
        before = len(_windows())
        shown, handed = [], []
        first.show_requested.connect(lambda: shown.append(True))
        first.folders_requested.connect(handed.append)
        rc = run_app(data_dir=data, folders=[str(folder)])
        assert rc == 0 and len(_windows()) == before    # no second window was built
        qtbot.waitUntil(lambda: handed == [[str(folder)]] and bool(shown), timeout=10_000)
        assert current_owner(data).pid == os.getpid() and current_owner(data).kind == "window"
    finally:
        own.release()


def test_a_window_next_to_a_cli_writer_stops_naming_it(qtbot, tmp_path, capfd):
    data = tmp_path / "data"
    data.mkdir()
    with Ownership.acquire(data, kind="watch"):      # it never finishes by itself
        rc = run_app(data_dir=data)
    assert rc == 3
    assert f"in use by `desktop-search watch` (pid {os.getpid()}" in capfd.readouterr().err


def test_a_folder_that_does_not_exist_is_refused_by_the_window(qtbot, tmp_path):
    from desktop_search.core.ownership import Request

    server = single_instance.InstanceServer()
    reply = server.handle(Request("add", (str(tmp_path / "nope"),)))
    assert not reply.ok and "not a folder" in reply.message


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is Linux's")
def test_settings_start_at_login_and_menu_entry(qtbot, tmp_path):
    # XDG_DATA_HOME and XDG_CONFIG_HOME are tmp_path's xdg-data and xdg-config (conftest)
    autostart = tmp_path / "xdg-config/autostart/desktop-search.desktop"
    dlg = SettingsDialog(Settings(), tray_available=False, data_dir=str(tmp_path / "d"))
    qtbot.addWidget(dlg)
    assert not dlg.start_at_login.isChecked()
    dlg.menu_entry.click()
    entry = tmp_path / "xdg-data/applications/desktop-search.desktop"
    assert entry.exists() and str(entry) in dlg.menu_entry_note.text()
    assert f"--data-dir {tmp_path / 'd'}" in entry.read_text()
    dlg.start_at_login.setChecked(True)
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dlg.result() == dlg.DialogCode.Accepted and autostart.exists()

    again = SettingsDialog(Settings(), tray_available=False)
    qtbot.addWidget(again)
    assert again.start_at_login.isChecked()
    assert again.menu_entry.text() == "Update the applications menu entry"
    again.start_at_login.setChecked(False)
    again.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert not autostart.exists()


def test_the_window_waits_for_a_short_cli_command_then_opens(qtbot, tmp_path, monkeypatch,
                                                            embedder, capfd):
    """`desktop-search index` holds the folder: the window waits, then opens and owns it."""
    from PySide6.QtCore import QTimer

    from desktop_search.ui import app

    real_factory = app.engine_factory
    monkeypatch.setattr(app, "engine_factory",
                        lambda data_dir, **kw: real_factory(data_dir, **kw, embedder=embedder))
    data = tmp_path / "data"
    data.mkdir()
    cli_index = Ownership.acquire(data, kind="index")
    QTimer.singleShot(400, cli_index.release)        # the CLI command finishes
    seen = {}

    def poke():
        wins = [w for w in _windows() if w.isVisible()]
        if not wins or not wins[0].controller.ready:
            QTimer.singleShot(20, poke)
            return
        seen["owner"] = current_owner(data).kind
        wins[0].quit()

    QTimer.singleShot(0, poke)
    rc = run_app(data_dir=data)
    assert rc == 0 and seen == {"owner": "window"}
    assert "waiting for `desktop-search index`" in capfd.readouterr().err
    assert current_owner(data) is None
