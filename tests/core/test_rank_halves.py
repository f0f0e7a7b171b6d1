"""A query's two halves: the model's (the query vector, the nearest passages) runs on a
thread beside the word search, and only the passages shown are read whole.

A fake embedder is enough here: this is about how ``rank`` reads, not about meaning
(tests/core/test_semantic.py proves the ranking with the real model).
"""
from __future__ import annotations

import threading

import numpy as np

import pytest

from desktop_search.core.engine import Engine
from desktop_search.core.search import Filters
from desktop_search.core.search.rank import rank
from desktop_search.core.store.catalog import Catalog
from tests.conftest import HashEmbedder

TOPICS = {
    "boiler.txt": "The boiler service is booked for Tuesday; the engineer needs the loft key.",
    "tomatoes.md": "Tomatoes go out after the last frost, forty centimetres apart, one cane each.",
    "budget.txt": "The household budget for next year: rent, heating, the car and the holidays.",
    "bread.md": "A sourdough loaf wants a lively starter, a long cold proof and a very hot oven.",
    "bikes.txt": "Both bikes need new chains and brake pads before the spring rides start.",
}
QUERIES = ["heating engineer visit", "planting tomatoes after frost", "money for next year",
           "baking bread at home", "bicycle repairs", "loft"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    root = tmp_path_factory.mktemp("rank-halves")
    docs = root / "docs"
    docs.mkdir()
    for i in range(3):                    # three of each: more candidates than results
        for name, text in TOPICS.items():
            (docs / f"{i}-{name}").write_text(f"{text}\n\nCopy {i} of my notes.", encoding="utf-8")
    eng = Engine(root / "data", embedder=HashEmbedder())
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    yield eng
    eng.close()


def _ranked(engine: Engine, query: str, **kw) -> list[tuple[str, float, str]]:
    emb, vecs = engine.models.pair()
    hits = rank(library=engine.library, query=query, vectors=vecs, k=4, model_id=emb.model_id, **kw)
    return [(h.path, h.score, h.snippet) for h in hits]


@pytest.mark.parametrize("query", QUERIES)
def test_the_vector_made_beside_ranks_as_the_vector_given(engine, query):
    emb = engine.models.embedder()
    given = _ranked(engine, query, query_vec=emb.embed_query(query))
    beside = _ranked(engine, query, query_vec=None, embed=lambda: emb.embed_query(query))
    assert given and beside == given


def test_filters_apply_to_the_candidates_of_both_halves(engine):
    emb = engine.models.embedder()
    assert sorted(engine.kinds()) == ["markdown", "text"]
    only_md = Filters(kinds=["markdown"])
    hits = _ranked(engine, "tomatoes bread budget", query_vec=None, filters=only_md,
                   embed=lambda: emb.embed_query("tomatoes bread budget"))
    assert hits and all(path.endswith(".md") for path, _, _ in hits)


def test_the_dense_half_runs_on_its_own_thread_and_its_errors_reach_the_caller(engine):
    emb = engine.models.embedder()
    seen: list[str] = []

    def embed():
        seen.append(threading.current_thread().name)
        return emb.embed_query("bicycle repairs")

    assert _ranked(engine, "bicycle repairs", query_vec=None, embed=embed)
    assert seen and seen[0].startswith("desktop-search-dense") and seen[0] != threading.current_thread().name

    def broken():
        raise RuntimeError("the model went away")

    with pytest.raises(RuntimeError, match="went away"):
        _ranked(engine, "bicycle repairs", query_vec=None, embed=broken)


def test_only_the_passages_shown_are_read_whole(engine, monkeypatch):
    """Pooling hundreds of candidates reads two numbers a row; whole rows (text, path,
    title) only for the k shown: the keystroke's catalog work is O(k), not O(candidates)."""
    whole: list[int] = []
    light: list[int] = []
    chunks, chunk_files = Catalog.chunks, Catalog.chunk_files

    def spy_chunks(self, ids, *, text=True):
        ids = list(ids)
        whole.append(len(ids))
        return chunks(self, ids, text=text)

    def spy_files(self, ids):
        ids = list(ids)
        light.append(len(ids))
        return chunk_files(self, ids)

    monkeypatch.setattr(Catalog, "chunks", spy_chunks)
    monkeypatch.setattr(Catalog, "chunk_files", spy_files)
    emb = engine.models.embedder()
    hits = _ranked(engine, "the notes", query_vec=None, embed=lambda: emb.embed_query("the notes"))
    assert len(hits) == 4
    assert whole == [4]                   # one read, of the four shown
    assert sum(light) > 4                 # the candidates: more than shown, read light


def test_an_int8_base_gives_the_cosines_of_the_stored_vectors(engine):
    """The passages' graph holds int8 vectors (cosines off by ~0.003); what rank scores
    with is the cosine to the catalog's own vectors, exactly."""
    emb, vecs = engine.models.pair()
    assert vecs.approximate, "the passages' base is int8"
    query = "bicycle repairs and the heating engineer"
    qv = emb.embed_query(query)
    hits = rank(library=engine.library, query=query, vectors=vecs, k=6, model_id=emb.model_id,
                query_vec=qv, use_lexical=False)
    ids, stored = engine.library.vector_rows.of(h.chunk_id for h in hits)
    exact = {int(i): float(v.astype(np.float32) @ qv / np.linalg.norm(v.astype(np.float32)))
             for i, v in zip(ids, stored)}
    assert len(hits) == 6
    for h in hits:
        assert h.dense == pytest.approx(exact[h.chunk_id], abs=2e-6)
    near = dict(vecs.search(qv, 50))
    assert any(abs(near[h.chunk_id] - exact[h.chunk_id]) > 1e-4 for h in hits if h.chunk_id in near), \
        "the graph's own cosines are int8's, so this test would notice their use"
