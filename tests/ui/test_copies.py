"""Copies and versions in the real window: a result's copies fold into one row, and the
"Copies and Versions" dialog lists the groups with open and reveal."""
from __future__ import annotations

import os
import threading

from PySide6.QtCore import Qt

from desktop_search.ui.results import CopiesRole
from tests.dup_corpus import write_library

RENT_QUERY = "monthly rent deposit and notice for the flat tenancy"


def _wait_groups(qtbot, w, n: int) -> list:
    qtbot.waitUntil(lambda: w.controller.duplicates is not None
                    and len(w.controller.duplicates) == n, timeout=30_000)
    return w.controller.duplicates


def test_copies_fold_into_one_row_and_the_dialog_lists_the_groups(harness, qtbot, tmp_path):
    files = write_library(tmp_path / "docs")
    w = harness.open_window()
    harness.add_folder_and_wait(w, tmp_path / "docs")
    _wait_groups(qtbot, w, 2)
    hits = harness.search(w, RENT_QUERY)
    qtbot.waitUntil(lambda: any(w.results_model.copies.get(h.path) for h in w.results_model.hits))
    hits = w.results_model.hits
    lease_copies = {str(files[n]) for n in ("copy_docx", "copy_crlf", "v3")}
    shown = [h.path for h in hits if h.path in lease_copies]
    # three files with one text: one row, which says "+ 2 copies"
    assert len(shown) == 1, [os.path.basename(h.path) for h in hits]
    row = w.results_model.row_of(shown[0])
    index = w.results_model.index(row)
    copies = index.data(CopiesRole)
    assert {m.path for m in copies} == lease_copies - {shown[0]}
    assert "(+ 2 copies)" in index.data(Qt.ItemDataRole.AccessibleTextRole)
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert all(os.path.basename(m.path) in tip for m in copies)
    # the versions are their own rows: they differ
    paths = [h.path for h in hits]
    assert str(files["v2"]) in paths and str(files["v1"]) in paths
    # the engine's own list is kept; only copies of a row shown were folded away
    answer = {h.path for h in w.results_model.answer}
    assert lease_copies <= answer
    folded = answer - set(paths)
    assert lease_copies - {shown[0]} <= folded
    assert folded <= {m.path for p in paths for m in w.results_model.copies.get(p, ())}
    assert not w.grab().isNull()

    # the view: reachable from the Index menu
    menu_texts = [a.text() for m in w.menuBar().actions() for a in m.menu().actions()]
    assert "&Copies and Versions…" in menu_texts
    w.commands.copies.trigger()
    dlg = w.dialogs.copies
    qtbot.waitExposed(dlg)
    tree = dlg.tree
    assert tree.topLevelItemCount() == 2
    lease = tree.topLevelItem(0)
    assert lease.text(0) == "signed lease.docx: 5 documents, up to 67% of passages changed"
    kids = [lease.child(i) for i in range(lease.childCount())]
    assert [k.text(1) for k in kids] == ["newest", "same text", "same text",
                                         "33% of passages changed", "67% of passages changed"]
    assert kids[4].text(0) == "lease 2023.txt"
    minutes = tree.topLevelItem(1)
    assert minutes.text(0) == "minutes (1).txt: 2 copies, identical"
    assert not dlg.open_button.isEnabled()
    tree.setCurrentItem(kids[4])
    assert dlg.open_button.isEnabled()
    dlg.open_button.click()
    dlg.reveal_button.click()
    assert [h.path for h in harness.opened] == [str(files["v1"])]
    assert [h.path for h in harness.revealed] == [str(files["v1"])]
    tree.itemActivated.emit(kids[3], 0)         # Enter or a double click opens too
    assert harness.opened[-1].path == str(files["v2"])


def test_a_deleted_copy_unfolds_its_row(harness, qtbot, tmp_path):
    files = write_library(tmp_path / "docs")
    w = harness.open_window()
    harness.add_folder_and_wait(w, tmp_path / "docs")
    _wait_groups(qtbot, w, 2)
    harness.search(w, "residents association minutes bin store bicycle racks")
    qtbot.waitUntil(lambda: bool(w.results_model.copies.get(w.results_model.hits[0].path)))
    os.remove(files["minutes_copy"])
    # the watcher sees it; when indexing settles the copies are looked for again
    qtbot.waitUntil(lambda: len(w.controller.duplicates or []) == 1, timeout=30_000)
    qtbot.waitUntil(lambda: not w.results_model.copies.get(w.results_model.hits[0].path))
    assert w.results_model.hits[0].path == str(files["minutes"])


