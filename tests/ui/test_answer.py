"""The sentence that answers, in the real window: it comes after the list, bold in the
hit's snippet, marked in the preview, which scrolls to it."""
from __future__ import annotations

import os

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QFont, QTextCursor

from desktop_search.core.search import TextQuery
from desktop_search.ui.results import ResultDelegate
from tests.core.test_answer import ANSWER, OCTOPUS, OTHERS, QUERY


def _docs(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    # the answer far down a long file: the preview must scroll to it
    filler = "\n\n".join(f"Note {i}: the aquarium's ledger lists tanks, pumps and the cost of "
                         f"repairs for the year." for i in range(60))
    (docs / "octopus.md").write_text(filler + "\n\n" + OCTOPUS, encoding="utf-8")
    for name, text in OTHERS.items():
        (docs / name).write_text(text, encoding="utf-8")
    return docs


def _bold_at(doc, pos: int) -> bool:
    cur = QTextCursor(doc)
    cur.setPosition(pos + 1)          # the format of the character before the cursor
    return cur.charFormat().fontWeight() >= QFont.Weight.Bold


def test_the_answer_comes_after_the_list_bold_and_scrolled_to(harness, tmp_path, qtbot):
    w = harness.open_window()
    harness.add_folder_and_wait(w, _docs(tmp_path))
    first_paint: dict[str, object] = {}

    def painted(gen: int) -> None:
        # what the first paint of this question's list showed in its top row
        m = w.results_model
        if m.query == QUERY and m.hits and "answer" not in first_paint:
            first_paint["answer"] = m.hits[0].answer

    w.results_view.painted.connect(painted)
    w.search_edit.setText(QUERY)
    qtbot.waitUntil(lambda: w.results_model.query == QUERY)
    hit = w.results_model.hits[0]
    assert os.path.basename(hit.path) == "octopus.md" and hit.answer is None
    qtbot.waitUntil(lambda: w.results_model.hits[0].answer is not None, timeout=30_000)
    # the list was painted first, without the answer; the answer came after, into its row
    assert "answer" in first_paint and first_paint["answer"] is None
    hit = w.results_model.hits[0]
    a = hit.answer
    assert ANSWER in a.text
    # bold in the row's snippet: the answer's characters, and not the ones before it
    doc, _ = ResultDelegate.layout_snippet(hit, QFont(w.results_view.font()), QRect(0, 0, 600, 200),
                                           QColor("yellow"))
    plain = doc.toPlainText()
    at = plain.index(" ".join(ANSWER.split()))
    assert _bold_at(doc, at) and _bold_at(doc, at + len(ANSWER) - 1)
    assert a.snippet_start > 0 and not _bold_at(doc, a.snippet_start - 2)
    # the preview marks it and scrolls to it, far down the file
    qtbot.waitUntil(lambda: w.preview.doc is not None and w.preview.doc.answer is not None,
                    timeout=10_000)
    s, e = w.preview.doc.answer
    assert w.preview.doc.text[s:e] == a.text
    sels = w.preview.text.extraSelections()
    assert any(sel.cursor.selectedText() == a.text.replace("\n", "\u2029") for sel in sels)
    shown = w.preview.text.document()
    at = shown.toPlainText().index(a.text)
    assert _bold_at(shown, at) and _bold_at(shown, at + len(a.text) - 1)
    assert not _bold_at(shown, at - 2)
    qtbot.waitUntil(w.preview.answer_visible)
    assert w.preview.text.verticalScrollBar().value() > 0


def test_typing_on_puts_the_answers_off(harness, tmp_path, qtbot):
    w = harness.open_window()
    harness.add_folder_and_wait(w, _docs(tmp_path))
    c = w.controller
    # questions asked back to back: the answers wait for the pause, and only the last
    # question gets them
    for text in ("sourdough oven", "bees in winter", QUERY):
        c.search(TextQuery(text))
        qtbot.waitUntil(lambda text=text: w.results_model.query == text)
    qtbot.waitUntil(lambda: w.results_model.hits[0].answer is not None, timeout=30_000)
    qtbot.waitUntil(lambda: not c.answers.in_flight, timeout=30_000)
    assert ANSWER in w.results_model.hits[0].answer.text
    assert c.answers.sent == 1
