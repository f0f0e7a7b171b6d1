"""The keyboard: what a key does in the search field and the results list.

The field keeps the focus while the user types, so the list's keys work from it too:
Up/Down/PageUp/PageDown move the selection, Enter opens, Ctrl+Enter shows in the folder,
Ctrl+C copies the path (unless text is selected in the field), Escape clears (and on an
empty query puts the window away). This only
says what was asked; the window connects it to the parts that do it.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLineEdit, QWidget

from desktop_search.ui.bridge import emit

MOVE_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


class ResultKeys(QObject):
    move_requested = Signal(object)       # a key of MOVE_KEYS
    open_requested = Signal(bool)         # True: show in folder instead
    copy_requested = Signal()
    clear_requested = Signal()

    def __init__(self, *, field: QLineEdit, results: QWidget, answered: Callable[[], bool],
                 has_hit: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.field, self.results = field, results
        self._answered, self._has_hit = answered, has_hit
        field.installEventFilter(self)
        results.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.KeyPress and obj in (self.field, self.results):
            return self._key(obj, event)
        return False

    def _key(self, obj, event) -> bool:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier))
        if key in MOVE_KEYS and not ctrl:
            if obj is self.field:
                emit(self.move_requested, key)
                return True
            return False            # the list moves itself
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if obj is self.field and not self._answered():
                # Enter right after typing: the answer is on its way; open on the next Enter
                return True
            emit(self.open_requested, ctrl)
            return True
        if event.matches(QKeySequence.StandardKey.Copy):
            if obj is self.field and self.field.hasSelectedText():
                return False        # copy the selected text, as usual
            if self._has_hit():
                emit(self.copy_requested)
                return True
            return False
        if key == Qt.Key.Key_Escape:
            emit(self.clear_requested)
            return True
        return False