def test_searching_never_waits_for_the_copies(harness, qtbot, tmp_path):
    """The copies are looked for on a thread of their own: while a look is stuck, typing
    still gets its answers."""
    write_library(tmp_path / "docs")
    w = harness.open_window()
    harness.add_folder_and_wait(w, tmp_path / "docs")
    _wait_groups(qtbot, w, 2)
    engine = w.controller.engine
    gate, started = threading.Event(), threading.Event()
    real = engine.duplicates

    def stuck(**kw):
        started.set()
        gate.wait(30)
        return real(**kw)

    engine.duplicates = stuck
    try:
        w.controller.refresh_duplicates()
        assert started.wait(10)
        hits = harness.search(w, RENT_QUERY)
        assert hits and not gate.is_set()
        hits = harness.search(w, "incident report forklift pallet")
        assert os.path.basename(hits[0].path) == "incident-1.txt"
    finally:
        gate.set()
    with qtbot.waitSignal(w.controller.duplicates_ready, timeout=30_000):
        pass


def test_a_costly_look_waits_before_the_next_but_the_dialog_looks(harness, qtbot, tmp_path):
    """A look that took over a second is not repeated at the next settle; the index is
    then marked as moved since, and opening the dialog looks again."""
    import dataclasses
    import time

    write_library(tmp_path / "docs")
    w = harness.open_window()
    harness.add_folder_and_wait(w, tmp_path / "docs")
    _wait_groups(qtbot, w, 2)
    c = w.controller
    qtbot.waitUntil(lambda: not c.duplicate_reads.in_flight)
    real = c.engine.duplicates
    c.engine.duplicates = lambda **kw: (time.sleep(1.2), real(**kw))[1]
    with qtbot.waitSignal(c.duplicates_ready, timeout=30_000):
        c.refresh_duplicates()
    sent = c.duplicate_reads.sent
    moved = dataclasses.replace(c.progress, index_version=c.progress.index_version + 1)
    c.bridge.progress_changed.emit(moved)          # indexing settled on a new index
    assert c.progress.index_version == moved.index_version
    assert c.duplicate_reads.sent == sent and c.duplicates_stale
    with qtbot.waitSignal(c.duplicates_ready, timeout=30_000):
        w.show_copies()
    assert c.duplicate_reads.sent == sent + 1 and not c.duplicates_stale


if __name__ == "__main__":      # a picture of the folded row and the dialog, to look at
    import sys
    import tempfile
    from pathlib import Path

    from PySide6.QtWidgets import QApplication

    from desktop_search.config import Settings
    from desktop_search.core.embed import embedder_for
    from desktop_search.ui.app import engine_factory
    from desktop_search.ui.controller import SearchController
    from desktop_search.ui.window import SearchWindow

    app = QApplication(sys.argv)
    tmp = Path(tempfile.mkdtemp())
    write_library(tmp / "docs")
    emb = embedder_for(Settings())
    emb.load()
    c = SearchController(settings=Settings(), make_engine=engine_factory(tmp / "data", embedder=emb))
    win = SearchWindow(c, use_tray=False)
    win.show()
    c.start()
    while not c.ready:
        app.processEvents()
    win.add_folders([str(tmp / "docs")])
    while not (c.duplicates and len(c.duplicates) == 2 and c.model_ready):
        app.processEvents()
    win.search_edit.setText(RENT_QUERY)
    while not any(win.results_model.copies.get(h.path) for h in win.results_model.hits):
        app.processEvents()
    for _ in range(50):
        app.processEvents()
    win.grab().save("/tmp/copies-window.png")
    d = win.show_copies()
    for _ in range(50):
        app.processEvents()
    d.grab().save("/tmp/copies-dialog.png")
    c.shutdown()


def test_documents_sharing_a_file_are_not_folded_together():
    """Two messages of one mailbox share its path: each keeps its row; a copy of one
    folds into it."""
    from desktop_search.core.search.duplicates import Member, doc_key
    from desktop_search.ui.copies import fold_copies, member_hit

    def member(i, path, inside):
        return Member(file_id=i, path=path, inside=inside, modified=float(i), size=10,
                      newest=False, changed=0, same_as=0)

    a = member(1, "/mail/Inbox", ["Re: the lease"])
    b = member(2, "/mail/Inbox", ["Sailing on Saturday"])
    a_copy = member(3, "/docs/lease-mail.eml", [])
    hits = [member_hit(m) for m in (a, b, a_copy)]
    assert fold_copies(hits, {}) == hits
    folded = fold_copies(hits, {doc_key(a.path, a.inside): (a_copy,)})
    assert [(h.path, h.inside) for h in folded] == [(a.path, a.inside), (b.path, b.inside)]
