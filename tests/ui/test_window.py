"""The real window on real files: add a folder, find by meaning, keyboard, live updates."""
from __future__ import annotations

import os
import threading
import time

from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QTextDocument

from desktop_search.core.search import SimilarTo, TextQuery
from desktop_search.ui.results import snippet_html
from tests.ui.conftest import CORPUS, MEANING_PAIRS, GatedEmbedder, write_corpus


def names(hits) -> list[str]:
    return [os.path.basename(h.path) for h in hits]


def test_first_start_offers_to_add_a_folder(harness, qtbot):
    w = harness.open_window()
    assert w.search_edit.hasFocus()
    assert w.results_stack.currentWidget() is w.empty_state
    assert w.empty_state.button.isVisible()
    assert "Add a Folder" in w.empty_state.button.text()
    qtbot.waitUntil(lambda: w.status_label.text() == "No folders yet")
    # the button asks for a folder (the dialog is replaced in tests)
    asked = []
    w.choose_folder = lambda: asked.append(1) or None
    w.empty_state.button.click()
    assert asked == [1]


def test_add_folder_shows_progress_then_finds_by_meaning(harness, corpus, qtbot):
    two_years_ago = time.time() - 2 * 365 * 86400
    os.utime(corpus / "cats.txt", (two_years_ago, two_years_ago))
    w = harness.open_window()
    states, texts = [], []
    w.controller.progress_changed.connect(lambda p: (states.append(p.state),
                                                     texts.append(w.status_label.text())))
    harness.add_folder_and_wait(w, corpus)
    # progress was shown while it worked, and the status bar says it is done
    assert {"reading", "embedding"} & set(states), states
    assert any(t.startswith(("Indexing", "Reading passages", "Looking for")) for t in texts), texts
    assert w.status_label.text() == f"{len(CORPUS)} files in 1 folder, up to date"
    assert not w.progress_bar.isVisible()
    # each query shares no word with the file it must find
    for query, expected in MEANING_PAIRS:
        hits = harness.search(w, query)
        assert names(hits)[0] == expected, (query, names(hits))
        assert w.results_model.dense
    # the preview shows the passage in its file, highlighted, scrolled to
    qtbot.waitUntil(lambda: w.preview.doc is not None
                    and os.path.basename(w.preview.doc.hit.path) == "guitar.txt")
    assert "metronome" in w.preview.text.toPlainText()
    assert w.preview.text.extraSelections()
    qtbot.waitUntil(w.preview.passage_visible)
    assert w.count_label.text() == f"{len(w.results_model.hits)} files"
    # the filters narrow the results
    w.type_combo.setCurrentIndex(w.type_combo.findData("markdown"))
    qtbot.waitUntil(lambda: bool(w.results_model.hits)
                    and all(h.kind == "markdown" for h in w.results_model.hits))
    w.type_combo.setCurrentIndex(0)
    qtbot.waitUntil(lambda: len(w.results_model.hits) > 1)
    hits = harness.search(w, "pets napping")
    assert names(hits)[0] == "cats.txt"
    w.date_combo.setCurrentIndex(w.date_combo.findText("Past year"))
    qtbot.waitUntil(lambda: bool(w.results_model.hits) and "cats.txt" not in names(w.results_model.hits))
    w.date_combo.setCurrentIndex(0)
    qtbot.waitUntil(lambda: names(w.results_model.hits)[:1] == ["cats.txt"])


def _count_engine_calls(controller):
    """Wrap the engine's ``find`` to see how many searches run, and how many at once."""
    seen = {"calls": [], "running": 0, "most": 0}
    lock = threading.Lock()
    real = controller.engine.find

    def find(request, **kw):
        with lock:
            seen["calls"].append(request)
            seen["running"] += 1
            seen["most"] = max(seen["most"], seen["running"])
        try:
            return real(request, **kw)
        finally:
            with lock:
                seen["running"] -= 1

    controller.engine.find = find
    return seen


