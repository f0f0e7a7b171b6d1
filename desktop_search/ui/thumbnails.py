"""Thumbnails of pictures for the results list and the preview: made off the GUI thread.

``core.extract.images.make_thumbnail`` decodes the picture (reduced, upright) and caches a PNG on
disk. A picture is untrusted input: it is decoded in a sandboxed child (``SandboxedExtractor``:
time, memory and CPU limits, dies with the app), never in the window's process. This module
reads the cached PNG (our own) into a ``QImage`` on its own worker thread, and only the
``QPixmap`` conversion (cheap, and GUI-thread only by Qt's rules) happens here.
"""
from __future__ import annotations

import functools
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from desktop_search.core.indexing.sandbox import SandboxedExtractor
from desktop_search.ui.bridge import TaskRunner

log = logging.getLogger(__name__)

#: pixels on the long side of a results-list thumbnail and of a preview image
LIST_PX = 128
PREVIEW_PX = 1024
#: the thumbnail child's limits: a reduced decode of a photo needs far less than a reader
THUMB_TIMEOUT_S = 20.0
THUMB_MEMORY_MB = 1024
_MAKE = "desktop_search.core.extract.images:make_thumbnail"


class ThumbnailProvider(QObject):
    """Pixmaps of pictures by path and size; ``thumbnail_ready(path, px)`` when one arrives."""

    thumbnail_ready = Signal(str, int)

    def __init__(self, cache_dir: str | os.PathLike[str], *, capacity: int = 400,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cache_dir = Path(cache_dir)
        self._runner = TaskRunner("thumbnails", self)
        #: decodes pictures in a child process (started on the first thumbnail)
        self.sandbox = SandboxedExtractor(timeout_s=THUMB_TIMEOUT_S, memory_mb=THUMB_MEMORY_MB)
        self._pixmaps: OrderedDict[tuple[str, int], QPixmap] = OrderedDict()
        self._pending: set[tuple[str, int]] = set()
        self._failed: set[tuple[str, int]] = set()
        self.capacity = capacity
        # the disk cache is bounded: trimmed once per start, on the worker thread
        self._runner.submit(lambda: _prune(self.cache_dir))

    def pixmap(self, path: str, px: int = LIST_PX) -> QPixmap | None:
        """The thumbnail if ready; otherwise None, and it is made in the background."""
        key = (path, px)
        pm = self._pixmaps.get(key)
        if pm is not None:
            self._pixmaps.move_to_end(key)
            return pm
        if key in self._pending or key in self._failed:
            return None
        self._pending.add(key)
        self._runner.submit(lambda: self._load(path, px),
                            functools.partial(self._on_loaded, key),
                            functools.partial(self._on_failed, key))
        return None

    def _load(self, path: str, px: int) -> QImage:
        out = self.sandbox.call(_MAKE, path=path, cache_dir=str(self.cache_dir), px=px)
        img = QImage(str(out))
        if img.isNull():
            raise OSError(f"unreadable thumbnail {out}")
        return img

    def _on_loaded(self, key: tuple[str, int], img: QImage) -> None:
        self._pending.discard(key)
        self._pixmaps[key] = QPixmap.fromImage(img)
        while len(self._pixmaps) > self.capacity:
            self._pixmaps.popitem(last=False)
        self.thumbnail_ready.emit(*key)

    def _on_failed(self, key: tuple[str, int], exc: BaseException) -> None:
        self._pending.discard(key)
        self._failed.add(key)   # a damaged picture keeps its type icon; no retry loop
        log.debug("no thumbnail for %s: %s", key[0], exc)

    def forget(self, path: str) -> None:
        """A picture changed: drop what is held for it (the disk cache is keyed by mtime)."""
        for key in [k for k in self._pixmaps if k[0] == path]:
            del self._pixmaps[key]
        self._failed = {k for k in self._failed if k[0] != path}

    def shutdown(self) -> None:
        self._runner.shutdown(wait=False)
        # the child ends on a thread of its own: a picture being decoded holds its lock
        threading.Thread(target=self.sandbox.close, name="thumbnails-close", daemon=True).start()


def _prune(cache_dir: Path) -> int:
    from desktop_search.core.extract.images import prune_thumbnails

    return prune_thumbnails(cache_dir)


def scaled_to(pm: QPixmap, width: int, height: int) -> QPixmap:
    """Fit a pixmap into a box, keeping its shape, smoothly."""
    return pm.scaled(max(1, width), max(1, height), Qt.AspectRatioMode.KeepAspectRatio,
                     Qt.TransformationMode.SmoothTransformation)


def install(*, results_view, preview, parent: QObject, cache_dir: str | os.PathLike[str] | None = None
            ) -> ThumbnailProvider:
    """Give the results list and the preview pane their pictures (one call from the window)."""
    if cache_dir is None:
        from desktop_search import paths

        cache_dir = paths.cache_dir() / "thumbnails"
    provider = ThumbnailProvider(cache_dir, parent=parent)
    results_view.itemDelegate().thumbnails = provider
    preview.thumbnails = provider
    provider.thumbnail_ready.connect(lambda *_: results_view.viewport().update())
    provider.thumbnail_ready.connect(preview.on_thumbnail_ready)
    return provider
