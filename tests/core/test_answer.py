"""The sentence that answers (``search/answer.py``), the sentences and snippets it rests
on, and which query words a snippet marks (not stop words)."""
from __future__ import annotations

import pytest

from desktop_search.core import analyze
from desktop_search.core.analyze import sentences, snippet_showing
from desktop_search.core.engine import Engine
from desktop_search.core.search.answer import candidates
from desktop_search.core.search.question import ask
from tests.conftest import indexed_engine

# The first sentence and the ones sharing the most words with the question ("lifespan",
# "octopus") are not the answer; the answer shares no word with the question.
OCTOPUS = (
    "# Octopuses\n\n"
    "These soft-bodied molluscs are related to snails and clams. Octopuses live in every ocean, "
    "from warm tide pools to the cold deep sea, and hide in crevices during the day.\n\n"
    "An octopus has three hearts and blue blood. Most species survive only a year or two, and "
    "the female dies soon after her eggs hatch.\n\n"
    "In aquariums they have learned to open screw-top jars and to escape through gaps barely "
    "larger than their beak.\n")
QUERY = "what is the lifespan of an octopus"
ANSWER = "Most species survive only a year or two"
# the sentences the snippet tests place (a longer text than a snippet shows)
LISBON = (
    "# Rebuilding Lisbon\n\n"
    "The earthquake of 1755 destroyed most buildings in Lisbon, and the fires that followed "
    "burned for days. Buildings in the lower town were hit the worst, because they stood on "
    "soft ground near the river.\n\n"
    "The Marquis of Pombal put military engineers in charge of the new town. Inside the walls "
    "of every new house they built a flexible wooden cage, the gaiola, which bends without "
    "breaking when the ground shakes. The streets were laid out in a straight grid, wide "
    "enough for carts.\n")
OTHERS = {
    "bread.md": "# Sourdough\n\nKnead the dough for ten minutes and let it rise overnight. Bake it in "
                "a hot oven until the crust is dark.",
    "bees.md": "# Bees\n\nA worker bee born in summer lives for about six weeks. Bees born in autumn "
               "live until spring, because they do little work over winter.",
}


def marked(text: str, question) -> list[str]:
    snippet, spans, _ = analyze.make_snippet(text, question.matcher())
    return [snippet[a:b] for a, b in spans]


# -- sentences and snippets ----------------------------------------------------------------

def test_sentences_split_at_stops_blank_lines_and_short_lines_not_abbreviations():
    text = ("Lisbon Harbour\n\nThe harbour was rebuilt in 1755. After it, e.g. the docks moved. "
            "It cost 3.5 million!\nA long wrapped line of a PDF that goes on for a good while and\n"
            "continues here in lower case. End of it.")
    got = [text[a:b] for a, b in sentences(text)]
    assert got == ["Lisbon Harbour", "The harbour was rebuilt in 1755.",
                   "After it, e.g. the docks moved.", "It cost 3.5 million!",
                   "A long wrapped line of a PDF that goes on for a good while and\n"
                   "continues here in lower case.", "End of it."]


def test_headings_are_not_candidates():
    got = [c.text for c in candidates(LISBON)]
    assert "# Rebuilding Lisbon" not in got and got[0].startswith("The earthquake of 1755")
    assert candidates("Just a heading")[0].text == "Just a heading"   # nothing else: kept


@pytest.mark.parametrize("focus", ["The Marquis of Pombal", "The streets were laid out"])
def test_snippet_showing_places_the_span_exactly(focus):
    text = LISBON.replace("\n\n", "\n\n   \n")      # runs of whitespace collapse in snippets
    a = text.index(focus)
    b = text.index(".", a) + 1
    snippet, _, offset, where = snippet_showing(text, None, (a, b))
    assert where is not None
    assert snippet[where[0]:where[1]] == " ".join(text[a:b].split())
    assert offset <= a


def test_snippet_showing_keeps_the_snippet_when_it_already_shows_the_span():
    q = ask("soft ground near the river", index_languages=["en"])
    snippet, _, offset = analyze.make_snippet(LISBON, q.matcher())
    a = LISBON.index("Buildings in the lower town")
    again, _, offset2, where = snippet_showing(LISBON, q.matcher(), (a, a + 20))
    assert (again, offset2) == (snippet, offset) and where is not None


# -- stop words are not marked ---------------------------------------------------------------

def test_english_stop_words_are_not_highlighted():
    q = ask("the history of the city", index_languages=["en"])
    assert marked("The history of the city is told in the museum of the city.", q) == \
        ["history", "city", "city"]


def test_portuguese_stop_words_are_not_highlighted():
    q = ask("a capital de Portugal e o rio", index_languages=["pt", "en"])
    text = "Lisboa é a capital de Portugal, e o rio Tejo passa pela cidade de Lisboa."
    assert marked(text, q) == ["capital", "Portugal", "rio"]


