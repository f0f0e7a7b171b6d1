"""Time from the process's start to the window's first paint, for the start-up numbers.

``DESKTOP_SEARCH_STARTUP_PROBE=1``: when the window paints for the first time, print
``first-paint-s <seconds>`` (from the moment the operating system started the process, so
a bundle's own unpacking and imports count) on standard error and quit. Used by
``packaging/measure_start.py`` and the bundle's test; a person never sets it.
"""
from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

ENV_PROBE = "DESKTOP_SEARCH_STARTUP_PROBE"


def process_age_s() -> float:
    """Seconds since this process was started (psutil: the kernel's start time)."""
    import psutil

    return time.time() - psutil.Process().create_time()


class FirstPaintProbe(QObject):
    """Reports the first paint of ``window``, then quits the application."""

    def __init__(self, window: QWidget, app: QApplication) -> None:
        super().__init__(window)
        self._app = app
        self._done = False
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            print(f"first-paint-s {process_age_s():.3f}", file=sys.stderr, flush=True)
            QTimer.singleShot(0, self._app.quit)
        return False


def install(window: QWidget, app: QApplication) -> FirstPaintProbe | None:
    """The probe, when the environment asks for it."""
    if os.environ.get(ENV_PROBE) != "1":
        return None
    return FirstPaintProbe(window, app)
