"""The window's parts on their own: escaping, preview text, status wording, the Qt guard."""
from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QTextDocument

from desktop_search.core.catalog import NewChunk
from desktop_search.core.engine import Engine
from desktop_search.core.indexing import Snapshot, State
from desktop_search.core.search import Hit
from desktop_search.ui.controller import build_preview
from desktop_search.ui.results import snippet_html, type_icon
from desktop_search.ui.window import human_duration, progress_text


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


def test_preview_joins_overlapping_chunks_and_marks_the_passage(tmp_path):
    text = "First paragraph about ships.\n\nSecond paragraph about harbours and cranes. " \
           "Third sentence here."
    # overlapping chunks, exact spans of the text, as the chunker makes them
    spans = [(0, 28), (30, 73), (60, len(text))]
    eng = Engine(tmp_path / "data", embedder=object())
    try:
        root = tmp_path / "docs"
        root.mkdir()
        rid = eng.catalog.add_root(str(root))
        fid, _ = eng.catalog.put_file(
            path=str(root / "f.txt"), root_id=rid, size=len(text), mtime_ns=0, digest="x",
            kind="text", title=None, heading="f", chunks=[NewChunk(a, b, None, 1, text[a:b])
                                                         for a, b in spans])
        chunks = eng.catalog.chunks_of_file(fid)
        hit = Hit(path=str(root / "f.txt"), score=1.0, snippet="", highlights=[], page=None,
                  line=3, kind="text", title=None, modified=0.0, size=len(text), file_id=fid,
                  chunk_id=chunks[1].id, passage_start=30, passage_end=73)
        doc = build_preview(eng, hit, "harbour cranes")
        assert doc.text == text
        a, b = doc.passage
        assert doc.text[a:b] == text[30:73]
        assert [doc.text[s:e] for s, e in doc.words] == ["harbours", "cranes"]
    finally:
        eng.close()


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
