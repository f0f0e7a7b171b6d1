"""Start-up and persistence: settings, folders and window geometry survive a restart."""
from __future__ import annotations

import json

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from tests.ui.conftest import CORPUS


def test_settings_folders_and_geometry_survive_a_restart(harness, corpus, qtbot):
    w = harness.open_window()
    harness.add_folder_and_wait(w, corpus)
    dlg = w.show_settings()
    qtbot.waitUntil(dlg.isVisible)
    dlg.size_cap.setValue(7.5)
    dlg.excludes.setPlainText("*.log\nsecret/\n")
    dlg.close_to_tray.setChecked(True)
    dlg.start_minimized.setChecked(True)
    c = w.controller
    # exclusions changed: the engine restarts in the background with the new rules
    with qtbot.waitSignals([c.settings_saved, c.engine_ready], timeout=30_000):
        dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    saved = json.loads((harness.data_dir / "settings.json").read_text())
    assert saved["max_file_mb"] == 7.5 and saved["exclude_patterns"] == ["*.log", "secret/"]
    assert c.engine.settings.exclude_patterns == ["*.log", "secret/"]
    qtbot.waitUntil(lambda: c.model_ready, timeout=30_000)
    assert harness.search(w, "pets napping")[0].path == str(corpus / "cats.txt")
    w.resize(760, 540)
    w.splitter.setSizes([430, 330])
    qtbot.waitUntil(lambda: w.width() == 760)
    sizes = w.splitter.sizes()
    harness.close_window(w)

    w2 = harness.open_window()
    s = w2.controller.settings
    assert (s.max_file_mb, s.exclude_patterns, s.close_to_tray, s.start_minimized) == \
        (7.5, ["*.log", "secret/"], True, True)
    dlg2 = w2.settings_dialog()
    assert dlg2.size_cap.value() == 7.5
    assert dlg2.excludes.toPlainText() == "*.log\nsecret/"
    assert dlg2.close_to_tray.isChecked() and dlg2.start_minimized.isChecked()
    assert (w2.width(), w2.height()) == (760, 540)
    assert w2.splitter.sizes() == sizes
    qtbot.waitUntil(lambda: [r.path for r in w2.roots] == [str(corpus)])
    assert w2.roots[0].files == len(CORPUS)
    # the index is searchable at once, without re-indexing
    assert harness.search(w2, "pets napping")[0].path == str(corpus / "cats.txt")


def test_invalid_settings_are_refused_in_the_dialog(harness, qtbot):
    w = harness.open_window()
    dlg = w.show_settings()
    dlg.languages.setCurrentIndex(dlg.languages.count() - 1)     # "Another model…"
    assert dlg.model_row.isVisible()
    dlg.model.setCurrentText("   ")
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dlg.isVisible() and dlg.error.isVisible()
    assert "model" in dlg.error.text()
    dlg.reject()


def test_run_app_opens_the_window_and_quits(tmp_path, qtbot, monkeypatch, embedder):
    """``desktop-search`` with no arguments: the window appears at once, focused on search."""
    from desktop_search.ui import app
    from desktop_search.ui.app import run_app
    from desktop_search.ui.window import SearchWindow

    real_factory = app.engine_factory
    # the session's model, not a second copy loading in the background
    monkeypatch.setattr(app, "engine_factory",
                        lambda data_dir, **kw: real_factory(data_dir, **kw, embedder=embedder))

    seen = {}

    def poke():
        wins = [w for w in QApplication.topLevelWidgets() if isinstance(w, SearchWindow)
                and w.isVisible()]
        if not wins:
            QTimer.singleShot(20, poke)
            return
        win = wins[0]
        if not win.controller.ready:
            QTimer.singleShot(20, poke)
            return
        seen["focus"] = win.search_edit.hasFocus()
        seen["title"] = win.windowTitle()
        seen["icon"] = not win.windowIcon().isNull()
        seen["empty"] = win.empty_state.title.text()
        win.quit()

    QTimer.singleShot(0, poke)
    rc = run_app(data_dir=tmp_path / "data")
    assert rc == 0
    assert seen == {"focus": True, "title": "Desktop Search", "icon": True,
                    "empty": "Add a folder to start"}
    assert (tmp_path / "data" / "window.ini").exists()


def test_tray_keeps_watching_when_the_window_closes(harness, qtbot, monkeypatch):
    """With "close to tray" on, closing hides the window and indexing goes on; the tray's
    menu shows the window, pauses indexing and quits."""
    from PySide6.QtWidgets import QSystemTrayIcon

    from desktop_search.ui import tray as tray_mod

    monkeypatch.setattr(tray_mod.QSystemTrayIcon, "isSystemTrayAvailable",
                        staticmethod(lambda: True))
    harness.data_dir.mkdir(parents=True, exist_ok=True)
    (harness.data_dir / "settings.json").write_text(json.dumps({"close_to_tray": True}))
    w = harness.open_window(use_tray=True)
    assert isinstance(w.tray, QSystemTrayIcon)
    quits = []
    w.quit_requested.connect(lambda: quits.append(1))
    w.close()
    assert not w.isVisible() and quits == []
    assert w.controller.service is not None          # still indexing and watching
    actions = {a.text(): a for a in w.tray.contextMenu().actions() if a.text()}
    assert set(actions) == {"Show Desktop Search", "Pause Indexing", "Quit"}
    actions["Pause Indexing"].trigger()
    assert w.controller.paused
    actions["Pause Indexing"].trigger()
    assert not w.controller.paused
    actions["Show Desktop Search"].trigger()
    qtbot.waitUntil(w.isVisible)
    actions["Quit"].trigger()
    assert quits and not w.isVisible()


def test_changing_the_model(harness, corpus, qtbot):
    """A model that cannot load changes nothing; a good one is loaded while the current
    index keeps answering, then the engine switches to it."""
    w = harness.open_window()
    harness.add_folder_and_wait(w, corpus)
    c = w.controller
    errors = []
    c.error_reported.connect(errors.append)
    dlg = w.show_settings()
    dlg.model.setCurrentText("/no/such/model-folder")
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: bool(errors), timeout=15_000)
    assert "model" in errors[-1] and c.model_ready
    assert c.settings.model == "auto"
    assert not (harness.data_dir / "settings.json").exists()
    assert harness.search(w, "pets napping")[0].path == str(corpus / "cats.txt")
    # another name for the packaged model: loaded in the background, then switched to
    dlg = w.show_settings()
    dlg.model.setCurrentText("default")
    old_engine = c.engine
    with qtbot.waitSignals([c.settings_saved, c.engine_ready], timeout=60_000):
        dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert c.engine is old_engine       # the current index answers while it loads
    assert json.loads((harness.data_dir / "settings.json").read_text())["model"] == "default"
    qtbot.waitUntil(lambda: c.model_ready, timeout=60_000)
    w.search_edit.clear()
    assert harness.search(w, "music lessons")[0].path == str(corpus / "guitar.txt")
