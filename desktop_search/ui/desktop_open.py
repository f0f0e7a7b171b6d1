"""Opening a result with the desktop: its default application, its folder, the clipboard."""
from __future__ import annotations

import os
import sys

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from desktop_search.core.search import Hit


def open_with_system(hit: Hit) -> None:
    """Open the file with the desktop's default application."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(hit.path))


def reveal_with_system(hit: Hit) -> None:
    """Show the file in the file manager (selected where the platform allows)."""
    if sys.platform == "darwin":
        QProcess.startDetached("open", ["-R", hit.path])
    elif sys.platform == "win32":
        QProcess.startDetached("explorer.exe", ["/select,", os.path.normpath(hit.path)])
    else:
        QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(hit.path)))


def copy_path(hit: Hit) -> None:
    QGuiApplication.clipboard().setText(hit.path)
