"""Small widgets: a label that elides instead of clipping, a helpful empty state, and the
layout the list dialogs share."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPushButton,
                               QSizePolicy, QVBoxLayout, QWidget)

from desktop_search.ui.text import plain_tooltip


class ElidedLabel(QWidget):
    """One line of plain text that shrinks with an ellipsis (never clipped mid-glyph)."""

    def __init__(self, text: str = "", *, mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._details = ""
        self._mode = mode
        self._align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - Qt naming
        text = text or ""
        if text == self._text:
            return
        self._text = text
        self._update_tooltip()
        self.updateGeometry()
        self.update()

    def setDetails(self, details: str) -> None:  # noqa: N802
        """A tooltip shown always; the whole text is put before it while it is elided."""
        self._details = details or ""
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        fm = QFontMetrics(self.font())
        elided = bool(self._text) and fm.horizontalAdvance(self._text) > self.width()
        tip = "\n".join(t for t in (self._text if elided else "", self._details) if t)
        self.setToolTip(plain_tooltip(tip) if tip else "")

    def setAlignment(self, align) -> None:  # noqa: N802
        self._align = align
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        fm = QFontMetrics(self.font())
        return QSize(fm.horizontalAdvance(self._text) + 4, fm.height() + 2)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        fm = QFontMetrics(self.font())
        return QSize(min(fm.horizontalAdvance(self._text) + 4, fm.horizontalAdvance("M…M") + 4),
                     fm.height() + 2)

    def resizeEvent(self, event) -> None:  # noqa: N802
        self._update_tooltip()
        super().resizeEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setPen(self.palette().color(self.foregroundRole()))
        fm = QFontMetrics(self.font())
        p.drawText(self.rect(), self._align, fm.elidedText(self._text, self._mode, self.width()))


class EmptyState(QWidget):
    """A centred title, an explanation and, when it helps, one button."""

    action_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        f = QFont(self.title.font())
        f.setPointSizeF(max(f.pointSizeF(), 9) * 1.35)
        f.setBold(True)
        self.title.setFont(f)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.button = QPushButton()
        self.button.setDefault(False)
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self.action_clicked)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(32, 24, 32, 24)
        lay.addStretch(2)
        lay.addWidget(self.title)
        lay.addSpacing(6)
        lay.addWidget(self.message)
        lay.addSpacing(12)
        lay.addLayout(row)
        lay.addStretch(3)

    def show_state(self, title: str, message: str = "", action: str | None = None) -> None:
        self.title.setText(title)
        self.message.setText(message)
        self.message.setVisible(bool(message))
        self.button.setText(action or "")
        self.button.setVisible(bool(action))


def lay_out_list_dialog(dialog: QDialog, top: QWidget, tree: QWidget,
                        buttons: list[QPushButton], right: tuple[QPushButton, ...] = ()) -> None:
    """The layout the list dialogs share (folders, files not indexed, copies): a line
    above, the list, a row of buttons (never the default button: Enter stays with the
    list), then Close."""
    row = QHBoxLayout()
    for b in (*buttons, *right):
        b.setAutoDefault(False)
    for b in buttons:
        row.addWidget(b)
    row.addStretch(1)
    for b in right:
        row.addWidget(b)
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    box.rejected.connect(dialog.reject)
    lay = QVBoxLayout(dialog)
    lay.addWidget(top)
    lay.addWidget(tree, 1)
    lay.addLayout(row)
    lay.addWidget(box)
