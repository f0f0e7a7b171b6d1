"""The small modal questions the window asks: which folder, really remove it, about."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from desktop_search.i18n import _
from desktop_search.ui.resources import app_icon


def choose_folder(parent: QWidget | None) -> str | None:
    path = QFileDialog.getExistingDirectory(parent, _("Add a Folder to Search"), str(Path.home()))
    return path or None


def choose_save(parent: QWidget | None, name: str) -> str | None:
    """Where to save a copy of a document inside a file (a message as ``.eml``)."""
    path, _filter = QFileDialog.getSaveFileName(parent, _("Save a Copy"), str(Path.home() / name))
    return path or None


def confirm_remove(parent: QWidget | None, path: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, _("Remove Folder"),
                      _("Stop searching {folder}?").format(folder=path),
                      parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setInformativeText(_("Its index is deleted. The files themselves are not touched."))
    box.setStandardButtons(QMessageBox.StandardButton.Cancel)
    remove = box.addButton(_("Remove"), QMessageBox.ButtonRole.DestructiveRole)
    box.exec()
    return box.clickedButton() is remove


def show_about(parent: QWidget | None) -> None:
    from desktop_search import __version__

    box = QMessageBox(parent)
    box.setWindowTitle(_("About Desktop Search"))
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(_("Desktop Search {version}").format(version=__version__))
    box.setInformativeText(_("Finds the files on this computer that mean what you type. "
                             "Private and offline: nothing leaves this computer."))
    box.exec()
