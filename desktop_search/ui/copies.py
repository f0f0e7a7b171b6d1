"""Copies and versions in the window: a result's copies folded into its row, and the
"Copies and Versions" dialog that lists every group with open and reveal.

The groups come from the controller's ``duplicates_ready`` (looked for off the GUI
thread); nothing here asks the engine.
"""
from __future__ import annotations

import os

from PySide6.QtCore import QDateTime, QLocale, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHeaderView, QLabel, QPushButton,
                               QTreeWidget, QTreeWidgetItem)

from desktop_search.core.extract.handout import shown_name
from desktop_search.i18n import _, ngettext
from desktop_search.core.search import Hit
from desktop_search.core.search.duplicates import IDENTICAL, DuplicateGroup, Member, doc_key
from desktop_search.ui.text import number, plain_tooltip
from desktop_search.ui.widgets import lay_out_list_dialog

MemberRole = Qt.ItemDataRole.UserRole + 1


def copies_label(n: int) -> str:
    """"+ 1 copy", "+ 3 copies"."""
    return ngettext("+ {count} copy", "+ {count} copies", n).format(count=number(n))


def fold_copies(hits: list[Hit], copies: dict[str, tuple[Member, ...]]) -> list[Hit]:
    """The hits with each file's copies left out after its first (best-ranked) row."""
    out, covered = [], set()
    for h in hits:
        key = doc_key(h.path, h.inside)
        if key in covered:
            continue
        out.append(h)
        covered.add(key)
        covered.update(doc_key(m.path, m.inside) for m in copies.get(key, ()))
    return out


def member_hit(m: Member) -> Hit:
    """A member as the window's openers take it (a hit with no passage)."""
    return Hit(path=m.path, score=0.0, snippet="", highlights=[], page=None, line=None,
               kind=None, title=None, modified=m.modified, size=m.size, file_id=m.file_id,
               chunk_id=-1, passage_start=0, passage_end=0, inside=list(m.inside))


def difference(m: Member) -> str:
    if m.newest:
        return _("newest")
    return (_("same text") if m.changed == 0
            else _("{percent}% of passages changed").format(percent=m.changed))


def group_title(g: DuplicateGroup) -> str:
    name = shown_name(os.path.basename(g.newest.path))
    n = len(g.members)
    if g.kind == IDENTICAL:
        return ngettext("{name}: {count} copy, identical", "{name}: {count} copies, identical",
                        n).format(name=name, count=number(n))
    return ngettext("{name}: {count} document, {difference}", "{name}: {count} documents, {difference}",
                    n).format(name=name, count=number(n), difference=g.describe())


class CopiesDialog(QDialog):
    """Every group of copies and versions; open or reveal any member."""

    open_requested = Signal(object)       # a Hit
    reveal_requested = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Copies and Versions"))
        self.groups: list[DuplicateGroup] | None = None
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels([_("Document"), _("Difference"), _("Modified"), _("Folder")])
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        h = self.tree.header()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        h.setStretchLastSection(True)
        h.resizeSection(0, 300)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemActivated.connect(self._on_tree_item_activated)

        self.open_button = QPushButton(_("Open"))
        self.reveal_button = QPushButton(_("Show in Folder"))
        self.open_button.clicked.connect(lambda: self._ask(self.open_requested))
        self.reveal_button.clicked.connect(lambda: self._ask(self.reveal_requested))
        lay_out_list_dialog(self, self.summary, self.tree, [self.open_button, self.reveal_button])
        self.resize(860, 460)
        self.set_groups(None)

    def set_groups(self, groups: list[DuplicateGroup] | None) -> None:
        """Show these groups (None: still being looked for)."""
        self.groups = groups
        self.tree.clear()
        loc = QLocale()
        for g in groups or []:
            top = QTreeWidgetItem([group_title(g), "", "", ""])
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            for m in g.members:
                when = loc.toString(QDateTime.fromSecsSinceEpoch(int(m.modified)),
                                    QLocale.FormatType.ShortFormat)
                child = QTreeWidgetItem([shown_name(" › ".join([os.path.basename(m.path),
                                                                *m.inside])),
                                         difference(m), when, os.path.dirname(m.path)])
                child.setData(0, MemberRole, m)
                child.setToolTip(0, plain_tooltip(m.path))
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)       # the group's title across the columns
            top.setExpanded(True)
        if groups is None:
            text = _("Looking for copies and versions…")
        elif not groups:
            text = _("No copies or versions found: every indexed document's text is its own.")
        else:
            copies = sum(g.kind == IDENTICAL for g in groups)
            versions = len(groups) - copies
            text = _("{copies} and {versions} (most passages the same; the newest first, with how "
                     "much of each differs from it).").format(
                copies=ngettext("{count} group of copies (the same text)",
                                "{count} groups of copies (the same text)", copies).format(
                    count=number(copies)),
                versions=ngettext("{count} group of versions", "{count} groups of versions",
                                  versions).format(count=number(versions)))
        self.summary.setText(text)
        self._update_buttons()

    def selected_member(self) -> Member | None:
        items = self.tree.selectedItems()
        return items[0].data(0, MemberRole) if items else None

    def _update_buttons(self) -> None:
        has = self.selected_member() is not None
        self.open_button.setEnabled(has)
        self.reveal_button.setEnabled(has)

    def _ask(self, signal) -> None:
        m = self.selected_member()
        if m is not None:
            signal.emit(member_hit(m))

    def _on_tree_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        m = item.data(0, MemberRole)
        if m is not None:
            self.open_requested.emit(member_hit(m))

