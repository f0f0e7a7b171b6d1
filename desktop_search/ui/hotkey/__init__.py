"""The global shortcut that shows or hides the window from any program.

One front door for three ways of getting the chord: X11 grabs it itself
(``x11``), Wayland asks the desktop through the GlobalShortcuts portal
(``portal``), Windows and macOS use pynput's GlobalHotKeys. Each listens on its
own thread, asleep until the chord comes; ``activated`` is delivered on the GUI thread.
Where none works, ``message`` tells the user how to bind ``desktop-search --toggle`` in
the desktop's own settings.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication

from desktop_search.i18n import _
from desktop_search.errors import ConfigError
from desktop_search.ui.hotkey import chord as chords
from desktop_search.ui.bridge import emit
from desktop_search.ui.hotkey.x11 import HotkeyUnavailable, X11Hotkey

log = logging.getLogger(__name__)

DEFAULT_CHORD = "Ctrl+Alt+Space"


def bind_it_yourself(chord_text: str) -> str:
    """How to bind the toggle command in the desktop's settings, in plain words."""
    return _("To open Desktop Search with {keys}, add a custom shortcut in your desktop's "
             "keyboard settings (GNOME: Settings › Keyboard › Custom Shortcuts; KDE: System "
             "Settings › Shortcuts › Custom Shortcuts) that runs: {command}").format(
        keys=chord_text or _("a key"), command="desktop-search --toggle")


class _PynputHotkey:
    """Windows and macOS: pynput's GlobalHotKeys (a keyboard hook on its own thread)."""

    def __init__(self, chord: chords.Chord, on_press) -> None:
        self.chord, self.on_press = chord, on_press
        self._listener: Any = None   # pynput's GlobalHotKeys, once started

    def start(self) -> None:
        try:
            from pynput import keyboard
        except ImportError:
            raise HotkeyUnavailable(_("the pynput library is not installed")) from None
        try:
            self._listener = keyboard.GlobalHotKeys({self.chord.pynput_text(): self.on_press})
            self._listener.start()
        except Exception as exc:  # noqa: BLE001 - macOS refuses without Accessibility
            raise HotkeyUnavailable(_("the system refused the shortcut: {error}").format(error=exc)) from None

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None


class GlobalHotkey(QObject):
    """Holds at most one chord at a time; ``set_chord`` swaps it."""

    activated = Signal()
    #: (the chord works, a sentence for the user); may come later (the portal asks the user)
    state_changed = Signal(bool, str)

    def __init__(self, parent: QObject | None = None, *, platform: str | None = None) -> None:
        super().__init__(parent)
        self._platform = platform
        self._grabber: Any = None    # the platform's grabber, once it holds the chord
        self.chord_text = ""
        self.active = False
        self.message = _("No global shortcut is set.")

    def set_chord(self, text: str) -> bool:
        """Listen for ``text`` ('' turns the shortcut off). True when it works now."""
        self.stop()
        self.chord_text = (text or "").strip()
        if not self.chord_text:
            return self._set_state(False, _("No global shortcut is set."))
        try:
            chord = chords.parse(self.chord_text)
        except ConfigError as exc:
            return self._set_state(False, _("The shortcut cannot be used: {error}.").format(error=exc))
        self.chord_text = chord.text()
        platform = self._platform or QGuiApplication.platformName()
        fire = lambda: emit(self.activated)  # noqa: E731 - called on the listener's thread
        grabber: _PynputHotkey | X11Hotkey | PortalHotkey
        try:
            if sys.platform in ("win32", "darwin"):
                grabber = _PynputHotkey(chord, fire)
            elif platform == "wayland" or (platform == "xcb" and os.environ.get("WAYLAND_DISPLAY")):
                # a Wayland session (the window on XWayland too: an X grab there only
                # sees keys while an X window has the focus)
                from desktop_search.ui.hotkey.portal import PortalHotkey

                grabber = PortalHotkey(chord, fire, on_state=self._on_portal_state)
            elif platform == "xcb":
                grabber = X11Hotkey(chord, fire)
            else:
                return self._set_state(False, _("This screen takes no global shortcut ({platform}).")
                                       .format(platform=platform or _("no display")))
            grabber.start()
        except HotkeyUnavailable as exc:
            log.info("global shortcut %s unavailable: %s", self.chord_text, exc)
            return self._set_state(False, _("{keys} could not be taken ({error}).").format(
                keys=self.chord_text, error=exc) + " " + bind_it_yourself(self.chord_text))
        self._grabber = grabber
        if not isinstance(grabber, (X11Hotkey, _PynputHotkey)):     # the portal answers later
            return self._set_state(False, _("Asking the desktop to bind {keys}…").format(
                keys=self.chord_text))
        return self._set_state(True, _("{keys} shows or hides Desktop Search from any program.")
                               .format(keys=self.chord_text))

    def bring_forward(self, window_id: int) -> None:
        """Where the window manager needs telling (X11), ask it to activate the window."""
        activate = getattr(self._grabber, "activate", None)
        if activate is not None:
            activate(window_id)

    def stop(self) -> None:
        if self._grabber is not None:
            self._grabber.stop()
            self._grabber = None
        self.active = False

    def _on_portal_state(self, ok: bool, text: str) -> None:
        """From the portal's thread: the desktop bound the chord, or did not."""
        if ok:
            msg = _("{keys} shows or hides Desktop Search: {detail}.").format(
                keys=self.chord_text, detail=text)
        else:
            msg = (_("{keys} is not bound: {detail}.").format(keys=self.chord_text, detail=text)
                   + " " + bind_it_yourself(self.chord_text))
        self.active, self.message = ok, msg
        emit(self.state_changed, ok, msg)

    def _set_state(self, ok: bool, message: str) -> bool:
        self.active, self.message = ok, message
        emit(self.state_changed, ok, message)
        return ok