def test_typing_fast_latest_query_wins(harness, corpus, qtbot):
    w = harness.open_window()
    harness.add_folder_and_wait(w, corpus)
    c = w.controller
    seen = _count_engine_calls(c)
    delivered, painted = [], []
    c.results_ready.connect(lambda seq, request, hits, dense: delivered.append(request))
    w.results_model.modelReset.connect(lambda: painted.append(w.results_model.query))
    # the first key is sent at once; the rest wait for it, and only the newest goes next
    qtbot.keyClicks(w.search_edit, "bake")
    assert c.searches.in_flight and c.searches.sent == 1
    for _ in range(4):
        qtbot.keyClick(w.search_edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(w.search_edit, "pets napping")
    assert c.searches.sent == 1 and c.searches.waiting
    qtbot.waitUntil(lambda: w.results_model.query == "pets napping")
    assert names(w.results_model.hits)[0] == "cats.txt"
    assert [r.text for r in delivered] == ["pets napping"], delivered
    # the field emptied once (backspaces) and the stale "b" answer was never shown
    assert painted == ["", "pets napping"], painted
    # "b" went at once (the engine skips it if a newer question came before it started);
    # nothing between "b" and the last query was ever asked
    assert [r.text for r in seen["calls"]] in (["b", "pets napping"], ["pets napping"])
    assert seen["most"] == 1
    # requests sent back to back: only the last is answered on screen
    delivered.clear()
    c.search(TextQuery("sourdough oven"))
    c.search(TextQuery("rocket orbit"))
    last = c.search(TextQuery("growing vegetables"))
    with qtbot.waitSignal(c.results_ready, timeout=10_000,
                          check_params_cb=lambda seq, *rest: seq == last):
        pass
    assert [r.text for r in delivered] == ["growing vegetables"], delivered
    assert names(w.results_model.hits)[0] == "garden.html"
    assert seen["most"] == 1
    qtbot.waitUntil(lambda: not c.searching)
    assert "rocket orbit" not in [r.text for r in seen["calls"]]   # never even asked


def test_keyboard_open_reveal_copy_clear(harness, corpus, qtbot):
    w = harness.open_window()
    harness.add_folder_and_wait(w, corpus)
    hits = harness.search(w, "pets napping")
    edit = w.search_edit
    assert names(hits)[0] == "cats.txt" and len(hits) > 1
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    assert w.current_hit() is hits[1]
    qtbot.keyClick(edit, Qt.Key.Key_Up)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert [h.path for h in harness.opened] == [str(corpus / "cats.txt")]
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    qtbot.keyClick(edit, Qt.Key.Key_Enter)
    assert harness.opened[-1].path == hits[1].path
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert [h.path for h in harness.revealed] == [hits[1].path]
    qtbot.keyClick(edit, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == hits[1].path
    # with text selected in the field, Ctrl+C copies the text as usual
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "pets napping"
    # keys work from the list too
    w.results_view.setFocus()
    qtbot.keyClick(w.results_view, Qt.Key.Key_Return)
    assert harness.opened[-1].path == hits[1].path
    # Escape clears the query and the results
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert edit.text() == ""
    assert w.results_model.rowCount() == 0
    assert w.results_stack.currentWidget() is w.empty_state
    assert w.empty_state.title.text().startswith(f"Search {len(CORPUS)} files")


def test_new_file_appears_and_deleted_file_disappears(harness, corpus, qtbot):
    w = harness.open_window()
    harness.add_folder_and_wait(w, corpus)
    hits = harness.search(w, "volcano lava eruption")
    assert "volcano.txt" not in names(hits)
    new = corpus / "volcano.txt"
    new.write_text("The volcano erupted at dawn and lava flowed down to the sea.", encoding="utf-8")
    with qtbot.waitSignal(w.controller.index_changed, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: names(w.results_model.hits)[:1] == ["volcano.txt"], timeout=30_000)
    new.unlink()
    qtbot.waitUntil(lambda: "volcano.txt" not in names(w.results_model.hits), timeout=30_000)
    # the other files still answer, and the preview shows the result in focus, not the gone file
    assert w.results_model.hits
    assert w.preview.hit is not None and w.preview.hit == w.current_hit()
    assert w.preview.hit.path != str(new)


def test_corrupt_files_are_listed_with_reasons_and_can_be_retried(harness, corpus, qtbot):
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    (corpus / "report.docx").write_bytes(b"this is not a zip archive at all" * 20)
    w = harness.open_window()
    harness.add_folder_and_wait(w, corpus)
    qtbot.waitUntil(lambda: len(w.failed) == 2, timeout=10_000)
    assert w.failed_button.isVisible() and w.failed_button.text() == "2 not indexed"
    w.show_failed()
    dlg = w.dialogs.failed
    qtbot.waitUntil(lambda: dlg.tree.topLevelItemCount() == 2)
    reasons = dlg.reasons()
    assert set(map(os.path.basename, reasons)) == {"broken.pdf", "report.docx"}
    assert all(r.strip() for r in reasons.values()), reasons
    assert "zip" in reasons[str(corpus / "report.docx")].lower()
    # retrying a file that is still broken fails again, with its reason
    failures = []
    w.controller.noticed.connect(lambda n: failures.append(n.path))
    dlg.retry_all_button.click()
    qtbot.waitUntil(lambda: set(failures) >= set(reasons), timeout=30_000)
    # fixed, then retried: it leaves the list
    (corpus / "report.docx").unlink()
    from docx import Document

    doc = Document()
    doc.add_paragraph("Fixed report about the harbour renovation.")
    doc.save(corpus / "report.docx")
    dlg.tree.topLevelItem([i for i in range(2) if dlg.tree.topLevelItem(i).text(0) == "report.docx"][0]
                          ).setSelected(True)
    dlg.retry_button.click()
    qtbot.waitUntil(lambda: len(w.failed) == 1, timeout=30_000)
    assert dlg.tree.topLevelItemCount() == 1


def test_markup_in_files_is_shown_as_text(harness, corpus, qtbot):
    w = harness.open_window()
    harness.add_folder_and_wait(w, corpus)
    hits = harness.search(w, "committee budget review meeting")
    hit = hits[0]
    assert os.path.basename(hit.path) == "notes.txt"
    html = snippet_html(hit.snippet, hit.highlights, mark_style="font-weight:600")
    assert "<img" not in html and "<script" not in html and "&lt;img" in html
    doc = QTextDocument()
    doc.setHtml(html)
    assert "<img src=x onerror=alert(1)>" in doc.toPlainText()
    assert "<script>alert('owned')</script>" in doc.toPlainText()
    qtbot.waitUntil(lambda: w.preview.doc is not None)
    assert "<script>alert('owned')</script>" in w.preview.text.toPlainText()
    assert not w.grab().isNull()    # the delegate paints it


def test_words_answer_while_the_model_loads_then_meaning(harness, corpus, embedder, qtbot):
    w = harness.open_window()
    harness.add_folder_and_wait(w, corpus)
    harness.close_window(w)
    gated = GatedEmbedder(embedder)
    w = harness.open_window(embedder=gated, wait_model=False)
    assert w.controller.model_state == "loading"
    assert w.model_label.isVisible() and "Loading" in w.model_label.text()
    # the persisted index answers by words at once
    hits = harness.search(w, "sourdough")
    assert names(hits) == ["bread.txt"] and not w.results_model.dense
    assert "matched by words" in w.count_label.text()
    # a query with no word in common finds nothing yet, and says so
    hits = harness.search(w, "pets napping")
    assert hits == []
    assert w.results_stack.currentWidget() is w.empty_state
    assert w.empty_state.title.text() == "No results for “pets napping”"
    # once the model is ready the same query is answered by meaning
    gated.gate.set()
    qtbot.waitUntil(lambda: w.controller.model_ready, timeout=30_000)
    qtbot.waitUntil(lambda: names(w.results_model.hits)[:1] == ["cats.txt"], timeout=15_000)
    assert w.results_model.dense
    # the label no longer says it is loading: it says what the search understands, and why
    qtbot.waitUntil(lambda: w.model_label.text().startswith("Understands "), timeout=15_000)
    assert "Loading" not in w.model_label.text()
    # however long that sentence, it shrinks with the window and never makes it wider
    assert w.minimumSizeHint().width() < 600
    w.resize(1200, 700)   # with room to spare it is shown whole
    qtbot.waitUntil(lambda: w.model_label.width() >= w.model_label.sizeHint().width(),
                    timeout=5_000)
    assert "Model: all-MiniLM-L6-v2" in w.model_label.toolTip()   # the name, only when asked


def test_more_like_this(harness, corpus, qtbot):
    w = harness.open_window()
    harness.add_folder_and_wait(w, corpus)
    harness.search(w, "pets napping")
    qtbot.waitUntil(lambda: w.preview.hit is not None)
    assert w.preview.like_button.isEnabled()
    asked = []
    w.controller.results_ready.connect(lambda seq, request, hits, dense: asked.append(request))
    w.preview.like_button.click()
    like = SimilarTo(str(corpus / "cats.txt"))
    qtbot.waitUntil(lambda: w.results_model.request == like and bool(w.results_model.hits))
    assert asked == [like]                  # a typed request, not a query string
    assert w.results_model.query == "" and w.search_edit.text() == "pets napping"
    assert "cats.txt" not in names(w.results_model.hits)
    assert w.count_label.text() == "Files like cats.txt"
    # the preview marks no words (nothing was typed), the passage still shown
    qtbot.waitUntil(lambda: w.preview.doc is not None
                    and w.preview.doc.hit.path == w.results_model.hits[0].path)
    assert w.preview.doc.words == ()
    # a filter applies to "more like this" too: still the same file's neighbours
    w.type_combo.setCurrentIndex(w.type_combo.findData("markdown"))
    qtbot.waitUntil(lambda: isinstance(w.results_model.request, SimilarTo)
                    and w.results_model.request.filters is not None)
    assert names(w.results_model.hits) == ["taxes.md"]
    # typing leaves "more like this"
    w.type_combo.setCurrentIndex(0)
    harness.search(w, "sourdough")
    assert isinstance(w.results_model.request, TextQuery)


def test_drop_folder_and_manage_folders(harness, corpus, tmp_path, qtbot):
    w = harness.open_window()
    other = write_corpus(tmp_path / "more", {"ocean.txt": "Whales migrate across the ocean."})
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(corpus)), QUrl.fromLocalFile(str(other))])
    ev = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    w.dropEvent(ev)
    qtbot.waitUntil(lambda: len(w.roots) == 2, timeout=15_000)
    harness.wait_idle(w)
    qtbot.waitUntil(lambda: sum(r.files for r in w.roots) == len(CORPUS) + 1, timeout=15_000)
    # the folder filter lists both
    assert w.folder_combo.count() == 3
    w.folder_combo.setCurrentIndex(w.folder_combo.findData(str(other)))
    hits = harness.search(w, "sea animals")
    assert names(hits) == ["ocean.txt"]
    w.folder_combo.setCurrentIndex(0)
    # the folders dialog: counts, state, pause, remove
    w.show_folders()
    dlg = w.dialogs.folders
    qtbot.waitUntil(lambda: dlg.tree.topLevelItemCount() == 2)
    rows = {dlg.tree.topLevelItem(i).text(0): dlg.tree.topLevelItem(i) for i in range(2)}
    assert rows[str(corpus)].text(1) == str(len(CORPUS))
    assert rows[str(other)].text(2) == "Up to date, watching"
    dlg.pause_button.click()
    assert w.controller.paused and dlg.pause_button.text() == "Resume Indexing"
    qtbot.waitUntil(lambda: w.pause_button.isVisible() and w.pause_button.text() == "Resume")
    assert w.status_label.text().startswith("Indexing paused")
    dlg.pause_button.click()
    assert not w.controller.paused
    # the dialog rebuilds its rows when the indexer reports idle: find the row again
    qtbot.waitUntil(lambda: w.controller.progress.state == "idle")
    rows = {dlg.tree.topLevelItem(i).text(0): dlg.tree.topLevelItem(i) for i in range(2)}
    rows[str(other)].setSelected(True)
    dlg.remove_button.click()
    qtbot.waitUntil(lambda: len(w.roots) == 1, timeout=15_000)
    assert dlg.tree.topLevelItemCount() == 1


