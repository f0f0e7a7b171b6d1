"""The window's parts on their own: escaping, status wording, the Qt guard (the preview's
text is tested without Qt in tests/core/test_preview.py)."""
from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QTextDocument

from desktop_search.core.store import Root
from desktop_search.core.indexing import Snapshot, State
from desktop_search.ui.results import snippet_html, type_icon
from desktop_search.ui.status_bar import human_duration, progress_text


def test_snippet_is_escaped_and_highlighted():
    snippet = 'a <b>bold</b> & "quoted" <img src=x onerror=alert(1)> cat'
    spans = [(snippet.index("cat"), len(snippet)), (2, 5)]
    out = snippet_html(snippet, spans, mark_style="font-weight:600")
    assert "<b>" not in out and "<img" not in out
    assert out.count('<span style="font-weight:600">') == 2
    doc = QTextDocument()
    doc.setHtml(out)
    assert doc.toPlainText() == snippet


def test_snippet_ignores_bad_spans():
    assert snippet_html("abc", [(5, 9), (2, 1), (0, 1), (0, 2)], mark_style="x") == \
        '<span style="x">a</span>bc'


def test_progress_wording():
    p = Snapshot(state=State.READING, files_done=40, files_total=200, files_per_s=12.34, eta_s=95)
    assert progress_text(p, paused=False) == "Indexing 40 of 200 files · 12.3 files/s · about 2 min left"
    p = Snapshot(state=State.EMBEDDING, chunks_pending=1200, chunks_per_s=48.0, eta_s=25)
    assert progress_text(p, paused=False) == \
        "Reading passages for meaning: 1,200 to go · 48/s · about 25 s left"
    assert progress_text(Snapshot(state=State.IDLE), paused=True) == "Indexing paused"
    assert progress_text(Snapshot(state=State.IDLE), paused=False) == ""
    assert human_duration(None) == "" and human_duration(7200) == "about 2.0 h left"


def test_type_icons_are_drawn_for_any_kind(qapp):
    for path, kind in [("a.pdf", "pdf"), ("b.docx", "docx"), ("c", None), ("d.weirdext", "code")]:
        icon = type_icon(path, kind)
        assert not icon.pixmap(32, 32).isNull()


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the singletons are immortal there")
def test_none_and_true_survive_pyside_reference_leaks(qapp):
    """PySide6 6.12 drops a reference to None on every null return (and to True on every
    emit); the guard in desktop_search.ui keeps them alive however often that happens."""
    from desktop_search.ui import _qtfix  # importing desktop_search.ui applies the guard

    before = sys.getrefcount(None)
    idx = QModelIndex()
    for _ in range(20_000):
        idx.data()
    if _qtfix.applied:     # this PySide6 steals references: None got headroom they cannot use up
        assert sys.getrefcount(None) > 1 << 39
    else:                  # the probe found no leak: there is none
        assert before - sys.getrefcount(None) < 100


def test_latest_wins_keeps_one_in_flight_and_only_the_newest_waiting(qtbot):
    import threading

    from desktop_search.ui.bridge import TaskRunner
    from desktop_search.ui.controller import LatestWins

    runner = TaskRunner("test")
    engine = object()
    opened = [None]                      # the engine is not open yet
    stream = LatestWins(runner, lambda: opened[0])
    gate = threading.Event()
    ran, done = [], []

    def job(name, hold=False):
        def fn(eng):
            assert eng is engine
            if hold:
                gate.wait(10)
            ran.append(name)
            return name
        return fn

    try:
        stream.put(job("a", hold=True), done.append, done.append)
        assert stream.waiting and stream.sent == 0       # waits for the engine
        opened[0] = engine
        stream.pump()
        assert stream.in_flight and stream.sent == 1
        stream.put(job("b"), done.append, done.append)
        stream.put(job("c"), done.append, done.append)   # replaces "b"
        assert stream.sent == 1 and stream.waiting
        gate.set()
        qtbot.waitUntil(lambda: done == ["a", "c"])
        assert ran == ["a", "c"] and stream.sent == 2
        assert not stream.in_flight and not stream.waiting
    finally:
        gate.set()
        runner.shutdown()


def test_empty_state_wording():
    from desktop_search.core.search import Filters, SimilarTo, TextQuery
    from desktop_search.ui.results import EmptyAction, empty_state_text

    roots = [Root(id=1, path="/d", files=3)]
    assert empty_state_text(opening=True, roots=[], request=None, answered=False,
                            filtered=False, busy=False)[0] == "Opening your index…"
    assert empty_state_text(opening=False, roots=[], request=None, answered=False,
                            filtered=False, busy=False)[2] is EmptyAction.ADD_FOLDER
    assert empty_state_text(opening=False, roots=roots, request=None, answered=False,
                            filtered=False, busy=False)[0] == "Search 3 files by meaning"
    q = TextQuery("cats", Filters(kinds=["pdf"]))
    assert empty_state_text(opening=False, roots=roots, request=q, answered=False,
                            filtered=True, busy=False)[0] == "Searching…"
    assert empty_state_text(opening=False, roots=roots, request=q, answered=True,
                            filtered=True, busy=False) == (
        "No results for “cats”", "Clear the filters to search everything.", EmptyAction.CLEAR_FILTERS)
    title, message, _ = empty_state_text(opening=False, roots=roots, request=SimilarTo("/d/a.txt"),
                                         answered=True, filtered=False, busy=True)
    assert title == "No results for files like a.txt" and "still going" in message


def test_snippet_bolds_the_answer_across_marks_and_escapes_it():
    html = snippet_html("a <b> c d", [(0, 1), (6, 7)], mark_style="x", bold=(2, 7))
    assert html == ('<span style="x">a</span> <b>&lt;b&gt; </b><b><span style="x">c</span></b>'
                    ' d')
    # an answer outside the snippet or empty: no bold
    assert "<b>" not in snippet_html("abc", [], mark_style="x", bold=(5, 9))
