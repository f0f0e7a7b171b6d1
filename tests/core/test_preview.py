"""The preview (a hit in its file's text) and typed search requests, without Qt."""
from __future__ import annotations

import pytest

from desktop_search.core.store.catalog import NewChunk
from desktop_search.core.engine import Engine
from desktop_search.core.search import Hit, SimilarTo, TextQuery

TEXT = ("First paragraph about ships.\n\nSecond paragraph about harbours and cranes. "
        "Third sentence here.")
# overlapping chunks, exact spans of the text, as the chunker makes them
SPANS = [(0, 28), (30, 73), (60, len(TEXT))]


@pytest.fixture
def engine(data_dir, hash_embedder):
    eng = Engine(data_dir, embedder=hash_embedder)
    yield eng
    eng.close()


def _put(engine, tmp_path, text, spans) -> list:
    root = tmp_path / "docs"
    root.mkdir(exist_ok=True)
    rid = engine.library.add_root(str(root))
    fid, _ = engine.catalog.put_file(
        path=str(root / "f.txt"), root_id=rid, size=len(text), mtime_ns=0, digest="x",
        kind="text", title=None, heading="f",
        chunks=[NewChunk(a, b, None, 1, text[a:b]) for a, b in spans])
    return engine.catalog.chunks_of_file(fid)


def _hit(chunk, path="f.txt") -> Hit:
    return Hit(path=path, score=1.0, snippet="", highlights=[], page=None, line=1, kind="text",
               title=None, modified=0.0, size=0, file_id=chunk.file_id, chunk_id=chunk.id,
               passage_start=chunk.start, passage_end=chunk.end)


def test_preview_joins_overlapping_chunks_and_marks_the_passage(engine, tmp_path):
    chunks = _put(engine, tmp_path, TEXT, SPANS)
    doc = engine.preview(_hit(chunks[1]),
                        terms=TextQuery("harbour cranes").terms)
    assert doc.text == TEXT
    a, b = doc.passage
    assert doc.text[a:b] == TEXT[30:73]
    assert [doc.text[s:e] for s, e in doc.words] == ["harbours", "cranes"]
    assert not doc.truncated_before and not doc.truncated_after
    # "more like this" typed no words: nothing to mark, the passage still shown
    doc = engine.preview(_hit(chunks[1]),
                        terms=SimilarTo("f.txt").terms)
    assert doc.words == () and doc.text[slice(*doc.passage)] == TEXT[30:73]


def test_preview_keeps_a_window_of_a_long_file(engine, tmp_path):
    paras = [f"Paragraph {i} talks about topic number {i} at some length." for i in range(200)]
    text = "\n\n".join(paras)
    spans, pos = [], 0
    for p in paras:
        spans.append((pos, pos + len(p)))
        pos += len(p) + 2
    chunks = _put(engine, tmp_path, text, spans)
    doc = engine.preview(_hit(chunks[100]), terms=["topic"],
                        limit=600)
    assert doc.truncated_before and doc.truncated_after
    assert len(doc.text) < 1000
    assert doc.text[slice(*doc.passage)] == paras[100]
    assert [doc.text[s:e] for s, e in doc.words] == ["topic"]


def test_around_cuts_at_spaces_and_keeps_offsets(engine, tmp_path):
    chunks = _put(engine, tmp_path, TEXT, SPANS)
    doc = engine.preview(_hit(chunks[1]), terms=["cranes"])
    short = doc.around(context=12)
    a, b = short.passage
    assert short.text[a:b] == TEXT[30:73]
    assert [short.text[s:e] for s, e in short.words] == ["cranes"]
    assert short.truncated_before and short.truncated_after
    assert not short.text.startswith(("aph", "ph")) and short.text.startswith("ships.")
    assert short.text.endswith("Third")
    # enough context: the whole text, nothing cut
    assert doc.around(context=1000).text == TEXT


def test_preview_of_a_file_that_left_the_index(engine, tmp_path):
    chunks = _put(engine, tmp_path, TEXT, SPANS)
    hit = _hit(chunks[0])
    engine.catalog.delete_file(str(tmp_path / "docs" / "f.txt"))
    assert engine.preview(hit, terms=[]) is None


def test_find_answers_typed_requests(engine, tmp_path):
    docs = tmp_path / "real"
    docs.mkdir()
    (docs / "cats.txt").write_text("Cats sleep most of the day.\n\nThey hunt mice at night.")
    (docs / "kittens.txt").write_text("Kittens sleep all day and hunt mice at night.")
    (docs / "budget.md").write_text("# Budget\n\nRevenue grew while costs fell.")
    engine.add_root(docs)
    engine.index_service().run_until_idle()
    hits = engine.find(TextQuery("revenue"), k=3, dense=False)
    assert [h.path for h in hits] == [str(docs / "budget.md")]
    like = engine.find(SimilarTo(str(docs / "cats.txt")), k=3)
    assert like[0].path == str(docs / "kittens.txt")
    assert all(h.path != str(docs / "cats.txt") for h in like)
    # a string is not a request: no query prefixes smuggled through
    with pytest.raises(TypeError):
        engine.find("like:" + str(docs / "cats.txt"), k=3)
