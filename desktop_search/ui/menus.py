"""The window's actions and menu bar: every command a person can give, in one place.

``WindowActions`` owns the QActions (the window reads them, never sets them) and
``ResultActions`` the ones on the result in focus, which it enables and offers in the
results' context menu.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from desktop_search.core.extract.handout import can_open_inside, mark_as_downloaded
from desktop_search.i18n import _
from desktop_search.ui import desktop_open

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
    focus (``SearchWindow.current_hit``): the actions and what they do."""

    def __init__(self, w: SearchWindow) -> None:
        self.w = w
        # Enter, Ctrl+Enter and Ctrl+C are handled by the search field and list (so Ctrl+C
        # still copies selected text); the menu only names them
        self.open = _action(w, _("&Open"), lambda: self.open_hit(w.current_hit()), hint="Enter")
        self.reveal = _action(w, _("Show in &Folder"), lambda: self.reveal_hit(w.current_hit()),
                              hint="Ctrl+Enter")
        self.copy = _action(w, _("&Copy Path"), lambda: self.copy_path(w.current_hit()),
                            hint="Ctrl+C")
        self.like = _action(w, _("&More Like This"), lambda: w.more_like_this(w.current_hit()),
                            "Ctrl+M")
        self.save_copy = _action(w, _("&Save a Copy…"), lambda: self.save_copy_of(w.current_hit()))

    def open_hit(self, hit: Hit | None) -> None:
        """Open a file with its program (an ``.eml`` with the mail program); a document
        inside a file is first copied out alone to a private temporary folder."""
        if hit is None:
            return
        if hit.inside:
            label = hit.chain_label()
            self.w.controller.copy_out(
                hit, lambda path: self._open_copy(hit, path),
                lambda exc: self.w.show_error(_("Cannot open {name}: {error}").format(name=label, error=exc)))
            return
        try:
            self.w.opener(hit)
        except Exception as exc:  # noqa: BLE001 - the opener is the platform's business
            self.w.show_error(_("Cannot open {name}: {error}").format(name=hit.path, error=exc))

    def _open_copy(self, hit: Hit, path: str) -> None:
        """A document copied out of a file: opened when it is a document or a medium;
        anything else (a script, a shortcut, a program) is offered as a copy to save."""
        if can_open_inside(os.path.basename(path)):
            self.open_hit(replace(hit, path=path, inside=[]))
            return
        self.w.statusBar().showMessage(
            _("{name} is not opened from inside a file: save a copy to look at it").format(
                name=hit.chain_label()), 8000)
        self._save_copied(hit.chain_label(), path)

    def save_copy_of(self, hit: Hit | None) -> None:
        """Save a document inside a file (an archive member; a message of a mailbox, as
        ``.eml``) where the user says: copied out first, then moved there."""
        if hit is None or not hit.inside:
            return
        label = hit.chain_label()
        self.w.controller.copy_out(hit, lambda tmp: self._save_copied(label, tmp),
                                   lambda exc: self.w.show_error(_("Cannot save {name}: {error}").format(
                                       name=label, error=exc)))

    def _save_copied(self, label: str, tmp: str) -> None:
        dest = self.w.save_as(os.path.basename(tmp))
        if not dest:
            return
        try:
            shutil.copyfile(tmp, dest)
        except OSError as exc:
            self.w.show_error(_("Cannot save {name}: {error}").format(
                name=label, error=exc.strerror or exc))
            return
        mark_as_downloaded(dest)         # Windows' zone mark, macOS' quarantine
        self.w.statusBar().showMessage(_("Saved {path}").format(path=dest), 3000)

    def reveal_hit(self, hit: Hit | None) -> None:
        if hit is None:
            return
        try:
            self.w.revealer(hit)
        except Exception as exc:  # noqa: BLE001
            self.w.show_error(_("Cannot show {name}: {error}").format(name=hit.path, error=exc))

    def copy_path(self, hit: Hit | None) -> None:
        if hit is None:
            return
        desktop_open.copy_path(hit)
        self.w.statusBar().showMessage(_("Copied {path}").format(path=hit.path), 3000)

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
