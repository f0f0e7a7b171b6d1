"""The main window: assembles the search bar, the results, the preview, the status bar
and the tray, and connects them to the controller.

Each part renders what it is given and says what the user asked for; the controller
asks the engine, off the GUI thread. The window never waits for the engine, never polls
it and runs no timer: results follow the index through the controller's re-query.
Showing and putting the window away (the shortcut, ``--toggle``, Escape) is ``Presence``'s.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMainWindow, QSplitter, QVBoxLayout, QWidget

from desktop_search.core.embed.host import ModelState
from desktop_search.core.notice import Level, Notice
from desktop_search.config import Settings
from desktop_search.core.indexing import Snapshot
from desktop_search.core.search import Hit
from desktop_search.core.store import Root
from desktop_search.i18n import _
from desktop_search.ui import desktop_open, questions, window_state
from desktop_search.ui.bridge import emit
from desktop_search.ui.controller import SearchController
from desktop_search.ui.copies import CopiesDialog
from desktop_search.ui.hotkey import GlobalHotkey
from desktop_search.ui.folder_drop import FolderDrop
from desktop_search.ui.window_dialogs import WindowDialogs
from desktop_search.ui.menus import WindowActions
from desktop_search.ui.model_offer import ModelOfferBar
from desktop_search.ui.presence import Presence
from desktop_search.ui.preview import PreviewPane
from desktop_search.ui.resources import app_icon
from desktop_search.ui.results import ResultsPane
from desktop_search.ui.search_bar import SearchBar
from desktop_search.ui import thumbnails
from desktop_search.ui.settings_dialog import SettingsDialog
from desktop_search.ui.status_bar import StatusBar
from desktop_search.ui.search_flow import SearchFlow
from desktop_search.ui.tray import Tray
from desktop_search.ui.window_tray import WindowTray

Opener = Callable[[Hit], None]


class SearchWindow(QMainWindow):
    """Search bar on top, results left, preview right, indexing in the status bar."""

    quit_requested = Signal()
    state_saved = Signal()

    def __init__(self, controller: SearchController, *, opener: Opener | None = None,
                 revealer: Opener | None = None, window_state_path: str | os.PathLike | None = None,
                 choose_folder: Callable[[], str | None] | None = None,
                 confirm_remove: Callable[[str], bool] | None = None,
                 use_tray: bool = True, use_hotkey: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.opener: Opener = opener or desktop_open.open_with_system
        self.revealer: Opener = revealer or desktop_open.reveal_with_system
        self.choose_folder = choose_folder or (lambda: questions.choose_folder(self))
        self.confirm_remove = confirm_remove or (lambda path: questions.confirm_remove(self, path))
        #: where to save a copy of a document inside a file (given its name); None: cancel
        self.save_as: Callable[[str], str | None] = lambda name: questions.choose_save(self, name)
        self._state_path = Path(window_state_path) if window_state_path else None
        self._quitting = False
        self.roots: list[Root] = []
        self.kinds: list[str] = []
        self.failed: list[tuple[str, str, str]] = []
        #: which model understands the files, and why (Settings shows it too)
        self.model_choice = None
        self._last_error = ""

        self.setWindowTitle(_("Desktop Search"))
        self.setWindowIcon(app_icon())
        self._lay_out()
        self.flow = SearchFlow(self)
        self.drop = FolderDrop(self)
        self._build_actions_and_menus()
        self._add_tray_and_hotkey(use_tray=use_tray, use_hotkey=use_hotkey)
        self._name_parts()
        self._wire_parts()
        self._wire_controller()

        self.resize(1120, 720)
        self._restore_window_state()
        self.flow.update_empty_state()
        self._on_controller_model_state_changed(controller.model_state, controller.model_message)
        self._show_progress(controller.progress)
        self.search_edit.setFocus()

    def _lay_out(self) -> None:
        """The parts: the search bar above, the results beside the preview, the status bar."""
        self.search_bar = SearchBar()
        self.search_bar.reader.enabled = self.controller.settings.understand_queries
        self.results = ResultsPane()
        self.preview = PreviewPane()
        # pictures: thumbnails in the list, the picture itself in the preview (made off-thread)
        self.thumbnails = thumbnails.install(results_view=self.results.view, preview=self.preview,
                                             parent=self)
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.results)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.results.setMinimumWidth(300)
        self.preview.setMinimumWidth(260)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.search_bar)
        self.model_offer = ModelOfferBar()
        lay.addWidget(self.model_offer)
        lay.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    def _add_tray_and_hotkey(self, *, use_tray: bool, use_hotkey: bool) -> None:
        self.tray_icon = WindowTray(self, use_tray=use_tray)
        self.dialogs = WindowDialogs(self)
        self.presence = Presence(self, field=self.search_bar.search_edit,
                                 hotkey=lambda: self.hotkey, tray_shown=self.tray_icon.tray_shown)
        if use_hotkey:
            self.tray_icon.start_hotkey(self.controller.settings.hotkey)

    @property
    def tray(self) -> Tray | None:
        return self.tray_icon.tray

    @property
    def hotkey(self) -> GlobalHotkey | None:
        return self.tray_icon.hotkey

    @hotkey.setter
    def hotkey(self, hotkey: GlobalHotkey | None) -> None:
        self.tray_icon.hotkey = hotkey

    def _name_parts(self) -> None:
        """Names the tests and tools use for the parts' widgets."""
        sb, rp, st = self.search_bar, self.results, self.status
        self.search_edit, self.count_label = sb.search_edit, sb.count_label
        self.type_combo, self.folder_combo, self.date_combo = sb.type_combo, sb.folder_combo, sb.date_combo
        self.folders_button, self.settings_button = sb.folders_button, sb.settings_button
        self.results_model, self.results_view = rp.model, rp.view
        self.results_stack, self.empty_state = rp, rp.empty_state
        self.status_label, self.current_label = st.status_label, st.current_label
        self.model_label, self.progress_bar = st.model_label, st.progress_bar
        self.pause_button, self.failed_button = st.pause_button, st.failed_button

    def _wire_parts(self) -> None:
        """The parts say what the user wants."""
        sb, st = self.search_bar, self.status
        self.flow.wire()
        sb.folders_clicked.connect(self.show_folders)
        sb.settings_clicked.connect(self.show_settings)
        self.preview.open_requested.connect(self.commands.result.open_hit)
        self.preview.reveal_requested.connect(self.commands.result.reveal_hit)
        self.preview.like_requested.connect(self.more_like_this)
        st.pause_toggled.connect(self.set_indexing_paused)
        st.anyway_clicked.connect(self.controller.index_now_anyway)
        st.failed_clicked.connect(self.show_failed)
        self.drop.dropped.connect(self.add_folders)

    def _wire_controller(self) -> None:
        """The controller says what happened."""
        c = self.controller
        c.engine_ready.connect(self.flow.update_empty_state)
        c.model_state_changed.connect(self._on_controller_model_state_changed)
        c.progress_changed.connect(self._on_controller_progress_changed)
        c.noticed.connect(self._on_controller_noticed)
        c.roots_loaded.connect(self._on_controller_roots_loaded)
        c.folder_names_loaded.connect(self.search_bar.set_folder_names)
        c.kinds_loaded.connect(self._on_controller_kinds_loaded)
        c.failed_loaded.connect(self._on_controller_failed_loaded)
        c.model_choice_loaded.connect(self._on_controller_model_choice_loaded)
        self.model_offer.accepted.connect(c.accept_model_advice)
        c.settings_saved.connect(self._on_controller_settings_saved)
        c.folder_added.connect(self.flow.update_empty_state)
        c.error_reported.connect(self.show_error)
        self.flow.wire_controller()

    def _build_actions_and_menus(self) -> None:
        self.commands = WindowActions(self)
        self.flow.update_result_actions()

    # ------------------------------------------------------------------------ query
    # ------------------------------------------------------------------------ results
    def current_hit(self) -> Hit | None:
        return self.results.current_hit()

    def more_like_this(self, hit: Hit | None) -> None:
        if hit is None:
            return
        if not self.controller.model_ready:
            self.show_error(_("“More like this” needs the language model: it is still loading."))
            return
        self.search_bar.set_like(hit)

    # ------------------------------------------------------------------------ engine events
    def _on_controller_model_state_changed(self, state: ModelState, message: str) -> None:
        self.status.show_model_state(state, message)
        self.preview.set_like_enabled(state == "ready")
        self.flow.update_result_actions()

    def _on_controller_progress_changed(self, p: Snapshot) -> None:
        self._show_progress(p)

    def _show_progress(self, p: Snapshot) -> None:
        paused = self.controller.paused
        self.status.show_snapshot(p, paused=paused, roots=self.roots)
        self.commands.show_paused(paused)
        self.tray_icon.show_paused(paused)

    def _on_controller_noticed(self, notice: Notice) -> None:
        # a file that failed joins the failed list (refreshed on the next catalog read);
        # anything about the app, or a folder gone offline, the user should read now
        if notice.path is None:
            self.show_error(notice.text)
        elif notice.level is Level.INFO:
            self.show_error(_("{path}: {message}").format(path=notice.path, message=notice.text))

    def _on_controller_roots_loaded(self, roots: list) -> None:
        self.roots = list(roots)
        self.search_bar.set_roots(self.roots)
        self.flow.update_empty_state()
        self._show_progress(self.controller.progress)

    def _on_controller_kinds_loaded(self, kinds: list) -> None:
        self.kinds = list(kinds)
        self.search_bar.set_kinds(self.kinds)

    def _on_controller_failed_loaded(self, failed: list) -> None:
        self.failed = list(failed)
        self.status.show_failed_count(len(failed))

    def _on_controller_model_choice_loaded(self, choice, advice) -> None:
        self.model_choice = choice
        self.status.show_model_choice(choice)
        # the offer is for the app's own choice; a model the user picked stays theirs
        switching = self.controller.progress.model_switch is not None
        self.model_offer.show_advice(advice if choice.auto else None, switching=switching)

    def _on_controller_settings_saved(self, settings: Settings) -> None:
        self.search_bar.set_understanding(settings.understand_queries)
        self.statusBar().showMessage(_("Settings saved"), 3000)
        self.tray_icon.set_chord(settings.hotkey)

    def show_error(self, message: str) -> None:
        self._last_error = message
        self.statusBar().showMessage(message, 10000)

    # ------------------------------------------------------------------------ folders
    def add_folder_from_dialog(self) -> None:
        path = self.choose_folder()
        if path:
            self.add_folders([path])

    def add_folders(self, paths: list[str]) -> None:
        """Index these folders (the status bar then shows the progress)."""
        for p in paths:
            self.controller.add_folder(p)

    def rescan(self) -> None:
        self.controller.rescan([r.path for r in self.roots])

    def show_folders(self) -> None:
        self.dialogs.show_folders()

    def show_failed(self) -> None:
        self.dialogs.show_failed()

    def show_copies(self) -> CopiesDialog:
        return self.dialogs.show_copies()

    def settings_dialog(self) -> SettingsDialog:
        return self.dialogs.settings_dialog()

    def show_settings(self) -> SettingsDialog:
        """Open the settings dialog (window-modal, not blocking); OK applies and saves."""
        return self.dialogs.show_settings()

    def show_about(self) -> None:
        questions.show_about(self)

    # ------------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.drop.enter(event)

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        self.drop.enter(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        self.drop.drop(event)

    # ------------------------------------------------------------------------ pause, tray, close
    def set_indexing_paused(self, checked: bool) -> None:
        self.controller.set_paused(bool(checked))
        self._show_progress(self.controller.progress)

    def show_and_raise(self) -> None:
        """To the front, the query focused and selected: typing replaces it."""
        self.presence.to_front()

    def is_in_front(self) -> bool:
        return self.presence.in_front()

    def toggle_visible(self) -> None:
        """The global shortcut and ``--toggle``: in front -> put away; else to the front."""
        self.presence.toggle()

    def put_away(self) -> None:
        """Hidden when the shortcut or the tray can bring it back; else minimized."""
        self.presence.put_away()

    def quit(self) -> None:
        self._quitting = True
        self.close()
        emit(self.quit_requested)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.save_window_state()
        if (not self._quitting and self.controller.settings.close_to_tray
                and self.tray_icon.hide_to_tray()):
            event.ignore()
            return
        self.dialogs.close()
        self.tray_icon.stop()
        event.accept()
        emit(self.quit_requested)

    # ------------------------------------------------------------------------ persistence
    def _restore_window_state(self) -> None:
        window_state.restore(self, self._state_path)

    def save_window_state(self) -> None:
        if window_state.save(self, self._state_path):
            emit(self.state_saved)
