"""The filters read from the query, shown as chips under the search field.

``QueryReader`` reads the query as it is typed (``core.search.understand``: microseconds,
on the GUI thread) and remembers the chips the user removed for this text; ``ChipsBar``
paints one removable chip per filter ("PDFs ✕", "2021 ✕", "From Pedro ✕"). Removing one
says ``chip_removed`` and the search bar asks again without it.
"""
from __future__ import annotations

import threading
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from desktop_search.core.search import Filters
from desktop_search.core.search.remembered import kinds_label, to_filters, when_label
from desktop_search.core.search.understand import Field, Piece, Understood, understand, warm
from desktop_search.i18n import _
from desktop_search.ui.bridge import emit


class QueryReader:
    """What the typed text says, minus the chips removed for it."""

    def __init__(self) -> None:
        self.enabled = True
        #: folder name (lowercase) -> paths under the watched folders ("in Downloads")
        self.folders: dict[str, list[str]] = {}
        self._removed: tuple[str, frozenset[tuple[int, int]]] = ("", frozenset())
        threading.Thread(target=warm, name="understand-warm", daemon=True).start()

    def read(self, text: str, *, today: date | None = None) -> Understood:
        u = understand(text, today=today or date.today(), folders=self.folders,
                       literal=not self.enabled)
        if self._removed[0] != u.text:
            self._removed = (u.text, frozenset())
        for piece in u.pieces:
            if (piece.start, piece.end) in self._removed[1]:
                u = u.without(piece)
        return u

    def remove(self, u: Understood, piece: Piece) -> None:
        """Read ``piece`` as words from now on, while the text stays the same."""
        done = self._removed[1] if self._removed[0] == u.text else frozenset()
        self._removed = (u.text, done | {(piece.start, piece.end)})

    def filters(self, u: Understood, base: Filters | None) -> Filters | None:
        f = to_filters(u, base=base, folders=self.folders)
        return f if f.active() else None


def chip_text(u: Understood, piece: Piece) -> str:
    """What a chip says: "PDFs", "March 2026", "From Pedro", "To Ana", "In Downloads"."""
    if piece.field is Field.KIND:
        return kinds_label(piece.kinds)
    if piece.field is Field.DATE:
        return when_label(piece.after, piece.before) or u.words(piece)
    if piece.field is Field.SENDER:
        return _("From {name}").format(name=piece.name)
    if piece.field is Field.RECIPIENT:
        return _("To {name}").format(name=piece.name)
    return _("In {folder}").format(folder=piece.name)


class ChipsBar(QWidget):
    """One button a filter read from the query; clicking it removes that filter."""

    chip_removed = Signal(object)         # the Piece

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.understood: Understood | None = None
        self.buttons: list[QToolButton] = []
        self._lay = QHBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(6)
        self._label = QLabel(_("Understood:"))
        self._lay.addWidget(self._label)
        self._lay.addStretch(1)
        self.setVisible(False)

    def show_understood(self, u: Understood | None) -> None:
        pieces = u.pieces if u is not None else ()
        if self.understood is not None and u is not None and \
                self.understood.pieces == pieces and self.understood.text == u.text:
            return
        self.understood = u
        for b in self.buttons:
            self._lay.removeWidget(b)
            b.deleteLater()
        self.buttons = []
        for piece in pieces:
            assert u is not None      # the pieces are u's
            b = QToolButton(self)
            b.setText(chip_text(u, piece) + " ✕")
            b.setToolTip(_("Read from “{words}”: click to search these words instead")
                         .format(words=u.words(piece)))
            b.setAccessibleName(_("Remove the filter {name}").format(name=chip_text(u, piece)))
            b.setAutoRaise(False)
            b.clicked.connect(lambda _checked=False, p=piece: emit(self.chip_removed, p))
            self._lay.insertWidget(self._lay.count() - 1, b)
            self.buttons.append(b)
        self.setVisible(bool(pieces))


class BoxMirror:
    """The Type, Folder and Modified boxes show what the query said (without saying
    ``currentIndexChanged``); a box set this way is not also read as the user's choice."""

    SAID = "said"          # the Modified box's item for a date read from the query

    def __init__(self, type_combo, folder_combo, date_combo) -> None:
        self.type_combo, self.folder_combo, self.date_combo = type_combo, folder_combo, date_combo
        self.reflected: set = set()

    def user_changed(self, combo) -> None:
        self.reflected.discard(combo)

    def show(self, u: Understood | None, folders: dict[str, list[str]]) -> None:
        self._reset()
        if u is None:
            return
        if u.kinds:
            self._select(self.type_combo, self.type_combo.findData(u.kinds[0]))
        if u.folder:
            paths = folders.get(u.folder.lower(), [])
            self._select(self.folder_combo,
                         self.folder_combo.findData(paths[0]) if paths else -1)
        label = when_label(u.after, u.before)
        if label and self.date_combo.currentIndex() == 0:
            self.date_combo.blockSignals(True)
            self.date_combo.addItem(label, self.SAID)
            self.date_combo.blockSignals(False)
            self._select(self.date_combo, self.date_combo.count() - 1)

    def _select(self, combo, i: int) -> None:
        if i <= 0 or combo.currentIndex() != 0 or combo in self.reflected:
            return                 # the user's own choice stays
        combo.blockSignals(True)
        combo.setCurrentIndex(i)
        combo.blockSignals(False)
        self.reflected.add(combo)

    def _reset(self) -> None:
        for combo in (self.type_combo, self.folder_combo, self.date_combo):
            combo.blockSignals(True)
            if combo in self.reflected:
                combo.setCurrentIndex(0)
            i = combo.findData(self.SAID)
            if i > 0:
                combo.removeItem(i)
            combo.blockSignals(False)
        self.reflected.clear()
