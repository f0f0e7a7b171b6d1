"""A message found as the top hit gets its answering sentence; its header lines never do.
Real .eml files, the real model."""
from __future__ import annotations

import pytest

from desktop_search.core.search.answer import candidates
from desktop_search.core.search.answer_features import Wants, sentence_features, wants
from desktop_search.core.search.question import ask
from tests.conftest import indexed_engine

BODY = ("Your library books are overdue: please return 'The Silent Orchard' to the central "
        "library by Friday.")
EML = ("From: Central Library <loans@library.example>\n"
       "To: reader@example.org, a.second.reader@example.org, the.third.reader@example.org\n"
       "Subject: Overdue books\nDate: Mon, 01 Dec 2025 10:00:00 +0000\n"
       "Content-Type: text/plain; charset=utf-8\n\n" + BODY + "\n")
QUERY = "which book must I return to the library"


@pytest.fixture
def mailbox(tmp_path, data_dir, model):
    yield from indexed_engine(data_dir, model, tmp_path / "docs", {
        "overdue.eml": EML,
        "bread.txt": "Knead the dough, let it rise overnight, bake it hot."})


def test_a_message_as_top_hit_gets_its_answer_not_a_header(mailbox):
    eng, docs = mailbox
    hits = eng.search(QUERY, k=2)
    assert hits[0].path == str(docs / "overdue.eml") and hits[0].is_mail
    a = eng.answers(hits, QUERY)[0].answer
    assert a is not None and "The Silent Orchard" in a.text
    assert "example.org" not in a.text and "Subject" not in a.text


def test_header_lines_are_never_candidates_in_a_message():
    text = ("Subject: Overdue books\nFrom: Library <l@x.org>\nTo: " + "reader@example.org, " * 5
            + "\nDate: Mon, 01 Dec 2025\n\n" + BODY)
    assert any("example.org" in c.text for c in candidates(text))     # as any text: it would be
    assert [c.text for c in candidates(text, mail=True)] == [BODY]


@pytest.mark.parametrize("question, kind", [
    ("when was the bridge opened", Wants.DATE), ("quando abriu a ponte", Wants.DATE),
    ("em que ano abriu", Wants.DATE), ("wann wurde sie gebaut", Wants.DATE),
    ("how many people live there", Wants.NUMBER), ("quantos habitantes tem", Wants.NUMBER),
    ("combien d'habitants", Wants.NUMBER), ("who built it", Wants.NAME),
    ("quem construiu a ponte", Wants.NAME), ("¿quién la construyó?", Wants.NAME),
    ("what is a bridge", Wants.OTHER),
])
def test_what_a_question_asks_for(question, kind):
    assert wants(question) is kind


def test_a_sentence_holding_what_is_asked_is_marked_typed():
    text = "The bridge is long. It opened in 1966 after four years. Salazar named it."
    spans = candidates(text)
    m = ask("quando abriu a ponte", index_languages=["pt"]).matcher()
    assert [f.typed for f in sentence_features(text, spans, question="when did it open",
                                               matcher=m)] == [0.0, 1.0, 0.0]
    assert [f.typed for f in sentence_features(text, spans, question="who named it",
                                               matcher=m)] == [0.0, 0.0, 1.0]
