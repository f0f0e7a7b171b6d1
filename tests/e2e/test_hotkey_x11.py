"""The global shortcut end to end on a real X server (Xvfb) with a window manager
(openbox): the real window in its own process, keys pressed with xdotool through the X
server as a keyboard would. Skips where those programs are missing (CI machines without
them); ``benchmarks/hotkey.py`` measures the time with the same pieces."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.x11_session import ROOT, WindowProcess, XSession, missing

pytestmark = [pytest.mark.slow, pytest.mark.skipif(missing() is not None, reason=str(missing()))]


def _toggle(session: XSession, data) -> None:
    env = session.env(PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    p = subprocess.run([sys.executable, "-m", "desktop_search", "--data-dir", str(data),
                        "--toggle"], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert p.returncode == 0, p.stderr


def test_the_chord_brings_the_window_from_anywhere_and_puts_it_away(tmp_path):
    data = tmp_path / "data"
    with XSession(tmp_path) as x:
        win = WindowProcess(x, data)
        _, wid, message = win.wait_for("ready", timeout=60)
        wid = int(wid)
        assert message.startswith("Ctrl+Alt+Space shows or hides"), message
        x.x("xdotool", "windowactivate", "--sync", str(wid))
        x.x("xdotool", "type", "--delay", "20", "sourdough")

        # minimised, another program in front: the chord brings ours, query selected
        other = x.other_window()
        x.x("xdotool", "windowminimize", "--sync", str(wid))
        assert x.active_window() == other
        win.drain()
        x.x("xdotool", "key", "ctrl+alt+space")
        _, _, selected = win.wait_for("front", timeout=10)
        assert selected == "'sourdough'"            # typing replaces the old query
        assert x.active_window() == wid             # the window manager agrees

        # the same chord puts it away, and brings it back
        x.x("xdotool", "key", "ctrl+alt+space")
        win.wait_for("hidden", timeout=10)
        x.x("xdotool", "key", "ctrl+alt+space")
        win.wait_for("front", timeout=10)
        assert x.active_window() == wid

        # Escape: the first clears the query, the second puts the window away
        x.x("xdotool", "key", "Escape")
        x.x("xdotool", "key", "Escape")
        win.wait_for("hidden", timeout=10)

        # `desktop-search --toggle` (what a Wayland user binds) through the hand-off
        win.drain()
        _toggle(x, data)
        win.wait_for("front", timeout=20)
        _toggle(x, data)
        win.wait_for("hidden", timeout=20)
        win.proc.terminate()
        win.proc.wait(30)


def test_a_chord_another_program_holds_is_reported_with_the_way_to_bind_it(tmp_path):
    from Xlib import XK, X
    from Xlib.display import Display

    with XSession(tmp_path) as x:
        other = Display(x.display)          # another program grabs Ctrl+Alt+Space first
        code = other.keysym_to_keycode(XK.string_to_keysym("space"))
        other.screen().root.grab_key(code, X.ControlMask | X.Mod1Mask, True,
                                     X.GrabModeAsync, X.GrabModeAsync)
        other.sync()
        try:
            win = WindowProcess(x, tmp_path / "data")
            _, _, message = win.wait_for("ready", timeout=60)
            assert "another program already uses Ctrl+Alt+Space" in message
            assert "desktop-search --toggle" in message
            win.proc.terminate()
            win.proc.wait(30)
        finally:
            other.close()
