"""The folders dialog: what is indexed, how far along, add / remove / pause."""
from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QDateTime, QLocale, Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHeaderView,
                               QLabel, QPushButton, QTreeWidget, QTreeWidgetItem)

from desktop_search.i18n import _, ngettext
from desktop_search.core.store import Root
from desktop_search.core.indexing import Snapshot, State
from desktop_search.core.indexing.scan import is_under
from desktop_search.ui.controller import SearchController
from desktop_search.ui.text import number, plain_tooltip
from desktop_search.ui.widgets import lay_out_list_dialog

def when_text(ts: float | None) -> str:
    if not ts:
        return _("never")
    d = time.time() - ts
    if d < 60:
        return _("just now")
    if d < 3600:
        n = int(d // 60)
        return ngettext("{n} min ago", "{n} min ago", n).format(n=n)
    if d < 86400:
        n = int(d // 3600)
        return ngettext("{n} h ago", "{n} h ago", n).format(n=n)
    return QLocale().toString(QDateTime.fromSecsSinceEpoch(int(ts)), QLocale.FormatType.ShortFormat)


def root_state(root: Root, progress: Snapshot, paused: bool) -> str:
    if root.offline:
        return _("Offline: drive not connected (index kept)")
    if paused:
        return _("Paused")
    if progress.state is State.WAITING and progress.waiting is not None:
        return _("Watching · {reason}").format(reason=progress.waiting.sentence())
    busy = progress.busy
    if busy and progress.current and is_under(progress.current, root.path):
        return _("Indexing")
    if not root.last_scan:
        return _("Waiting to scan") if busy else _("Not scanned yet")
    if busy:
        return (_("Watching (indexing elsewhere)") if progress.state != "embedding"
                else _("Reading passages"))
    return _("Up to date, watching")


class FoldersDialog(QDialog):
    def __init__(self, controller: SearchController, *, choose_folder: Callable[[], str | None],
                 confirm: Callable[[str], bool] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Folders"))
        self.controller = controller
        self._choose_folder = choose_folder
        self._confirm = confirm or (lambda path: True)
        self.roots: list[Root] = []

        intro = QLabel(_("These folders are indexed and watched for changes. "
                         "You can also drop folders onto the main window."))
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels([_("Folder"), _("Files"), _("State"), _("Last scan")])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        h = self.tree.header()
        h.setStretchLastSection(False)
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._update_buttons)

        self.add_button = QPushButton(_("Add Folder…"))
        self.remove_button = QPushButton(_("Remove"))
        self.remove_button.setToolTip(_("Forget this folder's index (the files themselves are untouched)"))
        self.pause_button = QPushButton(_("Pause Indexing"))
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip(_("Pause or resume indexing of all folders"))
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        lay_out_list_dialog(self, intro, self.tree, [self.add_button, self.remove_button],
                            right=(self.pause_button,))
        self.resize(720, 360)

        controller.roots_loaded.connect(self.set_roots)
        controller.progress_changed.connect(self._on_controller_progress)
        self._update_buttons()

    def set_roots(self, roots: list[Root]) -> None:
        selected = self.selected_path()
        self.roots = list(roots)
        self.tree.clear()
        progress, paused = self.controller.progress, self.controller.paused
        for r in roots:
            item = QTreeWidgetItem([r.path, number(r.files), root_state(r, progress, paused),
                                    when_text(r.last_scan)])
            item.setToolTip(0, plain_tooltip(r.path))
            item.setData(0, Qt.ItemDataRole.UserRole, r.path)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tree.addTopLevelItem(item)
            if r.path == selected:
                item.setSelected(True)
        self._update_buttons()

    def selected_path(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _on_controller_progress(self, progress: Snapshot) -> None:
        paused = self.controller.paused
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and i < len(self.roots):
                item.setText(2, root_state(self.roots[i], progress, paused))
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.selected_path() is not None)
        paused = self.controller.paused
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(paused)
        self.pause_button.setText(_("Resume Indexing") if paused else _("Pause Indexing"))
        self.pause_button.blockSignals(False)

    def _on_add_clicked(self) -> None:
        path = self._choose_folder()
        if path:
            self.controller.add_folder(path)

    def _on_remove_clicked(self) -> None:
        path = self.selected_path()
        if path and self._confirm(path):
            self.controller.remove_folder(path)

    def _on_pause_toggled(self, checked: bool) -> None:
        self.controller.set_paused(checked)
        self._update_buttons()
