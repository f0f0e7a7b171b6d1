"""The window's dialogs: folders, files not indexed, copies and versions, settings. Each is made on first use
and kept (settings: while open), so a second click raises the one already there."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from desktop_search.ui.copies import CopiesDialog
from desktop_search.ui.failed import FailedFilesDialog
from desktop_search.ui.folders import FoldersDialog
from desktop_search.ui.settings_dialog import SettingsDialog
from desktop_search.ui.tray import tray_available

if TYPE_CHECKING:
    from desktop_search.ui.window import SearchWindow


class WindowDialogs:
    def __init__(self, window: SearchWindow) -> None:
        self.w = window
        self.folders: FoldersDialog | None = None
        self.failed: FailedFilesDialog | None = None
        self.copies: CopiesDialog | None = None
        self.settings_window: SettingsDialog | None = None

    def show_folders(self) -> None:
        if self.folders is None:
            self.folders = FoldersDialog(self.w.controller, choose_folder=self.w.choose_folder,
                                         confirm=self.w.confirm_remove, parent=self.w)
        self.folders.set_roots(self.w.roots)
        self.w.controller.refresh_catalog()
        self.folders.show()
        self.folders.raise_()

    def show_failed(self) -> None:
        if self.failed is None:
            self.failed = FailedFilesDialog(self.w.controller, parent=self.w)
        self.failed.set_failed(self.w.failed)
        self.w.controller.refresh_catalog()
        self.failed.show()
        self.failed.raise_()

    def show_copies(self) -> CopiesDialog:
        """The groups known so far at once; the controller looks again when the index
        moved since (it does so by itself when indexing settles, unless it just did)."""
        c = self.w.controller
        if self.copies is None:
            self.copies = CopiesDialog(parent=self.w)
            self.copies.open_requested.connect(self.w.commands.result.open_hit)
            self.copies.reveal_requested.connect(self.w.commands.result.reveal_hit)
            c.duplicates_ready.connect(self.copies.set_groups)
        self.copies.set_groups(c.duplicates)
        if c.duplicates_stale and not c.duplicate_reads.in_flight:
            c.refresh_duplicates()
        self.copies.show()
        self.copies.raise_()
        return self.copies

    def settings_dialog(self) -> SettingsDialog:
        from desktop_search.paths import default_data_dir

        eng = self.w.controller.engine    # launchers carry a data folder other than the default
        data_dir = (str(eng.data_dir) if eng is not None
                    and Path(eng.data_dir).resolve() != default_data_dir().resolve() else None)
        return SettingsDialog(self.w.controller.settings,
                              tray_available=tray_available(), parent=self.w,
                              data_dir=data_dir, choice=self.w.model_choice,
                              hotkey_message=self.w.hotkey.message if self.w.hotkey else "")

    def show_settings(self) -> SettingsDialog:
        """Open the settings dialog (window-modal, not blocking); OK applies and saves."""
        if self.settings_window is not None:
            self.settings_window.raise_()
            return self.settings_window
        dlg = self.settings_dialog()
        self.settings_window = dlg
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self._apply_settings(dlg))
        dlg.finished.connect(self._on_settings_finished)
        dlg.open()
        return dlg

    def _apply_settings(self, dlg: SettingsDialog) -> None:
        if dlg.result_settings is not None:
            self.w.controller.apply_settings(dlg.result_settings)

    def _on_settings_finished(self, _result: int) -> None:
        self.settings_window = None

    def close(self) -> None:
        for d in (self.folders, self.failed, self.copies):
            if d is not None:
                d.close()
