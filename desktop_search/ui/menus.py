"""The window's actions and menu bar: every command a person can give, in one place.

``WindowActions`` owns the QActions (the window reads them, never sets them) and
``ResultActions`` the ones on the result in focus, which it enables and offers in the
results' context menu.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from desktop_search.i18n import _

if TYPE_CHECKING:
    from desktop_search.core.search import Hit
    from desktop_search.ui.window import SearchWindow


def _action(owner: QWidget, text: str, slot: Callable[..., object], shortcut: str | None = None,
            *, checkable: bool = False, hint: str | None = None) -> QAction:
    if hint:     # a key the menu only names, in the desktop's words (Qt translates them)
        text += "\t" + QKeySequence(hint).toString(QKeySequence.SequenceFormat.NativeText)
    a = QAction(text, owner)
    if shortcut:
        a.setShortcut(QKeySequence(shortcut))
    a.setCheckable(checkable)
    (a.toggled if checkable else a.triggered).connect(slot)
    owner.addAction(a)
    return a


class ResultActions:
    """Open, Show in Folder, Copy Path, More Like This and Save a Copy, on the result in
    focus (``SearchWindow.current_hit``)."""

    def __init__(self, w: SearchWindow) -> None:
        self.w = w
        # Enter, Ctrl+Enter and Ctrl+C are handled by the search field and list (so Ctrl+C
        # still copies selected text); the menu only names them
        self.open = _action(w, _("&Open"), lambda: w.open_hit(w.current_hit()), hint="Enter")
        self.reveal = _action(w, _("Show in &Folder"), lambda: w.reveal_hit(w.current_hit()),
                              hint="Ctrl+Enter")
        self.copy = _action(w, _("&Copy Path"), lambda: w.copy_path(w.current_hit()), hint="Ctrl+C")
        self.like = _action(w, _("&More Like This"), lambda: w.more_like_this(w.current_hit()),
                            "Ctrl+M")
        self.save_copy = _action(w, _("&Save a Copy…"), lambda: w.save_copy(w.current_hit()))

    def all(self) -> list[QAction]:
        return [self.open, self.reveal, self.copy, self.like, self.save_copy]

    def update(self, hit: Hit | None, *, model_ready: bool) -> None:
        """Enable what the result in focus allows (Save a Copy: a document inside a file)."""
        for a in (self.open, self.reveal, self.copy):
            a.setEnabled(hit is not None)
        self.like.setEnabled(hit is not None and model_ready)
        self.save_copy.setEnabled(hit is not None and bool(hit.inside))

    def popup(self, hit: Hit | None, parent: QWidget, at: QPoint) -> None:
        """The context menu of a result."""
        menu = QMenu(parent)
        menu.addActions([self.open, self.reveal, self.copy, self.like])
        if hit is not None and hit.inside:
            menu.addAction(self.save_copy)
        menu.popup(at)


class WindowActions:
    """The window's commands and its menu bar."""

    def __init__(self, w: SearchWindow) -> None:
        self.add_folder = _action(w, _("&Add Folder…"), w.add_folder_from_dialog, "Ctrl+O")
        self.folders = _action(w, _("&Folders…"), w.show_folders)
        self.settings = _action(w, _("&Settings…"), w.show_settings, "Ctrl+,")
        self.quit = _action(w, _("&Quit"), w.quit, "Ctrl+Q")
        self.result = ResultActions(w)
        self.pause = _action(w, _("&Pause Indexing"), w.set_indexing_paused, checkable=True)
        self.rescan = _action(w, _("&Rescan All Folders"), w.rescan)
        self.failed = _action(w, _("Files &Not Indexed…"), w.show_failed)
        self.copies = _action(w, _("&Copies and Versions…"), w.show_copies)
        self.about = _action(w, _("&About Desktop Search"), w.show_about)

        mb = w.menuBar()
        m = mb.addMenu(_("&File"))
        m.addActions([self.add_folder, self.folders])
        m.addSeparator()
        m.addAction(self.settings)
        m.addSeparator()
        m.addAction(self.quit)
        m = mb.addMenu(_("&Result"))
        m.addActions(self.result.all())
        m = mb.addMenu(_("&Index"))
        m.addActions([self.pause, self.rescan, self.failed, self.copies])
        m = mb.addMenu(_("&Help"))
        m.addAction(self.about)

    def show_paused(self, paused: bool) -> None:
        """The pause item follows the indexer's state (without pausing it again)."""
        self.pause.blockSignals(True)
        self.pause.setChecked(paused)
        self.pause.blockSignals(False)
        self.pause.setText(_("&Resume Indexing") if paused else _("&Pause Indexing"))
