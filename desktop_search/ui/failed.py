"""Files that could not be indexed, each with its reason, and a retry."""
from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHeaderView,
                               QLabel, QPushButton, QTreeWidget, QTreeWidgetItem)

from desktop_search.core.extract.handout import shown_name
from desktop_search.core.extract.reasons import reason_text
from desktop_search.i18n import _, ngettext
from desktop_search.ui.controller import SearchController
from desktop_search.ui.text import number, plain_tooltip
from desktop_search.ui.widgets import lay_out_list_dialog


class FailedFilesDialog(QDialog):
    def __init__(self, controller: SearchController, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Files Not Indexed"))
        self.controller = controller
        self.failed: list[tuple[Any, ...]] = []   # (path, reason, state[, inside])

        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels([_("File"), _("Reason"), _("Folder")])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        h = self.tree.header()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        h.setStretchLastSection(False)
        self.tree.itemSelectionChanged.connect(self._update_buttons)

        self.retry_button = QPushButton(_("Retry Selected"))
        self.retry_all_button = QPushButton(_("Retry All"))
        self.retry_button.clicked.connect(self._on_retry_clicked)
        self.retry_all_button.clicked.connect(self._on_retry_all_clicked)
        lay_out_list_dialog(self, self.summary, self.tree,
                            [self.retry_button, self.retry_all_button])
        self.resize(760, 380)
        controller.failed_loaded.connect(self.set_failed)
        self.set_failed([])

    def set_failed(self, failed: list[tuple[Any, ...]]) -> None:
        """(path, reason, state[, inside]): a file, or a document inside a file (retried
        by reading its file again)."""
        self.failed = list(failed)
        self.tree.clear()
        for path, reason, _state, *rest in failed:
            inside = list(rest[0]) if rest else []
            name = shown_name(" › ".join([os.path.basename(path) or path, *inside]))
            shown = reason_text(reason) if reason else _("unknown reason")
            item = QTreeWidgetItem([name, shown, os.path.dirname(path)])
            item.setData(0, Qt.ItemDataRole.UserRole, path)
            item.setToolTip(0, plain_tooltip(" › ".join([path, *inside])))
            item.setToolTip(1, plain_tooltip(shown))
            self.tree.addTopLevelItem(item)
        n = len(failed)
        self.summary.setText(_("Every file was indexed.") if n == 0 else
                             ngettext("{count} file could not be indexed. "
                                      "Fix the file (or the setting) and retry.",
                                      "{count} files could not be indexed. "
                                      "Fix the file (or the setting) and retry.", n).format(
                                 count=number(n)))
        self._update_buttons()

    def reasons(self) -> dict[str, str]:
        """Why each is not indexed: by its path, and for a document inside a file by its
        path and the chain inside it (``file.zip › member``)."""
        return {" › ".join([p, *(chain[0] if chain else [])]): r
                for p, r, _state, *chain in self.failed}

    def _update_buttons(self) -> None:
        self.retry_button.setEnabled(bool(self.tree.selectedItems()))
        self.retry_all_button.setEnabled(bool(self.failed))

    def _on_retry_clicked(self) -> None:
        paths = [i.data(0, Qt.ItemDataRole.UserRole) for i in self.tree.selectedItems()]
        self.controller.retry(paths)

    def _on_retry_all_clicked(self) -> None:
        self.controller.retry(list(dict.fromkeys(p for p, *_ in self.failed)))
