"""One window per data folder: the first owns it, a second one hands over and leaves.

The lock and the local channel are the core's (``core/ownership.py``, no Qt). This module
turns the requests that arrive on the channel's thread into Signals delivered on the GUI
thread: ``show`` raises the window, ``toggle`` raises or puts it away (the global
shortcut bound in the desktop's settings runs ``desktop-search --toggle``), ``add``
indexes folders (from a second ``desktop-search gui PATH`` or a CLI ``index PATH``),
``remove`` forgets one.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop_search.i18n import _
from desktop_search.core.ownership import (DataFolderBusy, HandOffError, Ownership, Reply,
                                           Request, hand_off)
from desktop_search.ui.bridge import emit

ACCEPTS = ("show", "toggle", "add", "remove")
#: owners that finish by themselves: the window waits for them instead of giving up
SHORT_LIVED = ("index", "remove", "doctor", "upgrade")


class InstanceServer(QObject):
    """Answers hand-offs for the window; lives on the GUI thread, called from another."""

    show_requested = Signal()
    toggle_requested = Signal()
    folders_requested = Signal(list)      # folders to add
    remove_requested = Signal(list)       # folders to forget

    def handle(self, req: Request) -> Reply:
        """Runs on the hand-off thread: only emits (queued to the GUI thread)."""
        if req.command == "show":
            emit(self.show_requested)
            return Reply(True, "brought to the front")
        if req.command == "toggle":
            emit(self.toggle_requested)
            return Reply(True, "shown or put away")
        if req.command == "add":
            bad = [p for p in req.paths if not os.path.isdir(p)]
            if bad:
                return Reply(False, f"not a folder: {bad[0]}")
            emit(self.folders_requested, list(req.paths))
            emit(self.show_requested)
            return Reply(True, f"the window indexes {', '.join(req.paths)}")
        if req.command == "remove":
            emit(self.remove_requested, list(req.paths))
            return Reply(True, f"the window forgets {', '.join(req.paths)}")
        return Reply(False, f"unknown request {req.command!r}")


def claim(data_dir: Path, server: InstanceServer) -> Ownership:
    """Own the data folder as the window, or raise ``DataFolderBusy``."""
    return Ownership.acquire(data_dir, kind="window", handler=server.handle, accepts=ACCEPTS,
                             hint="stop it first, then open the window")


def hand_to_first(busy: DataFolderBusy, folders: list[str], *, toggle: bool = False) -> str | None:
    """A window is already open: raise it (or with ``toggle``, put it away when it is in
    front) and give it our folders. What happened, in words; None when the owner is not a
    window (a CLI command holds the folder)."""
    owner = busy.owner
    if owner is None or "show" not in owner.accepts:
        return None
    try:
        if toggle and "toggle" in owner.accepts:
            hand_off(owner, Request("toggle"))
            return f"Desktop Search is already open ({owner.describe()}): shown or put away"
        hand_off(owner, Request("show"))
        if folders:
            reply = hand_off(owner, Request("add", tuple(folders)))
            if not reply.ok:
                return f"Desktop Search is already open ({owner.describe()}): {reply.message}"
    except HandOffError as exc:
        return f"Desktop Search is already open but did not answer: {exc}"
    what = f" and handed it {', '.join(folders)}" if folders else ""
    return f"Desktop Search is already open ({owner.describe()}): brought it to the front{what}"


def can_show_dialogs() -> bool:
    """offscreen/minimal platforms have no screen: a modal box would wait for nobody."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    return not platform.startswith(("offscreen", "minimal"))


def say(message: str) -> None:
    if sys.stderr is not None:
        print(f"desktop-search: {message}", file=sys.stderr, flush=True)


def wait_for_owner(data_dir: Path, server: InstanceServer, busy: DataFolderBusy,
                   *, poll_ms: int = 250) -> Ownership | None:
    """A short CLI command (``index``, ``remove``, ...) holds the folder: wait until it
    is done, saying so, then own the folder. None when the user cancels."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QMessageBox

    what = busy.owner.describe() if busy.owner else "another process"
    say(f"waiting for {what} to finish with {data_dir}")
    loop = QEventLoop()
    got: list[Ownership] = []

    def poll() -> None:
        try:
            got.append(claim(data_dir, server))
        except DataFolderBusy:
            return
        loop.quit()

    timer = QTimer()
    timer.setInterval(poll_ms)
    timer.timeout.connect(poll)
    box = None
    if can_show_dialogs():
        shown = busy.owner.describe(translated=True) if busy.owner else _("another process")
        box = QMessageBox(QMessageBox.Icon.Information, _("Desktop Search"),
                          _("Waiting for {owner} to finish updating the index…").format(owner=shown))
        box.setInformativeText(_("The window opens as soon as it is done."))
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _result: loop.quit())
        box.show()
    timer.start()
    loop.exec()
    timer.stop()
    if box is not None:
        box.finished.disconnect()
        box.close()
        box.deleteLater()
    return got[0] if got else None
