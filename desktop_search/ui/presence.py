"""Bringing the window to the front and putting it away: the global shortcut, ``--toggle``,
Escape, the tray and a second launch all come here.

To the front means shown, un-minimised, activated, the query field focused with its text
selected (typing replaces it). Away means hidden when something can bring the window
back (a working shortcut, the tray), else minimised so it stays in the task bar.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLineEdit, QWidget

    from desktop_search.ui.hotkey import GlobalHotkey

#: seconds after hiding before the window shows again (see ``to_front``)
HIDE_SETTLE_S = 0.5


class Presence(QObject):
    """Shows, raises and puts away one top-level window."""

    def __init__(self, window: QWidget, *, field: QLineEdit,
                 hotkey: Callable[[], GlobalHotkey | None],
                 tray_shown: Callable[[], bool]) -> None:
        super().__init__(window)
        self.w = window
        self.field = field
        self._hotkey = hotkey
        self._tray_shown = tray_shown
        self._activate_when_exposed = False
        self._filtering = False
        self._hidden_at = -HIDE_SETTLE_S
        self._show_pending = False
        window.installEventFilter(self)

    def in_front(self) -> bool:
        w = self.w
        return w.isVisible() and not w.isMinimized() and w.isActiveWindow()

    def toggle(self) -> None:
        """In front -> away; else to the front."""
        if self.in_front():
            self.put_away()
        else:
            self.to_front()

    def put_away(self) -> None:
        hk = self._hotkey()
        if (hk is not None and hk.active) or self._tray_shown():
            self.w.hide()
        else:
            self.w.showMinimized()

    def to_front(self) -> None:
        w = self.w
        settle = HIDE_SETTLE_S - (time.monotonic() - self._hidden_at)
        if not w.isVisible() and settle > 0:
            # shown again within moments of hiding, Qt on X11 misses the focus the window
            # manager gives back and the window never becomes active (seen with openbox
            # under Xvfb): show it once the hide has settled
            if not self._show_pending:
                self._show_pending = True
                QTimer.singleShot(int(settle * 1000) + 1, self._after_settle)
            return
        if not w.isVisible():
            # a window manager may ignore activation of a window it has not mapped yet:
            # ask again once the window is on screen (its first Expose)
            self._activate_when_exposed = True
        w.show()
        handle = w.windowHandle()
        if handle is not None and not self._filtering:
            handle.installEventFilter(self)
            self._filtering = True
        w.setWindowState((w.windowState() & ~Qt.WindowState.WindowMinimized)
                         | Qt.WindowState.WindowActive)
        if not self._activate_when_exposed:
            self._activate()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def _after_settle(self) -> None:
        self._show_pending = False
        self.to_front()

    def _activate(self) -> None:
        self.w.raise_()
        self.w.activateWindow()
        hk = self._hotkey()
        if hk is not None:
            hk.bring_forward(int(self.w.winId()))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        t = event.type()
        if obj is self.w and t == QEvent.Type.Hide and not event.spontaneous():
            self._hidden_at = time.monotonic()
        elif (self._activate_when_exposed and obj is self.w.windowHandle()
                and t == QEvent.Type.Expose and obj.isExposed()):
            self._activate_when_exposed = False
            self._activate()
        return False
