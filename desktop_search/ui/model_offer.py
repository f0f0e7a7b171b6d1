"""The model in plain words: which languages the search understands and why (the status
bar), and, when the files changed language, the offer to understand them (a bar above the
results: what it brings, what it costs, one click)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_search.i18n import _
from desktop_search.core.embed.advice import ModelAdvice, ModelChoice
from desktop_search.ui.bridge import emit
from desktop_search.ui.text import plain_tooltip


def choice_text(choice: ModelChoice | None) -> str:
    """"Understands about 100 languages · chosen for your files: 60% Portuguese"."""
    return choice.sentence() if choice is not None else ""


class ModelOfferBar(QFrame):
    """"Some of your files are in Portuguese… [Understand every language] [Not now]"."""

    accepted = Signal(str)          # the model to switch to (a registry name)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, pal.color(QPalette.ColorRole.AlternateBase))
        self.setPalette(pal)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.accept_button = QPushButton()
        self.accept_button.setAutoDefault(False)
        self.dismiss_button = QPushButton(_("Not now"))
        self.dismiss_button.setAutoDefault(False)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addWidget(self.message, 1)
        lay.addWidget(self.accept_button)
        lay.addWidget(self.dismiss_button)
        self._advice: ModelAdvice | None = None
        self._dismissed: set[str] = set()
        self.accept_button.clicked.connect(self._on_accept_button_clicked)
        self.dismiss_button.clicked.connect(self._on_dismiss_button_clicked)
        self.hide()

    def show_advice(self, advice: ModelAdvice | None, *, switching: bool = False) -> None:
        """Offer the advice's model, unless there is none, it was declined this session,
        or a switch is already under way."""
        self._advice = advice
        wanted = advice.suggested if advice is not None else None
        if advice is None or wanted is None or wanted in self._dismissed or switching:
            self.hide()
            return
        self.message.setText(_("{reason}. Switching {cost}.").format(
            reason=advice.reason[:1].upper() + advice.reason[1:], cost=advice.cost_text()))
        self.accept_button.setText(_("Understand {languages}").format(languages=advice.suggested_label))
        self.accept_button.setToolTip(plain_tooltip(_("Uses the model {name}").format(name=wanted)))
        self.show()

    def _on_accept_button_clicked(self) -> None:
        if self._advice is not None and self._advice.suggested:
            name = self._advice.suggested
            self._dismissed.add(name)        # one click: the bar goes, the switch begins
            self.hide()
            emit(self.accepted, name)

    def _on_dismiss_button_clicked(self) -> None:
        if self._advice is not None and self._advice.suggested:
            self._dismissed.add(self._advice.suggested)
        self.hide()
