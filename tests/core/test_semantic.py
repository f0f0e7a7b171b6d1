"""The product's promise, on the real packaged model: meaning, not shared words."""
from __future__ import annotations

import os

import pytest

from desktop_search.core.engine import Engine
from desktop_search.core.analyze import query_terms

CORPUS = {
    "felines.txt": "Cats spend most of the afternoon dozing in a warm patch of sunlight "
                   "on the windowsill, waking only when dinner is served.",
    "quarterly.md": "# Q3 report\n\nRevenue rose twelve percent while operating expenses "
                    "declined, lifting the operating margin.",
    "garden.txt": "Tomatoes need staking and regular watering; prune the suckers for larger fruit.",
    "engine.txt": "The turbocharger forces extra air into the cylinders so the motor produces "
                  "more power from the same displacement.",
    "flu.txt": "Influenza spreads through droplets; annual vaccination reduces the risk of "
               "severe illness in older adults.",
}

# query -> the file that answers it, sharing no content word with it
NO_SHARED_WORDS = {
    "pets napping": "felines.txt",
    "company earnings went up": "quarterly.md",
    "car performance boost": "engine.txt",
    "getting a shot against the virus": "flu.txt",
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, model):
    root = tmp_path_factory.mktemp("sem")
    docs = root / "docs"
    docs.mkdir()
    for name, text in CORPUS.items():
        (docs / name).write_text(text, encoding="utf-8")
    eng = Engine(root / "data", embedder=model)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    yield eng, docs
    eng.close()


@pytest.mark.parametrize("query,expected", sorted(NO_SHARED_WORDS.items()))
def test_right_file_first_without_shared_words(indexed, query, expected):
    eng, docs = indexed
    text = CORPUS[expected].lower()
    assert not any(t in text.split() for t in query_terms(query)), "the query must share no word"
    hits = eng.search(query, k=3)
    assert os.path.basename(hits[0].path) == expected
    assert hits[0].score > hits[1].score


def test_hit_carries_snippet_highlights_and_line(indexed):
    eng, docs = indexed
    hit = eng.search("tomatoes watering", k=1)[0]
    assert hit.path == str(docs / "garden.txt")
    assert hit.line == 1 and hit.page is None
    words = {hit.snippet[a:b].lower() for a, b in hit.highlights}
    assert {"tomatoes", "watering"} <= words


def test_vectors_are_normalized_and_dense_scores_are_cosines(indexed, model):
    import numpy as np

    v = model.embed_documents(["hello world", "a longer sentence about something else"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    eng, _ = indexed
    hit = eng.search("pets napping", k=1)[0]
    assert 0.0 < hit.dense <= 1.0
