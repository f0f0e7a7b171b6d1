"""The search bar: the query field, the filters, and what question they make together.

It turns what the user typed (or the file they asked "more like this" about) and the
filters into one typed request and says so (``request_changed``) as soon as it changes:
there is no debounce, the controller keeps one search in flight and the newest waiting.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget

from desktop_search.core.search import Filters, Hit, SearchRequest, SimilarTo, TextQuery
from desktop_search.core.store import Root
from desktop_search.i18n import N_, _, ngettext
from desktop_search.ui.bridge import emit
from desktop_search.ui.chips import BoxMirror, ChipsBar, QueryReader
from desktop_search.ui.text import number
from desktop_search.ui.widgets import ElidedLabel

#: the file types by name (translated where shown: ``_(KIND_LABELS[kind])``)
KIND_LABELS = {
    "pdf": N_("PDF"), "docx": N_("Word"), "odt": N_("OpenDocument text"), "pptx": N_("PowerPoint"),
    "html": N_("Web page"), "markdown": N_("Markdown"), "rst": N_("reStructuredText"),
    "text": N_("Plain text"), "code": N_("Source code"), "data": N_("Data / config"),
    "csv": N_("Spreadsheet (CSV)"), "picture": N_("Pictures"), "mail": N_("Mail"),
    "xlsx": N_("Excel"), "xls": N_("Excel 97-2003"), "ods": N_("OpenDocument spreadsheet"),
    "rtf": N_("Rich Text"), "doc": N_("Word 97-2003"), "ppt": N_("PowerPoint 97-2003"),
    "odp": N_("OpenDocument presentation"),
}

DATE_CHOICES = ((N_("Any time"), None), (N_("Today"), 1), (N_("Past week"), 7),
                (N_("Past month"), 31), (N_("Past year"), 365))


def folder_label(path: str) -> str:
    home = str(Path.home())
    if path == home or path.startswith(home + os.sep):
        return "~" + path[len(home):]
    return path


class SearchBar(QWidget):
    request_changed = Signal(object)      # SearchRequest, or None when there is no question
    folders_clicked = Signal()
    settings_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.like: Hit | None = None      # "more like this" mode: the file it is about

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(
            _("Search your files by meaning: words, a question, a description…"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAcceptDrops(False)
        self.search_edit.setAccessibleName(_("Search"))
        f = QFont(self.search_edit.font())
        f.setPointSizeF(max(f.pointSizeF(), 9) * 1.3)
        self.search_edit.setFont(f)
        self.search_edit.setMinimumHeight(self.search_edit.sizeHint().height() + 8)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)

        self._make_filter_boxes()

        self.count_label = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
        self.count_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self._make_buttons()

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.folders_button)
        top.addWidget(self.settings_button)

        filters = QHBoxLayout()
        filters.setSpacing(6)
        for text, combo in ((_("Type:"), self.type_combo), (_("Folder:"), self.folder_combo),
                            (_("Modified:"), self.date_combo)):
            lbl = QLabel(text)
            lbl.setBuddy(combo)
            filters.addWidget(lbl)
            filters.addWidget(combo)
            filters.addSpacing(8)
        filters.addWidget(self.count_label, 1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 10, 10, 6)
        lay.setSpacing(6)
        lay.addLayout(top)
        #: the filters read from the query, as removable chips (ui/chips.py)
        self.reader = QueryReader()
        self.chips = ChipsBar()
        self.chips.chip_removed.connect(self._on_chips_chip_removed)
        self.mirror = BoxMirror(self.type_combo, self.folder_combo, self.date_combo)
        lay.addWidget(self.chips)
        lay.addLayout(filters)

    def _make_filter_boxes(self) -> None:
        """Type, folder and date: each change asks again."""
        self.type_combo = QComboBox()
        self.type_combo.setAccessibleName(_("File type"))
        self.type_combo.addItem(_("All types"), None)
        self.folder_combo = QComboBox()
        self.folder_combo.setAccessibleName(_("Folder"))
        self.folder_combo.addItem(_("All folders"), None)
        self.folder_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.folder_combo.setMaximumWidth(360)
        self.date_combo = QComboBox()
        self.date_combo.setAccessibleName(_("Modified"))
        for label, days in DATE_CHOICES:
            self.date_combo.addItem(_(label), days)
        for combo in (self.type_combo, self.folder_combo, self.date_combo):
            combo.currentIndexChanged.connect(self._on_filter_changed)
            combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _make_buttons(self) -> None:
        """Folders and Settings, beside the field."""
        self.folders_button = QToolButton()
        self.folders_button.setText(_("Folders"))
        self.folders_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.folders_button.setToolTip(_("Add, remove or pause the indexed folders"))
        self.folders_button.clicked.connect(lambda: emit(self.folders_clicked))
        self.settings_button = QToolButton()
        self.settings_button.setText(_("Settings"))
        self.settings_button.setToolTip(_("Model, exclusions, size cap and launch behaviour"))
        self.settings_button.clicked.connect(lambda: emit(self.settings_clicked))

    # -- the question ----------------------------------------------------------------------
    def text(self) -> str:
        return self.search_edit.text().strip()

    def current_filters(self) -> Filters | None:
        f = Filters()

        def mine(combo):
            return None if combo in self.mirror.reflected else combo.currentData()
        kind = mine(self.type_combo)
        if kind:
            f.kinds = [kind]
        folder = mine(self.folder_combo)
        if folder:
            f.folders = [folder]
        days = mine(self.date_combo)
        if isinstance(days, int):
            # to the minute, so the same choice a moment later is the same question
            f.modified_after = (time.time() // 60) * 60 - days * 86400
        return f if f.active() else None

    def request(self) -> SearchRequest | None:
        """The question the bar asks now, or None (nothing typed)."""
        if self.like is not None:
            return SimilarTo(self.like.path, self.current_filters(), tuple(self.like.inside))
        q = self.text()
        if not q:
            return None
        u = self.reader.read(q)
        return TextQuery(u.query, self.reader.filters(u, self.current_filters()))

    def read_query(self) -> None:
        """Show what the query says as chips, and in the boxes."""
        u = self.reader.read(self.text()) if self.text() and self.like is None else None
        self.chips.show_understood(u if u is not None and u.filtered else None)
        self.mirror.show(u, self.reader.folders)

    def set_understanding(self, on: bool) -> None:
        """Read filters from the query (Settings), or search every word."""
        if on == self.reader.enabled:
            return
        self.reader.enabled = on
        self.read_query()
        if self.text() and self.like is None:
            emit(self.request_changed, self.request())

    def set_folder_names(self, names: dict) -> None:
        """The folders "in Downloads" can name (under the watched folders)."""
        self.reader.folders = names
        self.read_query()

    def _on_chips_chip_removed(self, piece) -> None:
        u = self.chips.understood
        if u is None:
            return
        self.reader.remove(u, piece)
        self.read_query()
        emit(self.request_changed, self.request())

    def set_like(self, hit: Hit) -> None:
        """Ask for files like this one (typing a query leaves this mode)."""
        self.like = hit
        self.read_query()
        emit(self.request_changed, self.request())

    def clear(self) -> None:
        """No question: an empty field, out of "more like this" mode."""
        self.like = None
        if self.search_edit.text():
            self.search_edit.clear()      # says request_changed(None)
        else:
            emit(self.request_changed, None)

    def clear_filters(self) -> None:
        u = self.chips.understood
        if u is not None:
            for piece in u.pieces:
                self.reader.remove(u, piece)
        self.read_query()
        for combo in (self.type_combo, self.folder_combo, self.date_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self._on_filter_changed(0)

    def _on_search_edit_text_changed(self, _text: str) -> None:
        self.like = None
        self.read_query()
        emit(self.request_changed, self.request())

    def _on_filter_changed(self, _index: int) -> None:
        self.mirror.user_changed(self.sender())
        request = self.request()
        if request is not None:
            emit(self.request_changed, request)

    # -- what the catalog holds ----------------------------------------------------------------
    def set_roots(self, roots: list[Root]) -> None:
        self._refill(self.folder_combo, _("All folders"),
                     [(folder_label(r.path), r.path) for r in roots])

    def set_kinds(self, kinds: list[str]) -> None:
        self._refill(self.type_combo, _("All types"),
                     [(_(KIND_LABELS[k]) if k in KIND_LABELS else k.capitalize(), k) for k in kinds])

    @staticmethod
    def _refill(combo: QComboBox, everything: str, items: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everything, None)
        for label, data in items:
            combo.addItem(label, data)
        i = combo.findData(current) if current else 0
        combo.setCurrentIndex(max(0, i))
        combo.blockSignals(False)

    # -- the answer's size ---------------------------------------------------------------------
    def show_count(self, request: SearchRequest | None, hits: list[Hit], dense: bool) -> None:
        if isinstance(request, SimilarTo):
            self.count_label.setText(_("Files like {name}").format(name=os.path.basename(request.path)))
        elif hits:
            n = len(hits)
            count = ngettext("{count} file", "{count} files", n).format(count=number(n))
            self.count_label.setText(count if dense else _("{count} · matched by words").format(count=count))
        else:
            self.count_label.setText("")
