"""The global shortcut's parts: the chord, the setting, the hand-off's toggle, the
window's toggle and Escape. (End to end on a real X server: tests/e2e/test_hotkey_x11.py.)"""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialogButtonBox

from desktop_search import cli
from desktop_search.config import Settings
from desktop_search.core.ownership import Request
from desktop_search.errors import ConfigError
from desktop_search.ui.hotkey import chord as chords
from desktop_search.ui import single_instance
from desktop_search.ui.hotkey import GlobalHotkey
from desktop_search.ui.settings_dialog import SettingsDialog


# -- the chord ---------------------------------------------------------------------------
def test_the_default_chord_in_every_platform_s_words():
    c = chords.parse(Settings().hotkey)
    assert c == chords.Chord(("Ctrl", "Alt"), "Space")
    assert c.text() == "Ctrl+Alt+Space"
    assert c.x11_keysym_name() == "space"
    assert c.pynput_text() == "<ctrl>+<alt>+<space>"
    assert c.portal_trigger() == "CTRL+ALT+space"


@pytest.mark.parametrize("text,expected", [
    ("alt+ctrl+space", "Ctrl+Alt+Space"),          # any order, any case
    ("Control+Shift+f", "Ctrl+Shift+F"),
    ("Super+F12", "Meta+F12"),
    ("Meta+PgDown", "Meta+PgDown"),
])
def test_chords_are_written_one_way(text, expected):
    assert chords.parse(text).text() == expected


@pytest.mark.parametrize("text,reason", [
    ("", "empty"),
    ("Space", "needs Ctrl, Alt or Meta"),          # would eat every space typed anywhere
    ("Shift+A", "needs Ctrl, Alt or Meta"),
    ("Hyper+A", "unknown modifier"),
    ("Ctrl+Alt", "no key"),
    ("Ctrl+Volume Up", "cannot be a global shortcut"),
])
def test_chords_that_cannot_be_a_global_shortcut_say_why(text, reason):
    with pytest.raises(ConfigError, match=reason):
        chords.parse(text)


# -- the setting --------------------------------------------------------------------------
def test_settings_change_and_clear_the_shortcut(qtbot, tmp_path):
    dlg = SettingsDialog(Settings(), tray_available=False, hotkey_message="it works")
    qtbot.addWidget(dlg)
    assert dlg.chosen_hotkey() == "Ctrl+Alt+Space"
    assert dlg.hotkey_note.text() == "it works"
    dlg.hotkey.setKeySequence(QKeySequence("Ctrl+Shift+K"))
    assert dlg.settings().hotkey == "Ctrl+Shift+K"
    dlg.hotkey.clear()
    assert dlg.settings().hotkey == ""
    dlg.hotkey.setKeySequence(QKeySequence("K"))            # a bare key: refused, said so
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dlg.result_settings is None and "needs Ctrl, Alt or Meta" in dlg.error.text()

    saved = tmp_path / "settings.json"
    Settings(hotkey="Ctrl+Shift+K").save(saved)
    assert Settings.load(saved).hotkey == "Ctrl+Shift+K"


def test_a_screen_without_global_keys_says_so(qtbot):
    hk = GlobalHotkey(platform="offscreen")
    with qtbot.waitSignal(hk.state_changed) as got:
        assert hk.set_chord("Ctrl+Alt+Space") is False
    assert got.args[0] is False and "takes no global shortcut" in got.args[1]
    assert hk.set_chord("Shift+A") is False and "cannot be used" in hk.message
    assert hk.set_chord("") is False and hk.message == "No global shortcut is set."


def test_without_a_portal_wayland_users_are_told_to_bind_the_toggle(qtbot, monkeypatch,
                                                                     tmp_path):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    hk = GlobalHotkey(platform="wayland")
    assert hk.set_chord("Ctrl+Alt+Space") is False
    assert "desktop-search --toggle" in hk.message and "Custom Shortcuts" in hk.message


def test_an_x_window_in_a_wayland_session_asks_the_portal(qtbot, monkeypatch, tmp_path):
    # XWayland: an X grab would only see keys while an X window has the focus
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    hk = GlobalHotkey(platform="xcb")
    assert hk.set_chord("Ctrl+Alt+Space") is False
    assert "no D-Bus session bus" in hk.message and "desktop-search --toggle" in hk.message


# -- the hand-off and the window ----------------------------------------------------------
def test_toggle_reaches_the_running_window_through_the_hand_off(qtbot, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    server = single_instance.InstanceServer()
    own = single_instance.claim(data, server)
    try:
        with qtbot.waitSignal(server.toggle_requested, timeout=10_000):
            assert cli.main(["--data-dir", str(data), "--toggle"]) == 0
    finally:
        own.release()
    assert server.handle(Request("toggle")).ok


def test_the_gui_launcher_toggles_too(qtbot, tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    server = single_instance.InstanceServer()
    own = single_instance.claim(data, server)
    monkeypatch.setattr("sys.argv", ["desktop-search-gui", "--data-dir", str(data), "--toggle"])
    try:
        with qtbot.waitSignal(server.toggle_requested, timeout=10_000):
            assert cli.gui_main() == 0
    finally:
        own.release()


def test_toggle_goes_alone():
    assert cli.main(["--toggle", "status"]) == cli.EXIT_USAGE


def test_the_window_toggles_and_escape_puts_it_away(harness, qtbot):
    w = harness.open_window(wait_model=False)
    w.hotkey = GlobalHotkey(w, platform="offscreen")   # as the app has it, minus the keys
    w.hotkey.active = True                             # (a chord that works brings it back)
    w.search_edit.setText("sourdough")
    w.show_and_raise()
    qtbot.waitUntil(w.is_in_front)
    assert w.search_edit.hasFocus() and w.search_edit.selectedText() == "sourdough"
    w.toggle_visible()
    assert not w.isVisible()
    w.toggle_visible()          # at once: waits for the hide to settle, then comes back
    assert not w.isVisible()
    qtbot.waitUntil(w.isVisible, timeout=5_000)   # (offscreen has no window manager to
    assert w.search_edit.selectedText() == "sourdough"     # activate it: tests/e2e does)
    qtbot.keyClick(w.search_edit, Qt.Key.Key_Escape)      # the first clears
    assert w.isVisible() and w.search_edit.text() == ""
    qtbot.keyClick(w.search_edit, Qt.Key.Key_Escape)      # the second puts it away
    assert not w.isVisible()


def test_without_a_way_back_escape_minimizes(harness, qtbot):
    w = harness.open_window(wait_model=False)
    assert w.hotkey is None and w.tray is None
    qtbot.keyClick(w.search_edit, Qt.Key.Key_Escape)
    assert w.isVisible()
    qtbot.waitUntil(w.isMinimized)
