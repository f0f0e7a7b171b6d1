"""The picture model's download in the status bar (the indexer's side:
tests/core/test_picture_download.py)."""
from __future__ import annotations

from desktop_search.core.indexing import Snapshot, State
from desktop_search.ui.status_bar import StatusBar


def test_the_status_bar_draws_the_download(qtbot):
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.show()
    snap = Snapshot(state=State.PICTURES, pictures_pending=3,
                    picture_download=(150 * 2**20, 605 * 2**20))
    bar.show_snapshot(snap, paused=False, roots=[])
    assert bar.status_label.text() == "Picture model download: 150 of 605 MB"
    assert bar.progress_bar.isVisible()
    assert (bar.progress_bar.value(), bar.progress_bar.maximum()) == (150 * 1024, 605 * 1024)
    bar.show_snapshot(Snapshot(state=State.PICTURES, pictures_pending=3), paused=False, roots=[])
    assert bar.status_label.text() == "Reading pictures and scans: 3 to go"
