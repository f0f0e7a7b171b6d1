"""The real window (``run_app``), reporting on stdout what an X11 test cannot see from
outside: when it comes to the front with the query field focused, and when it hides.

Run by ``tests/e2e/test_hotkey_x11.py`` and ``benchmarks/hotkey.py`` on an Xvfb display:
``python tests/e2e/hotkey_window.py DATA_DIR``. One line per event:
``ready <X window id> <shortcut message>``, ``front <unix time> <selected text>``, ``hidden <unix time>``.
"""
from __future__ import annotations

import logging
import os
import sys
import time

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication


def _say(*parts) -> None:
    print(*parts, flush=True)


class Reporter(QObject):
    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.ready = False
        app.focusChanged.connect(self._on_app_focus_changed)
        app.installEventFilter(self)

    def window(self):
        from desktop_search.ui.window import SearchWindow

        return next((w for w in QApplication.topLevelWidgets() if isinstance(w, SearchWindow)),
                    None)

    def _on_app_focus_changed(self, _old, new) -> None:
        self._check_front(new)

    def _check_front(self, focus) -> None:
        w = self.window()
        if w is not None and focus is w.search_edit and w.isActiveWindow() and not w.isMinimized():
            _say("front", f"{time.time():.6f}", repr(w.search_edit.selectedText()))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        w = self.window()
        if w is not None and obj is w:
            t = event.type()
            if t == QEvent.Type.Hide or (t == QEvent.Type.WindowStateChange and w.isMinimized()):
                _say("hidden", f"{time.time():.6f}")
            elif t == QEvent.Type.WindowActivate:
                self._check_front(QApplication.focusWidget())
            elif t == QEvent.Type.Show and not self.ready:
                self.ready = True
                _say("ready", int(w.winId()), w.hotkey.message if w.hotkey else "no shortcut")
        return False


def main() -> int:
    from desktop_search.ui.app import make_application, run_app

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO, format="log %(levelname)s %(name)s: %(message)s")
    app = make_application(sys.argv[:1])
    Reporter(app)
    return run_app(data_dir=sys.argv[1], argv=sys.argv[:1])


if __name__ == "__main__":
    sys.exit(main())
