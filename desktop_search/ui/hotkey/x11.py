"""The global shortcut on X11: XGrabKey on the root window (python-xlib), one thread.

The thread sleeps in ``select()`` on the X connection and a wake-up pipe: nothing runs
while no key is pressed (no polling). The X server sends the chord to us whichever
window has the focus. The grab is made with every combination of the lock modifiers
(Caps Lock, Num Lock), or the chord would die whenever Num Lock is on. Once started, the
connection is used by the thread alone (python-xlib is not made for two).
"""
from __future__ import annotations

import logging
import os
import select
import threading
from typing import Callable

from desktop_search.i18n import _
from desktop_search.ui.hotkey.chord import Chord

log = logging.getLogger(__name__)


class HotkeyUnavailable(Exception):
    """The chord cannot be taken: no X display, the library missing, or another program
    holds it. The message says which, for the user."""


class X11Hotkey:
    """Calls ``on_press`` (on its own thread) each time the chord goes down."""

    def __init__(self, chord: Chord, on_press: Callable[[], None], *,
                 display: str | None = None) -> None:
        self.chord = chord
        self.on_press = on_press
        self._display_name = display
        self._thread: threading.Thread | None = None
        self._wake_r = self._wake_w = -1

    def start(self) -> None:
        """Grab the chord now (raises HotkeyUnavailable), then listen on a thread."""
        try:
            from Xlib import XK, X, error
            from Xlib.display import Display
        except ImportError:
            raise HotkeyUnavailable(_("python-xlib is not installed")) from None
        try:
            disp = Display(self._display_name)
        except Exception as exc:  # noqa: BLE001 - Xlib raises several kinds here
            raise HotkeyUnavailable(_("cannot reach the X display: {error}").format(error=exc)) from None
        keysym = XK.string_to_keysym(self.chord.x11_keysym_name())
        keycode = disp.keysym_to_keycode(keysym) if keysym else 0
        if not keycode:
            disp.close()
            raise HotkeyUnavailable(_("this keyboard has no {key} key").format(key=self.chord.key))
        mask = 0
        for m in self.chord.modifiers:
            mask |= {"Ctrl": X.ControlMask, "Alt": X.Mod1Mask, "Shift": X.ShiftMask,
                     "Meta": X.Mod4Mask}[m]
        root = disp.screen().root
        taken = error.CatchError(error.BadAccess)
        masks = [mask | lock for lock in _lock_combinations(X)]
        for grab_mask in masks:
            root.grab_key(keycode, grab_mask, True, X.GrabModeAsync, X.GrabModeAsync, onerror=taken)
        disp.sync()
        if taken.get_error():
            for grab_mask in masks:
                root.ungrab_key(keycode, grab_mask)
            disp.close()
            raise HotkeyUnavailable(_("another program already uses {keys}").format(keys=self.chord.text()))
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, args=(disp, root, keycode, masks),
                                        name="x11-hotkey", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Let the chord go; returns when the thread has ended."""
        if self._thread is None:
            return
        os.write(self._wake_w, b"x")
        self._thread.join(5)
        self._thread = None
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)
        self._wake_r = self._wake_w = -1

    def activate(self, window_id: int) -> None:
        """Ask the window manager to bring ``window_id`` to the front, as a task bar
        does (_NET_ACTIVE_WINDOW, source "pager"). Qt's own request carries the time of
        the last key Qt saw, and the grabbed chord never reached Qt: a window manager
        that prevents focus stealing may leave the window behind."""
        from Xlib import X
        from Xlib.display import Display
        from Xlib.protocol import event

        try:
            disp = Display(self._display_name)    # its own short connection: the thread's
        except Exception:  # noqa: BLE001 - is the thread's alone
            return
        try:
            root = disp.screen().root
            msg = event.ClientMessage(window=disp.create_resource_object("window", window_id),
                                      client_type=disp.intern_atom("_NET_ACTIVE_WINDOW"),
                                      data=(32, [2, X.CurrentTime, 0, 0, 0]))
            root.send_event(msg, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
            disp.flush()
        finally:
            disp.close()

    def _run(self, disp, root, keycode: int, masks: list[int]) -> None:
        from Xlib import X

        last_release = None       # (keycode, time): X's auto-repeat is release+press at once
        try:
            while True:
                if not disp.pending_events():
                    readable, _, _ = select.select([disp.fileno(), self._wake_r], [], [])
                    if self._wake_r in readable:
                        break
                while disp.pending_events():
                    ev = disp.next_event()
                    if ev.type == X.KeyRelease and ev.detail == keycode:
                        last_release = ev.time
                    elif ev.type == X.KeyPress and ev.detail == keycode:
                        if last_release is not None and ev.time == last_release:
                            continue      # the key is held: one press, not a stream
                        try:
                            self.on_press()
                        except Exception:  # noqa: BLE001 - the listener must outlive it
                            log.exception("the hotkey's handler failed")
        except Exception:  # noqa: BLE001 - the display went away (X server ended)
            log.warning("the X connection for the global shortcut closed", exc_info=True)
            return
        try:
            for grab_mask in masks:
                root.ungrab_key(keycode, grab_mask)
            disp.sync()
            disp.close()
        except Exception:  # noqa: BLE001
            pass


def _lock_combinations(X) -> list[int]:     # noqa: N803 - the Xlib module
    """None, Caps Lock, Num Lock (Mod2 on every common keymap), and both."""
    return [0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask]