def test_results_follow_the_index_while_it_is_still_busy(harness, corpus, qtbot):
    """No timer: a new file's words reach the results on screen through the indexing
    service's own news (``index_version``), while it is still busy embedding."""
    w = harness.open_window()
    harness.add_folder_and_wait(w, corpus)
    c = w.controller
    hits = harness.search(w, "volcano lava eruption")
    assert "volcano.txt" not in names(hits)
    # hold the embedding of the new file, so the service stays busy until the test says
    gate = threading.Event()
    indexer = c.service.ingest
    real = indexer.embed_backlog

    def held(*a, **kw):
        gate.wait(60)
        return real(*a, **kw)

    indexer.embed_backlog = held
    try:
        (corpus / "volcano.txt").write_text("The volcano erupted at dawn and lava flowed down "
                                            "to the sea.", encoding="utf-8")
        qtbot.waitUntil(lambda: "volcano.txt" in names(w.results_model.hits), timeout=30_000)
        # the words answered while the service is still at work: it says it is embedding
        qtbot.waitUntil(lambda: c.progress.state == "embedding", timeout=10_000)
        assert c.progress.busy and not c.service.wait_idle(0)
        assert not [t for t in w.findChildren(QTimer) if t.isActive()]
    finally:
        gate.set()
        indexer.embed_backlog = real
    # once embedded, meaning puts it first
    qtbot.waitUntil(lambda: names(w.results_model.hits)[:1] == ["volcano.txt"]
                    and c.progress.state == "idle", timeout=30_000)
