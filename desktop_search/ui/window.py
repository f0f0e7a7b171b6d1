"""The main window: search as you type, results, preview, folders, indexing status.

The window only shows things and asks the controller; it never waits for the engine.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QByteArray, QEvent, QModelIndex, QObject, QSettings, QTimer, QUrl, Qt, Signal
from PySide6.QtGui import QAction, QDesktopServices, QFont, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QMainWindow,
                               QMenu, QMessageBox, QProgressBar, QSplitter, QStackedWidget,
                               QSystemTrayIcon, QToolButton, QVBoxLayout, QWidget)

from desktop_search.config import Settings
from desktop_search.core.indexing import Snapshot, State
from desktop_search.core.search import Filters, Hit
from desktop_search.ui.bridge import emit
from desktop_search.ui.controller import PreviewDoc, SearchController, folder_label
from desktop_search.ui.failed import FailedFilesDialog
from desktop_search.ui.folders import BUSY_STATES, FoldersDialog
from desktop_search.ui.preview import PreviewPane
from desktop_search.ui.resources import app_icon
from desktop_search.ui.results import HitRole, ResultsModel, ResultsView, plain_tooltip
from desktop_search.ui.settings_dialog import SettingsDialog
from desktop_search.ui.widgets import ElidedLabel, EmptyState

DEBOUNCE_MS = 120
PREVIEW_DELAY_MS = 60
REFRESH_WHILE_INDEXING_MS = 2500

Opener = Callable[[Hit], None]

KIND_LABELS = {
    "pdf": "PDF", "docx": "Word", "odt": "OpenDocument text", "pptx": "PowerPoint",
    "html": "Web page", "markdown": "Markdown", "rst": "reStructuredText", "text": "Plain text",
    "code": "Source code", "data": "Data / config", "csv": "Spreadsheet (CSV)",
}

DATE_CHOICES = (("Any time", None), ("Today", 1), ("Past week", 7), ("Past month", 31),
                ("Past year", 365))


def open_with_system(hit: Hit) -> None:
    """Open the file with the desktop's default application."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(hit.path))


def reveal_with_system(hit: Hit) -> None:
    """Show the file in the file manager (selected where the platform allows)."""
    from PySide6.QtCore import QProcess

    if sys.platform == "darwin":
        QProcess.startDetached("open", ["-R", hit.path])
    elif sys.platform == "win32":
        QProcess.startDetached("explorer.exe", ["/select,", os.path.normpath(hit.path)])
    else:
        QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(hit.path)))


def human_duration(s: float | None) -> str:
    if not s or s <= 0:
        return ""
    if s < 60:
        return f"about {max(1, round(s))} s left"
    if s < 3600:
        return f"about {round(s / 60)} min left"
    return f"about {s / 3600:.1f} h left"


def progress_text(p: Snapshot, *, paused: bool) -> str:
    if paused or p.state == "paused":
        left = max(0, p.files_total - p.files_done)
        extra = f": {left:,} files and {p.chunks_pending:,} passages to go" if (left or p.chunks_pending) else ""
        return "Indexing paused" + extra
    eta = human_duration(p.eta_s)
    if p.state == "scanning":
        return "Looking for new and changed files…"
    if p.state == "reading":
        bits = [f"Indexing {p.files_done:,} of {max(p.files_total, p.files_done):,} files"]
        if p.files_per_s >= 0.1:
            bits.append(f"{p.files_per_s:.1f} files/s")
        if eta:
            bits.append(eta)
        return " · ".join(bits)
    if p.state == "embedding" and p.model_loading:
        return "Loading the language model to read passages…"
    if p.state == "embedding":
        bits = [f"Reading passages for meaning: {p.chunks_pending:,} to go"]
        if p.chunks_per_s >= 0.1:
            bits.append(f"{p.chunks_per_s:.0f}/s")
        if eta:
            bits.append(eta)
        return " · ".join(bits)
    if p.state == "error":
        return p.error or "Indexing stopped"
    return ""


def _same_hits(a: list[Hit], b: list[Hit]) -> bool:
    return len(a) == len(b) and all(
        x.path == y.path and x.chunk_id == y.chunk_id and x.score == y.score
        and x.modified == y.modified for x, y in zip(a, b))


