"""Folders dropped on the window are indexed: what a drag of local files' URLs is told
(accepted or not) and which paths a drop hands over; the window owns what happens to
them. Qt delivers drag events to the widget's own handlers, which call these."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QWidget

from desktop_search.ui.bridge import emit


class FolderDrop(QObject):
    """Drag and drop of folders (local files' URLs) onto ``target``."""

    dropped = Signal(list)      # the local paths dropped

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        target.setAcceptDrops(True)

    def enter(self, event: QDragMoveEvent) -> None:
        """A drag entering or moving: accepted when it carries local files."""
        md = event.mimeData()
        if md.hasUrls() and any(u.isLocalFile() for u in md.urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def drop(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            emit(self.dropped, paths)
