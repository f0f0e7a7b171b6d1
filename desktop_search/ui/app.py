"""The application: QApplication, crash reporting, wiring the controller to the window.

``run_app`` shows the window before anything slow happens: the engine opens on a task
thread and the model loads on its own thread (importing torch takes seconds).
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

from desktop_search.i18n import _
from desktop_search import paths
from desktop_search.config import AUTO_MODEL, Settings
from desktop_search.errors import DesktopSearchError
from desktop_search.ui.bridge import emit

log = logging.getLogger(__name__)

APP_NAME = "Desktop Search"
WINDOW_STATE_FILE = "window.ini"
LOG_FILE = "desktop-search.log"


class CrashReporter(QObject):
    """Uncaught exceptions (any thread) go to the log file and, on the GUI thread, a dialog."""

    crashed = Signal(str)

    def __init__(self, log_path: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        self.crashed.connect(self._on_crashed)
        self._showing = False
        self._prev_hook = sys.excepthook
        self._prev_thread_hook = threading.excepthook

    def install(self) -> None:
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        sys.excepthook = self._prev_hook
        threading.excepthook = self._prev_thread_hook

    def _excepthook(self, etype, value, tb) -> None:
        if issubclass(etype, KeyboardInterrupt):
            QApplication.quit()
            return
        self._report("".join(traceback.format_exception(etype, value, tb)))

    def _thread_excepthook(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        self._report(f"in thread {getattr(args.thread, 'name', '?')}:\n"
                     + "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                          args.exc_traceback)))

    def _report(self, text: str) -> None:
        log.error("unexpected error: %s", text)
        try:
            emit(self.crashed, text)      # queued to the GUI thread when raised elsewhere
        except RuntimeError:
            pass

    def _on_crashed(self, text: str) -> None:
        if self._showing:
            return
        self._showing = True
        try:
            box = QMessageBox(QMessageBox.Icon.Critical, _("Desktop Search"),
                              _("Something went wrong inside Desktop Search. Your index is safe; "
                                "you can keep working or restart the app."))
            box.setTextFormat(Qt.TextFormat.PlainText)
            where = ("\n\n" + _("The details were written to {path}.").format(path=self.log_path)
                     if self.log_path else "")
            box.setInformativeText(_("Please report this error.") + where)
            box.setDetailedText(text)
            box.exec()
        finally:
            self._showing = False


def _setup_logging(data_dir: Path) -> logging.FileHandler | None:
    path = data_dir / LOG_FILE
    try:
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    logging.getLogger().addHandler(handler)   # warnings and crashes (root level decides)
    return handler


def make_application(argv: list[str] | None = None) -> QApplication:
    from desktop_search.ui.resources import app_icon

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else \
        QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("desktop-search")
    app.setDesktopFileName("desktop-search")
    app.setWindowIcon(app_icon())
    return app


def engine_factory(data_dir: Path, *, save_settings_first: bool = False, embedder=None,
                   **engine_options):
    """``Settings -> Engine`` for the controller; runs on the task thread. ``engine_options``
    go to ``Engine`` (tests: ``conditions``, ``filesystems``)."""
    first = [save_settings_first]

    def make(settings: Settings, embedder=embedder):
        from desktop_search.core.engine import Engine

        emb = embedder
        if emb is not None and settings.model.strip().lower() != AUTO_MODEL:
            from desktop_search.core.embed import resolve_model

            try:
                if resolve_model(settings.model)[1] != emb.model_id:
                    emb = None          # another model was chosen: load that one
            except DesktopSearchError:
                emb = None
        eng = Engine(data_dir, settings=settings, embedder=emb, **engine_options)
        if first[0]:
            first[0] = False
            settings.save(eng.settings_path)
        return eng

    return make


def run_app(*, data_dir: str | os.PathLike | None = None, model: str | None = None,
            argv: list[str] | None = None, folders: list[str] | None = None,
            toggle: bool = False) -> int:
    """Open the window; returns the exit code once the user quits. When a window already
    owns the data folder, raise it (and hand it ``folders``) instead, and return 0; with
    ``toggle``, put it away when it is already in front."""
    from desktop_search.core.ownership import DataFolderBusy
    from desktop_search.ui import single_instance

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    folders = list(folders or [])
    app = make_application(argv)
    try:
        data = paths.ensure_data_dir(Path(data_dir) if data_dir else None)
    except DesktopSearchError as exc:
        _fatal(str(exc))
        return 1
    install_language(_language_setting(data))
    instances = single_instance.InstanceServer()
    try:
        ownership = single_instance.claim(data, instances)
    except DataFolderBusy as busy:
        said = single_instance.hand_to_first(busy, folders, toggle=toggle and not folders)
        if said is not None:
            single_instance.say(said)
            return 0
        if busy.owner is None or busy.owner.kind not in single_instance.SHORT_LIVED:
            single_instance.say(str(busy))
            if single_instance.can_show_dialogs():
                _fatal(_("The index in {folder} is being updated by {owner}.").format(
                    folder=data, owner=busy.owner.describe(translated=True) if busy.owner
                    else _("another process"))
                    + "\n\n" + _("Open the window again when it has stopped."))
            return 3
        # a short CLI command (index, remove, doctor --repair): wait for it, then open
        waited = single_instance.wait_for_owner(data, instances, busy)
        if waited is None:
            return 3
        ownership = waited
    try:
        return _run_window(app, data, model, folders, instances)
    finally:
        ownership.release()


def _language_setting(data: Path) -> str:
    """Settings -> Language ("" for the system's); the settings' own errors are told later."""
    try:
        return Settings.load(data / "settings.json").language
    except DesktopSearchError:
        return ""


def install_language(setting: str) -> str:
    """The window's language, for every string from now on (a restart applies a change)."""
    from desktop_search.ui import language

    lang = language.install(setting)
    log.info("window language: %s", lang)
    return lang


def _answer_other_instances(instances, window, controller, folders: list[str]) -> None:
    """A second launch shows or toggles this window, or hands it folders to add (once the
    engine is ready; ``folders`` from this launch's own command line first) or remove."""
    pending = list(folders)

    def add_when_ready(paths: list) -> None:
        pending.extend(paths)
        if controller.ready:
            window.add_folders(list(dict.fromkeys(pending)))
            pending.clear()

    instances.show_requested.connect(window.show_and_raise)
    instances.toggle_requested.connect(window.toggle_visible)
    instances.folders_requested.connect(add_when_ready)

    def remove_folders(paths: list[str]) -> None:
        for p in paths:
            controller.remove_folder(p)

    instances.remove_requested.connect(remove_folders)
    controller.engine_ready.connect(lambda: add_when_ready([]))


def _run_window(app, data: Path, model: str | None, folders: list[str], instances) -> int:
    log_handler = _setup_logging(data)
    reporter = CrashReporter(Path(log_handler.baseFilename) if log_handler else None)
    reporter.install()

    settings_error = None
    try:
        settings = Settings.load(data / "settings.json")
    except DesktopSearchError as exc:
        settings, settings_error = Settings(), str(exc)
    if model:
        settings.model = model
        try:
            settings.validate()
        except DesktopSearchError as exc:
            _fatal(str(exc))
            return 1

    from desktop_search.ui.controller import SearchController
    from desktop_search.ui.window import SearchWindow

    controller = SearchController(settings=settings,
                                  make_engine=engine_factory(data, save_settings_first=bool(model)))
    window = SearchWindow(controller, window_state_path=data / WINDOW_STATE_FILE, use_hotkey=True)
    app.setQuitOnLastWindowClosed(False)
    window.quit_requested.connect(app.quit)
    tray_ok = window.tray is not None and QSystemTrayIcon.isSystemTrayAvailable()
    from desktop_search.ui import startup_probe

    probe = startup_probe.install(  # noqa: F841 - lives as the window's child
        window, app, settled=(controller.engine_ready, controller.engine_failed))
    if probe is not None or not (settings.start_minimized and tray_ok):
        window.show()
        window.search_edit.setFocus()
    _answer_other_instances(instances, window, controller, folders)
    controller.start()
    if settings_error:
        window.show_error(_("{error} (using the defaults)").format(error=settings_error))
    try:
        rc = app.exec()
    finally:
        window.hide()
        controller.shutdown()
        reporter.uninstall()
        app.setQuitOnLastWindowClosed(True)
        if log_handler is not None:
            logging.getLogger().removeHandler(log_handler)
            log_handler.close()
    return int(rc)


def _fatal(message: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, _("Desktop Search"), message)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()
