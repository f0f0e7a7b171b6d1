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

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QMainWindow, QSplitter, QVBoxLayout, QWidget

from desktop_search.core.embed.host import ModelState
from desktop_search.core.notice import Level, Notice
from desktop_search.config import Settings
from desktop_search.core.indexing import Snapshot
from desktop_search.core.search.preview import PreviewDoc
from desktop_search.core.search import Hit, SearchRequest
from desktop_search.core.search.duplicates import copies_by_path
from desktop_search.core.store import Root
from desktop_search.i18n import _
from desktop_search.ui import desktop_open, questions, window_state
from desktop_search.ui.bridge import emit
from desktop_search.ui.controller import SearchController
from desktop_search.ui.copies import CopiesDialog
from desktop_search.ui.hotkey import GlobalHotkey
from desktop_search.ui.keys import ResultKeys
from desktop_search.ui.window_dialogs import WindowDialogs
from desktop_search.ui.menus import WindowActions
from desktop_search.ui.model_offer import ModelOfferBar
from desktop_search.ui.presence import Presence
from desktop_search.ui.preview import PreviewPane
from desktop_search.ui.resources import app_icon
from desktop_search.ui.results import EmptyAction, HitRole, ResultsPane, empty_state_text
from desktop_search.core.search.remembered import nothing_found
from desktop_search.ui.search_bar import SearchBar
from desktop_search.ui import thumbnails
from desktop_search.ui.settings_dialog import SettingsDialog
from desktop_search.ui.status_bar import StatusBar
from desktop_search.ui.tray import Tray, tray_available

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
        self._empty_action: EmptyAction | None = None
        self._last_error = ""

        self.setWindowTitle(_("Desktop Search"))
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self._lay_out()
        self._build_actions_and_menus()
        self._add_tray_and_hotkey(use_tray=use_tray, use_hotkey=use_hotkey)
        self._name_parts()
        self._wire_parts()
        self._wire_controller()

        self.resize(1120, 720)
        self._restore_window_state()
        self._update_empty_state()
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
        self.tray: Tray | None = None
        if use_tray and tray_available():
            self.tray = Tray(self)
            self.tray.show_requested.connect(self.show_and_raise)
            self.tray.toggle_requested.connect(self._on_tray_toggle_requested)
            self.tray.pause_toggled.connect(self.set_indexing_paused)
            self.tray.quit_requested.connect(self.quit)
            self.tray.show()
        self.dialogs = WindowDialogs(self)
        #: the chord that shows or hides the window from any program (the app turns it on)
        self.hotkey: GlobalHotkey | None = None
        self.presence = Presence(self, field=self.search_bar.search_edit,
                                 hotkey=lambda: self.hotkey,
                                 tray_shown=lambda: self.tray is not None and self.tray.isVisible())
        if use_hotkey:
            self.hotkey = GlobalHotkey(self)
            self.hotkey.activated.connect(self.toggle_visible)
            self.hotkey.state_changed.connect(self._on_hotkey_state_changed)
            self.hotkey.set_chord(self.controller.settings.hotkey)

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
        sb, rp, st = self.search_bar, self.results, self.status
        sb.request_changed.connect(self._on_search_bar_request_changed)
        sb.folders_clicked.connect(self.show_folders)
        sb.settings_clicked.connect(self.show_settings)
        self.keys = ResultKeys(field=sb.search_edit, results=rp.view, answered=self._answered,
                               has_hit=lambda: self.current_hit() is not None, parent=self)
        self.keys.move_requested.connect(rp.move_selection)
        self.keys.open_requested.connect(self._on_keys_open_requested)
        self.keys.copy_requested.connect(lambda: self.commands.result.copy_path(self.current_hit()))
        self.keys.clear_requested.connect(self._on_keys_clear_requested)
        rp.view.selectionModel().currentChanged.connect(self._on_results_current_changed)
        rp.view.doubleClicked.connect(self._on_results_double_clicked)
        rp.view.customContextMenuRequested.connect(self._on_results_context_menu)
        rp.empty_state.action_clicked.connect(self._on_empty_state_action_clicked)
        self.preview.open_requested.connect(self.commands.result.open_hit)
        self.preview.reveal_requested.connect(self.commands.result.reveal_hit)
        self.preview.like_requested.connect(self.more_like_this)
        st.pause_toggled.connect(self.set_indexing_paused)
        st.failed_clicked.connect(self.show_failed)

    def _wire_controller(self) -> None:
        """The controller says what happened."""
        c = self.controller
        c.engine_ready.connect(self._update_empty_state)
        c.engine_failed.connect(self._on_controller_engine_failed)
        c.results_ready.connect(self._on_controller_results_ready)
        c.answer_ready.connect(self._on_controller_answer_ready)
        c.search_failed.connect(self._on_controller_search_failed)
        c.model_state_changed.connect(self._on_controller_model_state_changed)
        c.progress_changed.connect(self._on_controller_progress_changed)
        c.noticed.connect(self._on_controller_noticed)
        c.roots_loaded.connect(self._on_controller_roots_loaded)
        c.folder_names_loaded.connect(self.search_bar.set_folder_names)
        c.kinds_loaded.connect(self._on_controller_kinds_loaded)
        c.failed_loaded.connect(self._on_controller_failed_loaded)
        c.model_choice_loaded.connect(self._on_controller_model_choice_loaded)
        c.duplicates_ready.connect(self._on_controller_duplicates_ready)
        self.model_offer.accepted.connect(c.accept_model_advice)
        c.preview_ready.connect(self._on_controller_preview_ready)
        c.settings_saved.connect(self._on_controller_settings_saved)
        c.folder_added.connect(self._update_empty_state)
        c.error_reported.connect(self.show_error)

    def _build_actions_and_menus(self) -> None:
        self.commands = WindowActions(self)
        self._update_result_actions()

    # ------------------------------------------------------------------------ query
    def _on_search_bar_request_changed(self, request: SearchRequest | None) -> None:
        if request is None:
            self.controller.cancel_search()
            self.results_model.clear()
            self.preview.clear()
        else:
            self.controller.search(request)     # sent at once, or waits for the one in flight
        self._update_empty_state()
        self._update_count()

    def current_filters(self):
        return self.search_bar.current_filters()

    def _answered(self) -> bool:
        """The results on screen answer the question asked last."""
        return self.results_model.request == self.controller.request

    def _on_controller_results_ready(self, seq: int, request: SearchRequest, hits: list,
                                     dense: bool) -> None:
        if not self.results.show_answer(request, hits, dense):
            return      # asked again, nothing changed: no reset, no repaint
        if not hits:
            self.preview.clear(_("No results to preview."))
        self._update_empty_state()
        self._update_count()
        self._update_result_actions()

    def _on_controller_answer_ready(self, seq: int, request: SearchRequest, row: int,
                                    hit: Hit) -> None:
        """A row's sentence that answers: bold in its snippet, marked in the preview."""
        if request != self.results_model.request or not self.results_model.set_answer(row, hit):
            return
        if self.preview.hit is not None and self.preview.hit.chunk_id == hit.chunk_id:
            self.preview.show_answer(hit)

    def _on_controller_search_failed(self, seq: int, message: str) -> None:
        self.show_error(_("Search failed: {error}").format(error=message))

    def _update_count(self) -> None:
        m = self.results_model
        self.search_bar.show_count(m.request, m.hits, m.dense)

    def _update_empty_state(self, *_: object) -> None:
        if self.results_model.hits:
            self.results.setCurrentWidget(self.results_view)
            return
        said = self.search_bar.chips.understood        # filters read from the query
        filtered = self.search_bar.current_filters() is not None or said is not None
        title, message, action = empty_state_text(
            opening=not self.controller.ready, roots=self.roots, request=self.controller.request,
            answered=self._answered(), filtered=filtered, busy=self.controller.progress.busy)
        if said is not None and self._answered() and self.controller.request is not None:
            title = nothing_found(said)             # "No PDFs from March 2026 · search all types"
        self._empty_action = action
        self.results.show_empty(title, message, action)

    def _on_empty_state_action_clicked(self) -> None:
        if self._empty_action is EmptyAction.ADD_FOLDER:
            self.add_folder_from_dialog()
        elif self._empty_action is EmptyAction.CLEAR_FILTERS:
            self.search_bar.clear_filters()

    # ------------------------------------------------------------------------ results
    def current_hit(self) -> Hit | None:
        return self.results.current_hit()

    def _on_results_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit = current.data(HitRole) if current.isValid() else None
        self._update_result_actions()
        if hit is None:
            return
        if self.preview.hit is None or self.preview.hit.chunk_id != hit.chunk_id:
            self.preview.show_hit(hit)
            request = self.results_model.request
            self.controller.load_preview(hit, request.terms if request is not None else [])

    def _on_controller_preview_ready(self, seq: int, doc: PreviewDoc | None) -> None:
        hit = self.current_hit()
        if doc is not None and (hit is None or doc.hit.chunk_id != hit.chunk_id):
            return
        self.preview.show_doc(doc)

    def _on_results_double_clicked(self, index: QModelIndex) -> None:
        self.commands.result.open_hit(index.data(HitRole))

    def _on_results_context_menu(self, pos) -> None:
        idx = self.results_view.indexAt(pos)
        if not idx.isValid():
            return
        self.results_view.setCurrentIndex(idx)
        self.commands.result.popup(self.current_hit(), self,
                                   self.results_view.viewport().mapToGlobal(pos))

    def _update_result_actions(self) -> None:
        self.commands.result.update(self.current_hit(), model_ready=self.controller.model_ready)

    def more_like_this(self, hit: Hit | None) -> None:
        if hit is None:
            return
        if not self.controller.model_ready:
            self.show_error(_("“More like this” needs the language model: it is still loading."))
            return
        self.search_bar.set_like(hit)

    # ------------------------------------------------------------------------ keys
    def _on_keys_open_requested(self, reveal: bool) -> None:
        (self.commands.result.reveal_hit if reveal else self.commands.result.open_hit)(self.current_hit())

    def _on_keys_clear_requested(self) -> None:
        """Escape: clears the query; on an empty one, puts the window away."""
        if self.search_edit.text() or self.search_bar.current_filters() is not None:
            self.search_bar.clear()
            self.search_edit.setFocus()
        else:
            self.put_away()

    # ------------------------------------------------------------------------ engine events
    def _on_controller_engine_failed(self, message: str) -> None:
        self.results.show_empty(_("The index cannot be opened"), message, None)

    def _on_controller_model_state_changed(self, state: ModelState, message: str) -> None:
        self.status.show_model_state(state, message)
        self.preview.set_like_enabled(state == "ready")
        self._update_result_actions()

    def _on_controller_progress_changed(self, p: Snapshot) -> None:
        self._show_progress(p)

    def _show_progress(self, p: Snapshot) -> None:
        paused = self.controller.paused
        self.status.show_snapshot(p, paused=paused, roots=self.roots)
        self.commands.show_paused(paused)
        if self.tray is not None:
            a = self.tray.pause_action
            a.blockSignals(True)
            a.setChecked(paused)
            a.blockSignals(False)

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
        self._update_empty_state()
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
        if self.hotkey is not None and settings.hotkey != self.hotkey.chord_text:
            self.hotkey.set_chord(settings.hotkey)

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

    def _on_controller_duplicates_ready(self, groups: list) -> None:
        self.results.set_copies(copies_by_path(groups))

    def settings_dialog(self) -> SettingsDialog:
        return self.dialogs.settings_dialog()

    def show_settings(self) -> SettingsDialog:
        """Open the settings dialog (window-modal, not blocking); OK applies and saves."""
        return self.dialogs.show_settings()

    def show_about(self) -> None:
        questions.show_about(self)

    # ------------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        md = event.mimeData()
        if md.hasUrls() and any(u.isLocalFile() for u in md.urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_folders(paths)

    # ------------------------------------------------------------------------ pause, tray, close
    def set_indexing_paused(self, checked: bool) -> None:
        self.controller.set_paused(bool(checked))
        self._show_progress(self.controller.progress)

    def _on_tray_toggle_requested(self) -> None:
        if self.isVisible() and not self.isMinimized():
            self.hide()
        else:
            self.show_and_raise()

    def _on_hotkey_state_changed(self, ok: bool, message: str) -> None:
        # a chord the app could not take: say how to bind the toggle in the desktop
        if not ok and "--toggle" in message:
            self.show_error(message)

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
        if (not self._quitting and self.tray is not None and self.tray.isVisible()
                and self.controller.settings.close_to_tray):
            event.ignore()
            self.hide()
            self.tray.hint_once()
            return
        self.dialogs.close()
        if self.hotkey is not None:
            self.hotkey.stop()
        if self.tray is not None:
            self.tray.hide()
        event.accept()
        emit(self.quit_requested)

    # ------------------------------------------------------------------------ persistence
    def _restore_window_state(self) -> None:
        window_state.restore(self, self._state_path)

    def save_window_state(self) -> None:
        if window_state.save(self, self._state_path):
            emit(self.state_saved)
