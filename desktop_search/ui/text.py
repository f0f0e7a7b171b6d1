"""Small text helpers the widgets share (no widgets here, so any widget may import it)."""
from __future__ import annotations

import html

from PySide6.QtCore import QLocale


def plain_tooltip(text: str) -> str:
    """A tooltip that shows text literally (Qt guesses rich text otherwise)."""
    return "<p style='white-space:pre'>" + html.escape(text) + "</p>"


def locale() -> QLocale:
    """The locale numbers and dates are written in: the window's language (set by
    ``ui.language.install``); the "C" locale (no language) writes them as English does."""
    loc = QLocale()
    if loc.language() == QLocale.Language.C:
        return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    return loc


def number(n: int) -> str:
    """A count as the window's language writes it ("12,345", "12 345", "12.345")."""
    return locale().toString(int(n))


def decimal(x: float, places: int = 1) -> str:
    """A number with ``places`` decimals in the window's language ("1.5", "1,5")."""
    return locale().toString(float(x), "f", places)
