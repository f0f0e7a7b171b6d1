"""Folders dropped on the window are indexed: an event filter that accepts local files'
URLs and says which were dropped (the window owns what happens to them)."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop_search.ui.bridge import emit


class FolderDrop(QObject):
    """Drag and drop of folders (local files' URLs) onto ``target``."""

    dropped = Signal(list)      # the local paths dropped

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        target.setAcceptDrops(True)
        target.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            md = event.mimeData()  # type: ignore[attr-defined]
            if md.hasUrls() and any(u.isLocalFile() for u in md.urls()):
                event.acceptProposedAction()  # type: ignore[attr-defined]
            else:
                event.ignore()
            return True
        if kind == QEvent.Type.Drop:
            paths = [u.toLocalFile() for u in event.mimeData().urls()  # type: ignore[attr-defined]
                     if u.isLocalFile()]
            if paths:
                event.acceptProposedAction()  # type: ignore[attr-defined]
                emit(self.dropped, paths)
            return True
        return False
