"""The window's tray icon and global shortcut: made when asked for and available, wired to
the window's show, hide, pause and quit, and told what the window shows (paused, the
chord from the settings)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from desktop_search.ui.hotkey import GlobalHotkey
from desktop_search.ui.tray import Tray, tray_available

if TYPE_CHECKING:
    from desktop_search.ui.window import SearchWindow


class WindowTray:
    """The tray icon (None where there is no tray) and the shortcut (None unless asked)."""

    def __init__(self, window: SearchWindow, *, use_tray: bool) -> None:
        self.window = window
        self.tray: Tray | None = None
        #: the chord that shows or hides the window from any program (the app turns it on)
        self.hotkey: GlobalHotkey | None = None
        if use_tray and tray_available():
            self.tray = Tray(window)
            self.tray.show_requested.connect(window.show_and_raise)
            self.tray.toggle_requested.connect(self._on_tray_toggle_requested)
            self.tray.pause_toggled.connect(window.set_indexing_paused)
            self.tray.quit_requested.connect(window.quit)
            self.tray.show()

    def start_hotkey(self, chord: str) -> None:
        self.hotkey = GlobalHotkey(self.window)
        self.hotkey.activated.connect(self.window.toggle_visible)
        self.hotkey.state_changed.connect(self._on_hotkey_state_changed)
        self.hotkey.set_chord(chord)

    def tray_shown(self) -> bool:
        return self.tray is not None and self.tray.isVisible()

    def show_paused(self, paused: bool) -> None:
        if self.tray is not None:
            a = self.tray.pause_action
            a.blockSignals(True)
            a.setChecked(paused)
            a.blockSignals(False)

    def set_chord(self, chord: str) -> None:
        """The settings' chord, when it changed."""
        if self.hotkey is not None and chord != self.hotkey.chord_text:
            self.hotkey.set_chord(chord)

    def hide_to_tray(self) -> bool:
        """On close: hidden to the tray when it is shown (True), else nothing."""
        if self.tray is None or not self.tray.isVisible():
            return False
        self.window.hide()
        self.tray.hint_once()
        return True

    def stop(self) -> None:
        if self.hotkey is not None:
            self.hotkey.stop()
        if self.tray is not None:
            self.tray.hide()

    def _on_tray_toggle_requested(self) -> None:
        w = self.window
        if w.isVisible() and not w.isMinimized():
            w.hide()
        else:
            w.show_and_raise()

    def _on_hotkey_state_changed(self, ok: bool, message: str) -> None:
        # a chord the app could not take: say how to bind the toggle in the desktop
        if not ok and "--toggle" in message:
            self.window.show_error(message)
