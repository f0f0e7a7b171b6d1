"""Time from the process's start to the window's first paint, for the start-up numbers.

``DESKTOP_SEARCH_STARTUP_PROBE=1``: when the window paints for the first time, print
``first-paint-s <seconds>`` (from the moment the kernel started the process, so a
bundle's own start and imports count) on standard error; then, once the engine has
opened (or failed to), quit, as a person who opens the window and closes it would. Used
by ``packaging/measure_start.py`` and the bundle's test; a person never sets it.
"""
from __future__ import annotations

import os
import sys

from PySide6.QtCore import QEvent, QObject, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication, QWidget

ENV_PROBE = "DESKTOP_SEARCH_STARTUP_PROBE"
#: quit even if the engine has not said anything by then
_QUIT_AFTER_MS = 60_000


def process_age_s() -> float:
    """Seconds since the kernel started this process: on Linux from /proc (the start
    and the uptime on one clock, to 10 ms); elsewhere psutil's start time."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        import time

        import psutil

        return time.time() - psutil.Process().create_time()


class FirstPaintProbe(QObject):
    """Reports the first paint of ``window``, then quits the application once
    ``settled`` fires (the engine opened or failed)."""

    def __init__(self, window: QWidget, app: QApplication,
                 settled: tuple[SignalInstance, ...]) -> None:
        super().__init__(window)
        self._app = app
        self._painted = False
        window.installEventFilter(self)
        for signal in settled:
            signal.connect(self._quit_soon)
        QTimer.singleShot(_QUIT_AFTER_MS, self._quit_soon)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if not self._painted and event.type() == QEvent.Type.Paint:
            self._painted = True
            print(f"first-paint-s {process_age_s():.3f}", file=sys.stderr, flush=True)
        return False

    def _quit_soon(self, *_args) -> None:
        if self._painted:
            QTimer.singleShot(0, self._app.quit)
        else:
            QTimer.singleShot(100, self._quit_soon)


def install(window: QWidget, app: QApplication,
            settled: tuple[SignalInstance, ...]) -> FirstPaintProbe | None:
    """The probe, when the environment asks for it."""
    if os.environ.get(ENV_PROBE) != "1":
        return None
    return FirstPaintProbe(window, app, settled)
