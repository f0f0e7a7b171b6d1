"""The tray icon: show the window, pause indexing, quit (indexing goes on while hidden)."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop_search.i18n import _
from desktop_search.ui.bridge import emit
from desktop_search.ui.resources import app_icon


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


class Tray(QSystemTrayIcon):
    show_requested = Signal()
    toggle_requested = Signal()          # a click on the icon: show or hide the window
    pause_toggled = Signal(bool)
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(app_icon(), parent)
        self.setToolTip(_("Desktop Search"))
        self._hinted = False
        menu = QMenu()
        self._menu = menu                # a QMenu cannot have a QSystemTrayIcon as parent
        menu.addAction(_("Show Desktop Search")).triggered.connect(lambda: emit(self.show_requested))
        self.pause_action = menu.addAction(_("Pause Indexing"))
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(lambda on: emit(self.pause_toggled, bool(on)))
        menu.addSeparator()
        menu.addAction(_("Quit")).triggered.connect(lambda: emit(self.quit_requested))
        self.setContextMenu(menu)
        self.activated.connect(self._on_activated)

    def set_paused(self, paused: bool) -> None:
        self.pause_action.blockSignals(True)
        self.pause_action.setChecked(paused)
        self.pause_action.blockSignals(False)

    def hint_once(self) -> None:
        """Tell the user, the first time the window hides, that indexing goes on."""
        if self._hinted:
            return
        self._hinted = True
        self.showMessage(_("Desktop Search"), _("Still indexing in the background. "
                                                "Quit from this icon's menu."), app_icon(), 4000)

    def _on_activated(self, reason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger,
                      QSystemTrayIcon.ActivationReason.DoubleClick):
            emit(self.toggle_requested)
