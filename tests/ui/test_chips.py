"""Filters read from the query as removable chips: a real window, real PDFs and notes
with set dates, the real model."""
from __future__ import annotations

import os
from datetime import datetime

import pytest
from PySide6.QtCore import Qt

from desktop_search.core.search import TextQuery
from tests.core.test_extract import make_pdf

pytestmark = pytest.mark.slow


def _dated(path, year):
    t = datetime(year, 6, 1, 12).timestamp()
    os.utime(path, (t, t))
    return path


@pytest.fixture
def dated_docs(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    _dated(make_pdf(docs / "taxes2021.pdf", ["Income tax return filed for the year."]), 2021)
    _dated(make_pdf(docs / "taxes2023.pdf", ["Income tax return, amended."]), 2023)
    (docs / "taxes.md").write_text("# Taxes\n\nNotes on the income tax return.", encoding="utf-8")
    _dated(docs / "taxes.md", 2021)
    return docs


def _answered(window, qtbot, check):
    def ok():
        r = window.results_model.request
        return isinstance(r, TextQuery) and window.controller.request == r and check(r)
    qtbot.waitUntil(ok, timeout=15_000)
    return [os.path.basename(h.path) for h in window.results_model.hits]


def test_chips_show_what_was_read_and_one_click_removes_it(harness, qtbot, dated_docs):
    w = harness.open_window()
    harness.add_folder_and_wait(w, dated_docs)
    bar = w.search_bar
    w.search_edit.setText("pdfs from 2021 about taxes")
    names = _answered(w, qtbot, lambda r: r.text == "taxes" and r.filters.kinds == ["pdf"])
    assert names == ["taxes2021.pdf"]
    assert [b.text() for b in bar.chips.buttons] == ["PDFs ✕", "2021 ✕"]
    assert bar.chips.isVisible()
    assert bar.type_combo.currentData() == "pdf"              # the box shows it too
    assert bar.date_combo.currentText() == "2021"

    qtbot.mouseClick(bar.chips.buttons[0], Qt.MouseButton.LeftButton)    # remove "PDFs"
    names = _answered(w, qtbot, lambda r: r.filters is not None and not r.filters.kinds)
    assert "taxes.md" in names and "taxes2023.pdf" not in names            # still 2021
    assert w.results_model.request.text == "pdfs about taxes"             # its words are back
    assert [b.text() for b in bar.chips.buttons] == ["2021 ✕"]
    assert bar.type_combo.currentIndex() == 0

    qtbot.mouseClick(bar.chips.buttons[0], Qt.MouseButton.LeftButton)    # remove "2021"
    _answered(w, qtbot, lambda r: r.filters is None)
    assert not bar.chips.isVisible() and bar.date_combo.currentIndex() == 0


def test_understanding_off_searches_every_word(harness, qtbot, dated_docs):
    w = harness.open_window()
    harness.add_folder_and_wait(w, dated_docs)
    w.search_bar.set_understanding(False)
    w.search_edit.setText("pdfs from 2021 about taxes")
    _answered(w, qtbot, lambda r: r.text == "pdfs from 2021 about taxes" and r.filters is None)
    assert not w.search_bar.chips.buttons


def test_filters_that_match_nothing_say_so(harness, qtbot, dated_docs):
    w = harness.open_window()
    harness.add_folder_and_wait(w, dated_docs)
    w.search_edit.setText("slides from 2021")
    _answered(w, qtbot, lambda r: r.text == "" and r.filters.kinds == ["pptx"])
    qtbot.waitUntil(lambda: "No presentations from 2021" in w.results.empty_state.title.text(),
                    timeout=5_000)