def test_a_query_of_stop_words_only_still_marks_them():
    q = ask("o que é", index_languages=["pt"])
    assert marked("O que é isto? É o que parece.", q) == ["O", "que", "é", "É", "o", "que"]


@pytest.mark.parametrize("lang,text,query,expect", [
    ("fi", "Talo on punainen ja se on vanha.", "talo on vanha", ["Talo", "vanha"]),
    ("pl", "Dom jest czerwony i stary.", "dom jest stary", ["Dom", "stary"]),
    ("sr", "Кућа је стара и црвена.", "кућа је стара", ["Кућа", "стара"]),
    ("sr", "Kuća je stara i crvena.", "kuća je stara", ["Kuća", "stara"]),
])
def test_stop_words_of_languages_bm25s_has_no_list_for(lang, text, query, expect):
    q = ask(query, index_languages=[lang])
    assert marked(text, q) == expect


def test_every_stemmed_language_knows_its_stop_words_or_counts_them():
    # a list for each language we stem, but Nepali, Tamil and Yiddish (no list anywhere):
    # there, a word in most passages of the index is not marked (Engine.question)
    missing = {l for l in analyze.STEMMERS if not analyze.unmarked(l)}
    assert missing == {"ne", "ta", "yi"}


def test_words_in_most_passages_are_not_marked(data_dir, hash_embedder, tmp_path):
    # Tamil has no stop-word list: "ஒரு" ("a") is in every file, so it is not marked
    docs = tmp_path / "tamil"
    docs.mkdir()
    for i in range(110):
        extra = " நூலகம் மிகவும் பெரியது" if i == 7 else ""
        (docs / f"{i}.txt").write_text(f"இது ஒரு சிறிய கோப்பு, இதில் எண் {i} உள்ளது.{extra}",
                                       encoding="utf-8")
    eng = Engine(data_dir, embedder=hash_embedder)
    try:
        eng.add_root(docs)
        eng.index_service().run_until_idle()
        assert "ta" in eng.library.words.index_languages()
        q = eng.question("ஒரு நூலகம்")
        assert q.common == ("ஒரு",)
        assert marked("இது ஒரு நூலகம் மிகவும் பெரியது", q) == ["நூலகம்"]
    finally:
        eng.close()


# -- the answer, with the real model -------------------------------------------------------------

@pytest.fixture
def octopus(tmp_path, data_dir, model):
    yield from indexed_engine(data_dir, model, tmp_path / "docs", {"octopus.md": OCTOPUS, **OTHERS})


def test_the_answer_is_the_sentence_that_answers_not_the_first_nor_the_wordiest(octopus):
    eng, docs = octopus
    hits = eng.search(QUERY, k=3)
    assert hits[0].path == str(docs / "octopus.md") and hits[0].answer is None
    text = eng.catalog.texts([hits[0].chunk_id])[hits[0].chunk_id]
    # the baselines pick other sentences: the first, and those sharing the most words
    cands = candidates(text)
    assert ANSWER not in cands[0].text
    words = eng.question(QUERY).matcher()
    shared = [len({k for s, _, k in words.finditer(text) if c.start <= s < c.end}) for c in cands]
    wordiest = [c.text for c, n in zip(cands, shared) if n == max(shared)]
    assert wordiest and not any(ANSWER in t for t in wordiest)

    answered = eng.answers(hits, QUERY, top=2)
    a = answered[0].answer
    assert a is not None and ANSWER in a.text
    assert text[a.start:a.end] == a.text
    snippet = answered[0].snippet
    assert snippet[a.snippet_start:a.snippet_end] == " ".join(a.text.split())
    # only the top ones are worked on
    assert answered[2].answer is None
    # asked again (typing on), the sentence vectors are reused
    before = eng.answer_finder.embedded
    eng.answers(hits, QUERY, top=2)
    assert eng.answer_finder.embedded == before


def test_a_passage_that_does_not_answer_gets_no_answer(octopus):
    eng, docs = octopus
    bread = eng.search("sourdough oven", k=1)
    assert bread[0].path == str(docs / "bread.md")
    assert eng.answers(bread, QUERY)[0].answer is None
    # the same passage answers its own question
    assert "oven" in eng.answers(bread, "how do I bake sourdough")[0].answer.text


def test_answers_stop_when_a_newer_query_comes(octopus):
    eng, _ = octopus
    hits = eng.search(QUERY, k=3)
    seen = []
    assert eng.answers(hits, QUERY, stop=lambda: True, on_answer=lambda i, h: seen.append(i)) is None
    assert seen == []


def test_the_preview_marks_the_answer(octopus):
    eng, _ = octopus
    hit = eng.answers(eng.search(QUERY, k=1), QUERY)[0]
    doc = eng.preview(hit, terms=[QUERY])
    a, b = doc.answer
    assert doc.text[a:b] == hit.answer.text
