from hypothesis import given, settings, strategies as st

from desktop_search.core.indexing.chunk import chunk_text, estimate_tokens, heading_for

PROSE = ("The committee met on Tuesday. It reviewed the budget for next year! "
         "Members argued about costs? Finally they agreed to postpone the vote. ")


def test_offsets_map_back_to_source():
    text = "\n\n".join(PROSE * (i + 1) for i in range(6))
    chunks = chunk_text(text, max_tokens=60, overlap_tokens=15)
    assert len(chunks) > 3
    for c in chunks:
        assert text[c.start:c.end] == c.text
        assert c.text == c.text.strip()
        assert estimate_tokens(c.text) <= 60


def test_every_word_is_in_some_chunk_and_chunks_are_ordered():
    text = " ".join(f"word{i}." for i in range(2000))
    chunks = chunk_text(text, max_tokens=50)
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert i in covered
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)


def test_short_sentence_overlap_repeats_last_sentence():
    text = " ".join(f"Sentence number {i} is here." for i in range(40))
    chunks = chunk_text(text, max_tokens=40, overlap_tokens=10)
    assert any(chunks[i].end > chunks[i + 1].start for i in range(len(chunks) - 1))


def test_prefers_paragraph_boundaries():
    para = "Alpha beta gamma delta. " * 8
    text = "\n\n".join([para.strip()] * 5)
    chunks = chunk_text(text, max_tokens=100, overlap_tokens=0)
    for c in chunks[:-1]:
        # each chunk ends where a paragraph ends
        assert text[c.end:c.end + 2] == "\n\n"


def test_huge_word_is_hard_cut():
    text = "x" * 20000
    chunks = chunk_text(text, max_tokens=100)
    assert len(chunks) > 10
    assert "".join(c.text for c in chunks) == text


def test_empty_and_blank():
    assert chunk_text("") == []
    assert chunk_text("   \n\n  \t ") == []


def test_heading_for():
    assert heading_for("  Quarterly   report ", "x.txt") == "Quarterly report"
    assert heading_for(None, "budget_2024-q3.xlsx") == "budget 2024 q3"
    assert heading_for(None, "0042.txt") == ""
    assert heading_for(None, "3fa9c0de12.md") == ""
    assert heading_for(None, "face.md") == "face"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000),
       st.integers(min_value=8, max_value=300))
def test_chunk_properties(text, max_tokens):
    chunks = chunk_text(text, max_tokens=max_tokens, overlap_tokens=max_tokens // 4)
    prev_start = -1
    for c in chunks:
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start:c.end] == c.text
        assert c.text.strip()
        assert c.start > prev_start
        prev_start = c.start
    if text.strip():
        assert chunks
