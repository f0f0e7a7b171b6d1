"""Where the window was: its geometry, the split between results and preview, the date
filter; kept in a small INI file in the data folder (Qt's own format)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

if TYPE_CHECKING:
    from desktop_search.ui.window import SearchWindow

DEFAULT_SPLIT = [620, 480]


def _settings(path: Path | None) -> QSettings | None:
    return QSettings(str(path), QSettings.Format.IniFormat) if path is not None else None


def restore(w: SearchWindow, path: Path | None) -> None:
    qs = _settings(path)
    if qs is None:
        w.splitter.setSizes(DEFAULT_SPLIT)
        return
    geo = qs.value("window/geometry")
    if isinstance(geo, QByteArray) and not geo.isEmpty():
        w.restoreGeometry(geo)
    split = qs.value("window/splitter")
    if not (isinstance(split, QByteArray) and w.splitter.restoreState(split)):
        w.splitter.setSizes(DEFAULT_SPLIT)
    date = qs.value("filters/date")
    if date is not None:
        combo = w.search_bar.date_combo
        try:
            combo.setCurrentIndex(max(0, min(int(date), combo.count() - 1)))
        except (TypeError, ValueError):
            pass


def save(w: SearchWindow, path: Path | None) -> bool:
    """Write the window's state; False when it has nowhere to go."""
    qs = _settings(path)
    if qs is None:
        return False
    qs.setValue("window/geometry", w.saveGeometry())
    qs.setValue("window/splitter", w.splitter.saveState())
    qs.setValue("filters/date", w.search_bar.date_combo.currentIndex())
    qs.sync()
    return True
