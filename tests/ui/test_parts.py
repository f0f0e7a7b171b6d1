"""The window's parts on their own: escaping, status wording, the Qt guard (the preview's
text is tested without Qt in tests/core/test_preview.py)."""
from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QTextDocument

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
    import desktop_search.ui  # noqa: F401 - applies the guard

    before = sys.getrefcount(None)
    idx = QModelIndex()
    for _ in range(20_000):
        idx.data()
    assert sys.getrefcount(None) > 20_000 or before - sys.getrefcount(None) < 100
