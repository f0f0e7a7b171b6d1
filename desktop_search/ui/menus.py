"""The window's actions and menu bar: every command a person can give, in one place."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from desktop_search.i18n import _

if TYPE_CHECKING:
    from desktop_search.ui.window import SearchWindow


def build_menus(w: SearchWindow) -> None:
    """Make the window's actions (``w.open_action`` ...) and its menu bar."""
    def act(text, slot, shortcut=None, checkable=False, hint=None) -> QAction:
        if hint:     # a key the menu only names, in the desktop's words (Qt translates them)
            text += "\t" + QKeySequence(hint).toString(QKeySequence.SequenceFormat.NativeText)
        a = QAction(text, w)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        a.setCheckable(checkable)
        (a.toggled if checkable else a.triggered).connect(slot)
        w.addAction(a)
        return a

    w.add_folder_action = act(_("&Add Folder…"), w.add_folder_from_dialog, "Ctrl+O")
    w.folders_action = act(_("&Folders…"), w.show_folders)
    w.settings_action = act(_("&Settings…"), w.show_settings, "Ctrl+,")
    w.quit_action = act(_("&Quit"), w.quit, "Ctrl+Q")
    # Enter, Ctrl+Enter and Ctrl+C are handled by the search field and list (so Ctrl+C
    # still copies selected text); the menu only names them
    w.open_action = act(_("&Open"), lambda: w.open_hit(w.current_hit()), hint="Enter")
    w.reveal_action = act(_("Show in &Folder"), lambda: w.reveal_hit(w.current_hit()),
                       hint="Ctrl+Enter")
    w.copy_action = act(_("&Copy Path"), lambda: w.copy_path(w.current_hit()), hint="Ctrl+C")
    w.like_action = act(_("&More Like This"), lambda: w.more_like_this(w.current_hit()), "Ctrl+M")
    w.save_copy_action = act(_("&Save a Copy…"), lambda: w.save_copy(w.current_hit()))
    w.pause_action = act(_("&Pause Indexing"), w.set_indexing_paused, checkable=True)
    w.rescan_action = act(_("&Rescan All Folders"), w.rescan)
    w.failed_action = act(_("Files &Not Indexed…"), w.show_failed)
    w.copies_action = act(_("&Copies and Versions…"), w.show_copies)
    w.about_action = act(_("&About Desktop Search"), w.show_about)

    mb = w.menuBar()
    m = mb.addMenu(_("&File"))
    m.addActions([w.add_folder_action, w.folders_action])
    m.addSeparator()
    m.addAction(w.settings_action)
    m.addSeparator()
    m.addAction(w.quit_action)
    m = mb.addMenu(_("&Result"))
    m.addActions([w.open_action, w.reveal_action, w.copy_action, w.like_action,
                  w.save_copy_action])
    m = mb.addMenu(_("&Index"))
    m.addActions([w.pause_action, w.rescan_action, w.failed_action, w.copies_action])
    m = mb.addMenu(_("&Help"))
    m.addAction(w.about_action)