class SearchWindow(QMainWindow):
    """Search field on top, results left, preview right, indexing in the status bar."""

    quit_requested = Signal()
    state_saved = Signal()

    def __init__(self, controller: SearchController, *, opener: Opener | None = None,
                 revealer: Opener | None = None, window_state_path: str | os.PathLike | None = None,
                 choose_folder: Callable[[], str | None] | None = None,
                 confirm_remove: Callable[[str], bool] | None = None,
                 debounce_ms: int = DEBOUNCE_MS, use_tray: bool = True, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.opener: Opener = opener or open_with_system
        self.revealer: Opener = revealer or reveal_with_system
        self.choose_folder = choose_folder or self._choose_folder_dialog
        self._confirm_remove = confirm_remove or self._confirm_remove_dialog
        self._state_path = Path(window_state_path) if window_state_path else None
        self._quitting = False
        self._tray_hint_shown = False
        self.roots: list[dict] = []
        self.kinds: list[str] = []
        self.failed: list[tuple[str, str, str]] = []
        self._like: Hit | None = None            # "more like this" mode: the file it is about
        self._last_error = ""

        self.setWindowTitle("Desktop Search")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)

        self._build_search_bar()
        self._build_body()
        self._build_status_bar()
        self._build_actions_and_menus()
        self.tray: QSystemTrayIcon | None = None
        if use_tray and QSystemTrayIcon.isSystemTrayAvailable():
            self._build_tray()

        self.folders_dialog: FoldersDialog | None = None
        self.failed_dialog: FailedFilesDialog | None = None
        self.settings_window: SettingsDialog | None = None

        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(debounce_ms)
        self.debounce.timeout.connect(self._on_debounce_timeout)
        self.preview_timer = QTimer(self)
        self.preview_timer.setSingleShot(True)
        self.preview_timer.setInterval(PREVIEW_DELAY_MS)
        self.preview_timer.timeout.connect(self._on_preview_timer_timeout)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_WHILE_INDEXING_MS)
        self.refresh_timer.timeout.connect(self._on_refresh_timer_timeout)
        self.failed_timer = QTimer(self)
        self.failed_timer.setSingleShot(True)
        self.failed_timer.setInterval(400)
        self.failed_timer.timeout.connect(self.controller.refresh_catalog)

        c = controller
        c.engine_ready.connect(self._on_controller_engine_ready)
        c.engine_failed.connect(self._on_controller_engine_failed)
        c.results_ready.connect(self._on_controller_results_ready)
        c.search_failed.connect(self._on_controller_search_failed)
        c.model_state_changed.connect(self._on_controller_model_state_changed)
        c.progress_changed.connect(self._on_controller_progress_changed)
        c.file_failed.connect(self._on_controller_file_failed)
        c.index_changed.connect(self._on_controller_index_changed)
        c.roots_loaded.connect(self._on_controller_roots_loaded)
        c.kinds_loaded.connect(self._on_controller_kinds_loaded)
        c.failed_loaded.connect(self._on_controller_failed_loaded)
        c.preview_ready.connect(self._on_controller_preview_ready)
        c.settings_saved.connect(self._on_controller_settings_saved)
        c.folder_added.connect(self._on_controller_folder_added)
        c.error_reported.connect(self.show_error)

        self.resize(1120, 720)
        self._restore_window_state()
        self._update_empty_state()
        self._on_controller_model_state_changed(c.model_state, c.model_message)
        self._update_status(c.progress)
        self.search_edit.setFocus()

    # ------------------------------------------------------------------------ building
    def _build_search_bar(self) -> None:
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search your files by meaning: words, a question, a description…")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAcceptDrops(False)
        self.search_edit.setAccessibleName("Search")
        f = QFont(self.search_edit.font())
        f.setPointSizeF(max(f.pointSizeF(), 9) * 1.3)
        self.search_edit.setFont(f)
        self.search_edit.setMinimumHeight(self.search_edit.sizeHint().height() + 8)
        self.search_edit.textChanged.connect(self._on_search_text_changed)
        self.search_edit.installEventFilter(self)

        self.type_combo = QComboBox()
        self.type_combo.setAccessibleName("File type")
        self.type_combo.addItem("All types", None)
        self.folder_combo = QComboBox()
        self.folder_combo.setAccessibleName("Folder")
        self.folder_combo.addItem("All folders", None)
        self.folder_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.folder_combo.setMaximumWidth(360)
        self.date_combo = QComboBox()
        self.date_combo.setAccessibleName("Modified")
        for label, days in DATE_CHOICES:
            self.date_combo.addItem(label, days)
        for combo in (self.type_combo, self.folder_combo, self.date_combo):
            combo.currentIndexChanged.connect(self._on_filter_changed)
            combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.count_label = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
        self.count_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.folders_button = QToolButton()
        self.folders_button.setText("Folders")
        self.folders_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.folders_button.setToolTip("Add, remove or pause the indexed folders")
        self.folders_button.clicked.connect(self.show_folders)
        self.settings_button = QToolButton()
        self.settings_button.setText("Settings")
        self.settings_button.setToolTip("Model, exclusions, size cap and launch behaviour")
        self.settings_button.clicked.connect(self.show_settings)

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.folders_button)
        top.addWidget(self.settings_button)

        filters = QHBoxLayout()
        filters.setSpacing(6)
        for text, combo in (("Type:", self.type_combo), ("Folder:", self.folder_combo),
                            ("Modified:", self.date_combo)):
            lbl = QLabel(text)
            lbl.setBuddy(combo)
            filters.addWidget(lbl)
            filters.addWidget(combo)
            filters.addSpacing(8)
        filters.addWidget(self.count_label, 1)

        self._header = QWidget()
        lay = QVBoxLayout(self._header)
        lay.setContentsMargins(10, 10, 10, 6)
        lay.setSpacing(6)
        lay.addLayout(top)
        lay.addLayout(filters)

    def _build_body(self) -> None:
        self.results_model = ResultsModel(self)
        self.results_view = ResultsView()
        self.results_view.setModel(self.results_model)
        self.results_view.setAccessibleName("Results")
        self.results_view.installEventFilter(self)
        self.results_view.selectionModel().currentChanged.connect(self._on_results_current_changed)
        self.results_view.doubleClicked.connect(self._on_results_double_clicked)
        self.results_view.customContextMenuRequested.connect(self._on_results_context_menu)

        self.empty_state = EmptyState()
        self.empty_state.action_clicked.connect(self._on_empty_action)

        self.results_stack = QStackedWidget()
        self.results_stack.addWidget(self.results_view)
        self.results_stack.addWidget(self.empty_state)

        self.preview = PreviewPane()
        self.preview.open_requested.connect(self.open_hit)
        self.preview.reveal_requested.connect(self.reveal_hit)
        self.preview.like_requested.connect(self.more_like_this)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.results_stack)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.results_stack.setMinimumWidth(300)
        self.preview.setMinimumWidth(260)

        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self._header)
        lay.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        sb.setSizeGripEnabled(True)
        self.status_label = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
        self.current_label = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        self.current_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.model_label = QLabel()
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_bar = QProgressBar()
        self.progress_bar.setFixedWidth(150)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumHeight(self.fontMetrics().height())
        self.progress_bar.hide()
        self.pause_button = QToolButton()
        self.pause_button.setText("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Pause or resume indexing")
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.failed_button = QToolButton()
        self.failed_button.setToolTip("Files that could not be indexed, and why")
        self.failed_button.clicked.connect(self.show_failed)
        self.failed_button.hide()
        sb.addWidget(self.status_label, 3)
        sb.addWidget(self.current_label, 2)
        sb.addPermanentWidget(self.model_label)
        sb.addPermanentWidget(self.progress_bar)
        sb.addPermanentWidget(self.pause_button)
        sb.addPermanentWidget(self.failed_button)

    def _build_actions_and_menus(self) -> None:
        def act(text, slot, shortcut=None, checkable=False) -> QAction:
            a = QAction(text, self)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            a.setCheckable(checkable)
            (a.toggled if checkable else a.triggered).connect(slot)
            self.addAction(a)
            return a

        self.add_folder_action = act("&Add Folder…", self.add_folder_from_dialog, "Ctrl+O")
        self.folders_action = act("&Folders…", self.show_folders)
        self.settings_action = act("&Settings…", self.show_settings, "Ctrl+,")
        self.quit_action = act("&Quit", self.quit, "Ctrl+Q")
        # Enter, Ctrl+Enter and Ctrl+C are handled by the search field and list (so Ctrl+C
        # still copies selected text); the menu only names them
        self.open_action = act("&Open\tEnter", lambda: self.open_hit(self.current_hit()))
        self.reveal_action = act("Show in &Folder\tCtrl+Enter", lambda: self.reveal_hit(self.current_hit()))
        self.copy_action = act("&Copy Path\tCtrl+C", lambda: self.copy_path(self.current_hit()))
        self.like_action = act("&More Like This", lambda: self.more_like_this(self.current_hit()), "Ctrl+M")
        self.pause_action = act("&Pause Indexing", self._on_pause_toggled, checkable=True)
        self.rescan_action = act("&Rescan All Folders", self.rescan)
        self.failed_action = act("Files &Not Indexed…", self.show_failed)
        self.about_action = act("&About Desktop Search", self.show_about)

        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addActions([self.add_folder_action, self.folders_action])
        m.addSeparator()
        m.addAction(self.settings_action)
        m.addSeparator()
        m.addAction(self.quit_action)
        m = mb.addMenu("&Result")
        m.addActions([self.open_action, self.reveal_action, self.copy_action, self.like_action])
        m = mb.addMenu("&Index")
        m.addActions([self.pause_action, self.rescan_action, self.failed_action])
        m = mb.addMenu("&Help")
        m.addAction(self.about_action)
        self._update_result_actions()

    def _build_tray(self) -> None:
        self.tray = QSystemTrayIcon(app_icon(), self)
        self.tray.setToolTip("Desktop Search")
        menu = QMenu(self)
        show = menu.addAction("Show Desktop Search")
        show.triggered.connect(self.show_and_raise)
        self.tray_pause_action = menu.addAction("Pause Indexing")
        self.tray_pause_action.setCheckable(True)
        self.tray_pause_action.toggled.connect(self._on_pause_toggled)
        menu.addSeparator()
        menu.addAction("Quit").triggered.connect(self.quit)
        self.tray.setContextMenu(menu)
        self.tray.activated.connect(self._on_tray_activated)
        self.tray.show()

    # ------------------------------------------------------------------------ query
    def _on_search_text_changed(self, text: str) -> None:
        self._like = None
        if not text.strip():
            self.debounce.stop()
            self.controller.cancel_search()
            self.results_model.clear()
            self.preview.clear()
            self._update_empty_state()
            self._update_count()
            return
        self.debounce.start()

    def _on_debounce_timeout(self) -> None:
        self.run_query()

    def run_query(self) -> None:
        """Ask for the current query's results now (the debounce calls this)."""
        if self._like is not None:
            self.controller.more_like_this(self._like.path, self.current_filters())
            return
        q = self.search_edit.text().strip()
        if not q:
            return
        self.controller.search(q, self.current_filters())

    def _on_filter_changed(self, _index: int) -> None:
        if self.search_edit.text().strip() or self._like is not None:
            self.debounce.stop()
            self.run_query()

    def current_filters(self) -> Filters | None:
        f = Filters()
        kind = self.type_combo.currentData()
        if kind:
            f.kinds = [kind]
        folder = self.folder_combo.currentData()
        if folder:
            f.folders = [folder]
        days = self.date_combo.currentData()
        if days:
            f.modified_after = time.time() - days * 86400
        return f if f.active() else None

    def _on_controller_results_ready(self, seq: int, query: str, hits: list, dense: bool) -> None:
        keep = self.results_model.query == query
        if keep and dense == self.results_model.dense and _same_hits(hits, self.results_model.hits):
            return      # a refresh that changed nothing: no reset, no repaint
        current = self.current_hit()
        keep_path = current.path if (keep and current is not None) else None
        self.results_model.set_hits(hits, query, dense)
        row = self.results_model.row_of(keep_path) if keep_path else -1
        if hits:
            self.results_view.setCurrentIndex(self.results_model.index(max(row, 0)))
            if row < 0:
                self.results_view.scrollToTop()
        else:
            self.preview.clear("No results to preview.")
        self._update_empty_state()
        self._update_count()
        self._update_result_actions()

    def _on_controller_search_failed(self, seq: int, message: str) -> None:
        self.show_error(f"Search failed: {message}")

    def _update_count(self) -> None:
        m = self.results_model
        if self._like is not None and m.query.startswith("like:"):
            self.count_label.setText(f"Files like {os.path.basename(self._like.path)}")
        elif m.hits:
            n = len(m.hits)
            self.count_label.setText(f"{n} file{'s' if n != 1 else ''}"
                                     + ("" if m.dense else " · matched by words"))
        else:
            self.count_label.setText("")

    # ------------------------------------------------------------------------ empty states
    def _update_empty_state(self) -> None:
        q = self.search_edit.text().strip()
        has_hits = bool(self.results_model.hits)
        es = self.empty_state
        self._empty_action = None
        if has_hits:
            self.results_stack.setCurrentWidget(self.results_view)
            return
        if not self.controller.ready and not self.roots:
            es.show_state("Opening your index…", "This takes a moment the first time.")
        elif not self.roots:
            es.show_state("Add a folder to start",
                          "Desktop Search reads the documents in the folders you choose and finds "
                          "them by what they mean. Everything stays on this computer. "
                          "You can also drop a folder onto this window.",
                          "Add a Folder…")
            self._empty_action = "add"
        elif not q and self._like is None:
            files = sum(r["files"] for r in self.roots)
            busy = self.controller.progress.state in BUSY_STATES
            es.show_state(f"Search {files:,} file{'s' if files != 1 else ''} by meaning",
                          "Type what you are looking for: a few words, a question, or a description "
                          "of the document." + (" Files are still being indexed; you can search "
                                                "already." if busy else ""))
        elif self.results_model.query != q and self._like is None:
            # the answer has not arrived yet: keep the list (empty) without a verdict
            es.show_state("Searching…", "")
        else:
            what = f"files like {os.path.basename(self._like.path)}" if self._like else f"“{q}”"
            hints = []
            if self.current_filters() is not None:
                hints.append("Clear the filters to search everything.")
            if self.controller.progress.state in BUSY_STATES:
                hints.append("Indexing is still going: more files will be searchable soon.")
            if not hints:
                hints.append("Try other words, or describe the document differently.")
            es.show_state(f"No results for {what}", " ".join(hints),
                          "Clear Filters" if self.current_filters() is not None else None)
            if self.current_filters() is not None:
                self._empty_action = "clear-filters"
        self.results_stack.setCurrentWidget(self.empty_state)

    def _on_empty_action(self) -> None:
        if self._empty_action == "add":
            self.add_folder_from_dialog()
        elif self._empty_action == "clear-filters":
            for combo in (self.type_combo, self.folder_combo, self.date_combo):
                combo.blockSignals(True)
                combo.setCurrentIndex(0)
                combo.blockSignals(False)
            self.run_query()

    # ------------------------------------------------------------------------ results
    def current_hit(self) -> Hit | None:
        idx = self.results_view.currentIndex()
        return idx.data(HitRole) if idx.isValid() else None

    def _on_results_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit = current.data(HitRole) if current.isValid() else None
        self._update_result_actions()
        if hit is None:
            return
        if self.preview.hit is None or self.preview.hit.chunk_id != hit.chunk_id:
            self.preview.show_hit(hit)
            self.preview_timer.start()

    def _on_preview_timer_timeout(self) -> None:
        hit = self.current_hit()
        if hit is not None:
            q = self.results_model.query
            self.controller.load_preview(hit, "" if q.startswith("like:") else q)

    def _on_controller_preview_ready(self, seq: int, doc: PreviewDoc | None) -> None:
        hit = self.current_hit()
        if doc is not None and (hit is None or doc.hit.chunk_id != hit.chunk_id):
            return
        self.preview.show_doc(doc)

    def _on_results_double_clicked(self, index: QModelIndex) -> None:
        self.open_hit(index.data(HitRole))

    def _on_results_context_menu(self, pos) -> None:
        idx = self.results_view.indexAt(pos)
        if not idx.isValid():
            return
        self.results_view.setCurrentIndex(idx)
        menu = QMenu(self)
        menu.addActions([self.open_action, self.reveal_action, self.copy_action, self.like_action])
        menu.popup(self.results_view.viewport().mapToGlobal(pos))

    def _update_result_actions(self) -> None:
        has = self.current_hit() is not None
        for a in (self.open_action, self.reveal_action, self.copy_action):
            a.setEnabled(has)
        self.like_action.setEnabled(has and self.controller.model_ready)

    def open_hit(self, hit: Hit | None) -> None:
        if hit is None:
            return
        try:
            self.opener(hit)
        except Exception as exc:  # noqa: BLE001 - the opener is the platform's business
            self.show_error(f"Cannot open {hit.path}: {exc}")

    def reveal_hit(self, hit: Hit | None) -> None:
        if hit is None:
            return
        try:
            self.revealer(hit)
        except Exception as exc:  # noqa: BLE001
            self.show_error(f"Cannot show {hit.path}: {exc}")

    def copy_path(self, hit: Hit | None) -> None:
        if hit is None:
            return
        QGuiApplication.clipboard().setText(hit.path)
        self.statusBar().showMessage(f"Copied {hit.path}", 3000)

    def more_like_this(self, hit: Hit | None) -> None:
        if hit is None:
            return
        if not self.controller.model_ready:
            self.show_error("“More like this” needs the language model: it is still loading.")
            return
        self._like = hit
        self.debounce.stop()
        self.results_model.set_hits([], "like:" + hit.path, True)
        self.controller.more_like_this(hit.path, self.current_filters())
        self._update_count()

    # ------------------------------------------------------------------------ keys
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.KeyPress and obj in (self.search_edit, self.results_view):
            return self._handle_key(obj, event)
        return super().eventFilter(obj, event)

    def _handle_key(self, obj, event) -> bool:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier))
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown) and not ctrl:
            if obj is self.search_edit:
                self._move_selection(key)
                return True
            return False
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.debounce.isActive():
                # Enter right after typing: answer the query first, open on the next Enter
                self.debounce.stop()
                self.run_query()
                return True
            if ctrl:
                self.reveal_hit(self.current_hit())
            else:
                self.open_hit(self.current_hit())
            return True
        if event.matches(QKeySequence.StandardKey.Copy):
            if obj is self.search_edit and self.search_edit.hasSelectedText():
                return False
            if self.current_hit() is not None:
                self.copy_path(self.current_hit())
                return True
            return False
        if key == Qt.Key.Key_Escape:
            if self.search_edit.text() or self._like is not None:
                self._like = None
                self.search_edit.clear()
                self._on_search_text_changed("")
            self.search_edit.setFocus()
            return True
        return False

    def _move_selection(self, key) -> None:
        n = self.results_model.rowCount()
        if n == 0:
            return
        row = self.results_view.currentIndex().row()
        page = max(1, self.results_view.viewport().height()
                   // max(1, self.results_view.sizeHintForRow(0)))
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -page,
                Qt.Key.Key_PageDown: page}[key]
        row = 0 if row < 0 else max(0, min(n - 1, row + step))
        self.results_view.setCurrentIndex(self.results_model.index(row))
        self.results_view.scrollTo(self.results_model.index(row))

    # ------------------------------------------------------------------------ engine events
    def _on_controller_engine_ready(self) -> None:
        self._update_empty_state()
        if self.search_edit.text().strip():
            self.run_query()

    def _on_controller_engine_failed(self, message: str) -> None:
        self.empty_state.show_state("The index cannot be opened", message)
        self.results_stack.setCurrentWidget(self.empty_state)

    def _on_controller_model_state_changed(self, state: str, message: str) -> None:
        if state == "loading":
            self.model_label.setText("Loading the language model… (matching words meanwhile)")
            self.model_label.show()
        elif state == "failed":
            self.model_label.setText("Words only: the model did not load")
            self.model_label.setToolTip(plain_tooltip(message))
            self.model_label.show()
        else:
            self.model_label.setText("")
            self.model_label.hide()
        self.preview.set_like_enabled(state == "ready")
        self._update_result_actions()
        if state == "ready" and (self.search_edit.text().strip() or self._like is not None):
            self.run_query()          # the same query, now by meaning too

    def _on_controller_progress_changed(self, p: Snapshot) -> None:
        self._update_status(p)
        busy = p.state in BUSY_STATES
        if busy and not self.refresh_timer.isActive():
            self.refresh_timer.start()
        elif not busy and self.refresh_timer.isActive():
            self.refresh_timer.stop()
        if self.folders_dialog is not None and self.folders_dialog.isVisible() and p.state == "idle":
            self.controller.refresh_catalog()

    def _update_status(self, p: Snapshot) -> None:
        paused = self.controller.paused
        if p.model_loading and not p.chunks_pending and not p.files_total:
            # the indexer checking the model at start, with nothing to index: the model
            # label says it; the status bar stays calm
            p = Snapshot(state=State.IDLE, failed=p.failed, index_version=p.index_version)
        text = progress_text(p, paused=paused)
        busy = p.state in BUSY_STATES and not paused
        if not text:
            files = sum(r["files"] for r in self.roots)
            if self.roots:
                n = len(self.roots)
                text = f"{files:,} files in {n} folder{'s' if n != 1 else ''}, up to date"
            else:
                text = "No folders yet"
        self.status_label.setText(text)
        self.current_label.setText(p.current if (busy and p.state == "reading" and p.current) else "")
        if busy and p.state == "reading" and p.files_total:
            self.progress_bar.setRange(0, max(1, p.files_total))
            self.progress_bar.setValue(min(p.files_done, p.files_total))
            self.progress_bar.show()
        elif busy and p.state == "embedding":
            total = p.chunks_embedded + p.chunks_pending
            self.progress_bar.setRange(0, max(1, total))
            self.progress_bar.setValue(p.chunks_embedded)
            self.progress_bar.show()
        elif busy:
            self.progress_bar.setRange(0, 0)      # busy, amount unknown
            self.progress_bar.show()
        else:
            self.progress_bar.hide()
        for w in (self.pause_button, self.pause_action) + (
                (self.tray_pause_action,) if self.tray is not None else ()):
            w.blockSignals(True)
            w.setChecked(paused)
            w.blockSignals(False)
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_action.setText("Resume Indexing" if paused else "Pause Indexing")
        self.pause_button.setVisible(busy or paused)

    def _on_refresh_timer_timeout(self) -> None:
        """While indexing, let new files into the current results (selection kept)."""
        if self.debounce.isActive() or not self.isVisible():
            return
        if self.search_edit.text().strip() or self._like is not None:
            self.run_query()

    def _on_controller_file_failed(self, path: str, reason: str) -> None:
        if not path:
            self.show_error(reason)
        self.failed_timer.start()

    def _on_controller_index_changed(self) -> None:
        self.controller.refresh_catalog()
        if self.search_edit.text().strip() or self._like is not None:
            self.run_query()

    def _on_controller_roots_loaded(self, roots: list) -> None:
        self.roots = list(roots)
        current = self.folder_combo.currentData()
        self.folder_combo.blockSignals(True)
        self.folder_combo.clear()
        self.folder_combo.addItem("All folders", None)
        for r in roots:
            self.folder_combo.addItem(folder_label(r["path"]), r["path"])
        i = self.folder_combo.findData(current) if current else 0
        self.folder_combo.setCurrentIndex(max(0, i))
        self.folder_combo.blockSignals(False)
        self._update_empty_state()
        self._update_status(self.controller.progress)

    def _on_controller_kinds_loaded(self, kinds: list) -> None:
        self.kinds = list(kinds)
        current = self.type_combo.currentData()
        self.type_combo.blockSignals(True)
        self.type_combo.clear()
        self.type_combo.addItem("All types", None)
        for k in kinds:
            self.type_combo.addItem(KIND_LABELS.get(k, k.capitalize()), k)
        i = self.type_combo.findData(current) if current else 0
        self.type_combo.setCurrentIndex(max(0, i))
        self.type_combo.blockSignals(False)

    def _on_controller_failed_loaded(self, failed: list) -> None:
        self.failed = list(failed)
        n = len(failed)
        self.failed_button.setText(f"{n} not indexed")
        self.failed_button.setVisible(n > 0)

    def _on_controller_folder_added(self, root: str) -> None:
        self._update_empty_state()

    def _on_controller_settings_saved(self, settings: Settings) -> None:
        self.statusBar().showMessage("Settings saved", 3000)

    def show_error(self, message: str) -> None:
        self._last_error = message
        self.statusBar().showMessage(message, 10000)

    # ------------------------------------------------------------------------ folders
    def _choose_folder_dialog(self) -> str | None:
        path = QFileDialog.getExistingDirectory(self, "Add a Folder to Search", str(Path.home()))
        return path or None

    def _confirm_remove_dialog(self, path: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, "Remove Folder",
                          f"Stop searching {path}?", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText("Its index is deleted. The files themselves are not touched.")
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.exec()
        return box.clickedButton() is remove

    def add_folder_from_dialog(self) -> None:
        path = self.choose_folder()
        if path:
            self.add_folders([path])

    def add_folders(self, paths: list[str]) -> None:
        """Index these folders (the status bar then shows the progress)."""
        for p in paths:
            self.controller.add_folder(p)

    def rescan(self) -> None:
        svc = self.controller.service
        if svc is not None:
            for r in self.roots:
                svc.scan(r["path"])     # only enqueues

    def show_folders(self) -> None:
        if self.folders_dialog is None:
            self.folders_dialog = FoldersDialog(self.controller, choose_folder=self.choose_folder,
                                                confirm=self._confirm_remove, parent=self)
        self.folders_dialog.set_roots(self.roots)
        self.controller.refresh_catalog()
        self.folders_dialog.show()
        self.folders_dialog.raise_()

    def show_failed(self) -> None:
        if self.failed_dialog is None:
            self.failed_dialog = FailedFilesDialog(self.controller, parent=self)
        self.failed_dialog.set_failed(self.failed)
        self.controller.refresh_catalog()
        self.failed_dialog.show()
        self.failed_dialog.raise_()

    def settings_dialog(self) -> SettingsDialog:
        return SettingsDialog(self.controller.settings,
                              tray_available=QSystemTrayIcon.isSystemTrayAvailable(), parent=self)

    def show_settings(self) -> SettingsDialog:
        """Open the settings dialog (window-modal, not blocking); OK applies and saves."""
        if self.settings_window is not None:
            self.settings_window.raise_()
            return self.settings_window
        dlg = self.settings_dialog()
        self.settings_window = dlg
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: dlg.result_settings is not None
                             and self.controller.apply_settings(dlg.result_settings))
        dlg.finished.connect(self._on_settings_finished)
        dlg.open()
        return dlg

    def _on_settings_finished(self, _result: int) -> None:
        self.settings_window = None

    def show_about(self) -> None:
        from desktop_search import __version__

        box = QMessageBox(self)
        box.setWindowTitle("About Desktop Search")
        box.setIconPixmap(app_icon().pixmap(64, 64))
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"Desktop Search {__version__}")
        box.setInformativeText("Finds the files on this computer that mean what you type. "
                               "Private and offline: nothing leaves this computer.")
        box.exec()

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
    def _on_pause_toggled(self, checked: bool) -> None:
        self.controller.set_paused(bool(checked))
        self._update_status(self.controller.progress)

    def _on_tray_activated(self, reason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            if self.isVisible() and not self.isMinimized():
                self.hide()
            else:
                self.show_and_raise()

    def show_and_raise(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()
        self.search_edit.setFocus()

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
            if not self._tray_hint_shown:
                self._tray_hint_shown = True
                self.tray.showMessage("Desktop Search", "Still indexing in the background. "
                                      "Quit from this icon's menu.", app_icon(), 4000)
            return
        for d in (self.folders_dialog, self.failed_dialog):
            if d is not None:
                d.close()
        if self.tray is not None:
            self.tray.hide()
        event.accept()
        emit(self.quit_requested)

    # ------------------------------------------------------------------------ persistence
    def _qsettings(self) -> QSettings | None:
        if self._state_path is None:
            return None
        return QSettings(str(self._state_path), QSettings.Format.IniFormat)

    def _restore_window_state(self) -> None:
        qs = self._qsettings()
        if qs is None:
            self.splitter.setSizes([620, 480])
            return
        geo = qs.value("window/geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        split = qs.value("window/splitter")
        if not (isinstance(split, QByteArray) and self.splitter.restoreState(split)):
            self.splitter.setSizes([620, 480])
        date = qs.value("filters/date")
        if date is not None:
            try:
                self.date_combo.setCurrentIndex(max(0, min(int(date), self.date_combo.count() - 1)))
            except (TypeError, ValueError):
                pass

    def save_window_state(self) -> None:
        qs = self._qsettings()
        if qs is None:
            return
        qs.setValue("window/geometry", self.saveGeometry())
        qs.setValue("window/splitter", self.splitter.saveState())
        qs.setValue("filters/date", self.date_combo.currentIndex())
        qs.sync()
        emit(self.state_saved)
