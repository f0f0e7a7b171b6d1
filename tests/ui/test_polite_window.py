"""The window says why indexing waits (on battery, the computer busy), and marks the
results and the folder of a drive that is gone as offline. Real window, real model, real
files; battery, load and the mount table come through the engine's seams."""
from __future__ import annotations

import os

from PySide6.QtCore import Qt

from desktop_search.core.indexing.drives import Mount
from desktop_search.ui.results import OFFLINE, row_when
from tests.core.test_drives import FakeFileSystems
from tests.core.test_polite import FakeConditions


def names(hits):
    return [os.path.basename(h.path) for h in hits]


def test_status_line_says_why_indexing_waits(harness, corpus, qtbot):
    power = FakeConditions(battery=True)
    w = harness.open_window(engine_options={"conditions": power})
    w.add_folders([str(corpus)])
    # files are read on battery (words find them), passages wait for mains
    qtbot.waitUntil(lambda: w.status_label.text().startswith("Paused on battery: "),
                    timeout=60_000)
    assert w.status_label.text().endswith(" passages to go")
    assert names(harness.search(w, "sourdough"))[:1] == ["bread.txt"]
    assert w.controller.engine.library.count_unembedded() > 0
    power.busy = True
    qtbot.waitUntil(lambda: w.status_label.text().startswith(
        "Waiting while the computer is busy: "), timeout=30_000)
    w.show_folders()
    qtbot.waitUntil(lambda: w.dialogs.folders.tree.topLevelItemCount() == 1
                    and w.dialogs.folders.tree.topLevelItem(0).text(2)
                    == "Watching · Waiting while the computer is busy", timeout=15_000)
    # one click, and the passages are embedded on battery, the computer still busy
    anyway = w.status.anyway_button
    assert not anyway.isHidden() and anyway.text() == "Index now anyway"
    qtbot.mouseClick(anyway, Qt.MouseButton.LeftButton)
    harness.wait_idle(w)
    assert power.battery and power.busy
    assert w.status_label.text().endswith("up to date")
    assert w.controller.engine.library.count_unembedded() == 0
    assert anyway.isHidden()


def test_a_folder_added_while_the_computer_is_busy_is_indexed_at_once(harness, corpus):
    """As ``desktop-search index``: the person asked for it, so it does not wait for the
    other work to end (the busy rule is for background catch-up)."""
    load = FakeConditions(busy=True)
    w = harness.open_window(engine_options={"conditions": load})
    harness.add_folder_and_wait(w, corpus)
    assert load.busy
    assert w.controller.engine.library.count_unembedded() == 0
    assert w.status_label.text().endswith("up to date")
    assert names(harness.search(w, "pets napping"))[:1] == ["cats.txt"]


def test_results_and_folder_of_a_vanished_drive_are_marked_offline(harness, tmp_path, qtbot):
    from tests.ui.conftest import write_corpus

    drive = tmp_path / "usb"
    write_corpus(drive)
    fs = FakeFileSystems(Mount(str(drive), "vfat"))
    w = harness.open_window(engine_options={"filesystems": fs})
    harness.add_folder_and_wait(w, drive)
    hits = harness.search(w, "sourdough")
    assert names(hits)[:1] == ["bread.txt"] and not hits[0].offline
    assert not row_when(hits[0]).startswith(OFFLINE)

    drive.rename(tmp_path / ".unplugged")
    # the window asks again by itself when the folder goes offline
    qtbot.waitUntil(lambda: bool(w.results_model.hits) and w.results_model.hits[0].offline,
                    timeout=30_000)
    hit = w.results_model.hits[0]
    assert names([hit]) == ["bread.txt"]
    assert row_when(hit).startswith(f"{OFFLINE} · ")
    idx = w.results_model.index(0, 0)
    assert "Offline" in w.results_model.data(idx, Qt.ItemDataRole.ToolTipRole)
    assert "(offline)" in w.results_model.data(idx, Qt.ItemDataRole.AccessibleTextRole)

    w.show_folders()
    dlg = w.dialogs.folders
    qtbot.waitUntil(lambda: dlg.tree.topLevelItemCount() == 1
                    and dlg.tree.topLevelItem(0).text(2).startswith("Offline"), timeout=15_000)
    assert dlg.tree.topLevelItem(0).text(1) == f"{len(os.listdir(tmp_path / '.unplugged'))}"

    (tmp_path / ".unplugged").rename(drive)          # back
    qtbot.waitUntil(lambda: bool(w.results_model.hits) and not w.results_model.hits[0].offline,
                    timeout=30_000)
    qtbot.waitUntil(lambda: not dlg.tree.topLevelItem(0).text(2).startswith("Offline"),
                    timeout=30_000)


def test_the_status_line_names_the_reason_and_what_waits():
    from desktop_search.core.indexing import Snapshot, State, Waiting
    from desktop_search.ui.status_bar import progress_text

    battery = Snapshot(state=State.WAITING, waiting=Waiting.BATTERY, chunks_pending=1,
                       pictures_pending=3)
    assert progress_text(battery, paused=False) == "Paused on battery: 1 passage, 3 pictures to go"
    busy = Snapshot(state=State.WAITING, waiting=Waiting.BUSY, files_done=2, files_total=8)
    assert progress_text(busy, paused=False) == "Waiting while the computer is busy: 6 files to go"
    reading = Snapshot(state=State.READING, waiting=Waiting.BATTERY, files_done=1, files_total=4)
    assert progress_text(reading, paused=False) == "Indexing 1 of 4 files · slowly, on battery"
    # the user's pause says so, whatever the conditions
    assert progress_text(battery, paused=True).startswith("Indexing paused")


def test_settings_offer_index_on_battery_and_a_core_cap(qtbot):
    from desktop_search.config import Settings
    from desktop_search.ui.settings_dialog import SettingsDialog

    d = SettingsDialog(Settings(index_on_battery=True, max_cores=1), tray_available=False)
    qtbot.addWidget(d)
    assert d.index_on_battery.isChecked()
    assert d.max_cores.text() == "Use at most 1 core"
    d.index_on_battery.setChecked(False)
    d.max_cores.setValue(0)
    assert d.max_cores.text() == "Use all cores"
    s = d.settings()
    assert (s.index_on_battery, s.max_cores) == (False, 0)


def test_settings_open_tall_enough_for_their_notes(qtbot):
    """Every wrapped note gets its height: the dialog opens at its layout's height for its
    width (at its minimum height the notes overlapped)."""
    from desktop_search.config import Settings
    from desktop_search.ui.settings_dialog import SettingsDialog

    d = SettingsDialog(Settings(), tray_available=True)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    assert d.height() >= d.layout().totalHeightForWidth(d.width())
