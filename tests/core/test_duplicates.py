"""Copies and versions, found in a real index of real files (txt, a Word file, CRLF text)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_search.core.engine import Engine
from desktop_search.core.search import duplicates as D
from desktop_search.core.search import neighbours
from tests.dup_corpus import write_library

LEASE = ["copy_docx", "copy_crlf", "v3", "v2", "v1"]
NOT_GROUPED = [f"letter{i}" for i in range(6)] + [f"form{i}" for i in range(5)]


def _index(root: Path, embedder) -> tuple[Engine, dict[str, Path]]:
    files = write_library(root / "docs")
    eng = Engine(root / "data", embedder=embedder)
    eng.add_root(root / "docs")
    eng.index_service().run_until_idle()
    for name, p in files.items():
        row = eng.library.get_file(str(p))
        assert row is not None and row.state == "indexed", (name, row)
    return eng, files


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    from tests.conftest import HashEmbedder

    eng, files = _index(tmp_path_factory.mktemp("dups"), HashEmbedder())
    yield eng, files
    eng.close()


def _names(group: D.DuplicateGroup, files: dict[str, Path]) -> list[str]:
    by_path = {str(p): name for name, p in files.items()}
    return [by_path[m.path] for m in group.members]


def _check_groups(groups: list[D.DuplicateGroup], files: dict[str, Path]) -> None:
    assert len(groups) == 2, [_names(g, files) for g in groups]
    lease, minutes = groups
    assert lease.kind == "versions"
    names = _names(lease, files)
    assert names[0] == "copy_docx" and lease.newest.newest      # the newest first
    assert sorted(names) == sorted(LEASE)
    changed = dict(zip(names, (m.changed for m in lease.members)))
    # the copies have the newest's text; the draft changed one passage of three, the
    # first lease two (the rent, then the pets clause)
    assert changed == {"copy_docx": 0, "copy_crlf": 0, "v3": 0, "v2": 33, "v1": 67}
    assert lease.describe() == "up to 67% of passages changed"
    assert minutes.kind == "identical" and minutes.describe() == "identical"
    assert _names(minutes, files) == ["minutes_copy", "minutes"]
    assert [m.changed for m in minutes.members] == [0, 0]
    grouped = {n for g in groups for n in _names(g, files)}
    assert not grouped & set(NOT_GROUPED)


def test_copies_and_versions_are_grouped_and_templates_are_not(library):
    eng, files = library
    _check_groups(eng.duplicates(), files)


def test_the_letters_share_most_passages_yet_are_not_versions(library):
    """The template's three sections are passages of their own, the same in every letter:
    3 of each letter's 4 passages match. Only the bodies are the letters' own, and they
    match nothing, so the common passages are no evidence."""
    eng, files = library
    lib = eng.library
    texts = [[c.text for c in lib.chunks_of_file(lib.get_file(str(files[f"letter{i}"])).id)]
             for i in range(6)]
    assert all(len(t) == 4 for t in texts)
    assert all(t[1:] == texts[0][1:] for t in texts)              # the shared terms
    assert len({t[0] for t in texts}) == 6                         # six different bodies
    assert D.COVER <= 3 / 4             # by share alone they would be versions ...
    letters = {f"letter{i}" for i in range(6)}
    grouped = {n for g in eng.duplicates() for n in _names(g, files)}
    assert not grouped & letters        # ... yet no letter is grouped with another


def test_hashed_neighbours_find_the_same_groups(library, monkeypatch):
    """Past EXACT_DOCS documents the close ones are found by hashing: same answer here."""
    eng, files = library
    monkeypatch.setattr(neighbours, "EXACT_DOCS", 0)
    _check_groups(eng.duplicates(), files)


def test_json_names_path_inside_modified_size(library):
    eng, files = library
    lease = eng.duplicates()[0]
    line = json.loads(json.dumps(lease.to_json()))
    assert line["kind"] == "versions" and line["changed"] == 67
    first = line["members"][0]
    assert set(first) >= {"path", "inside", "modified", "size", "newest", "changed"}
    assert first["path"] == str(files["copy_docx"]) and first["inside"] == []
    assert first["size"] == files["copy_docx"].stat().st_size
    assert first["modified"] == pytest.approx(files["copy_docx"].stat().st_mtime)


def test_a_deleted_copy_leaves_its_group(tmp_path, hash_embedder):
    eng, files = _index(tmp_path, hash_embedder)
    try:
        eng.library.delete_paths([str(files["minutes_copy"])])
        groups = eng.duplicates()
        assert len(groups) == 1 and groups[0].kind == "versions"
    finally:
        eng.close()


def test_copies_are_found_before_any_vector(tmp_path):
    """Passages the model has not read yet still match word for word."""
    from desktop_search.core.store import Library, NewChunk

    (tmp_path / "data").mkdir()
    lib = Library(tmp_path / "data")
    try:
        text = "The quarterly figures were approved by the board on Monday."
        for i, name in enumerate(["a.txt", "b.txt"]):
            lib.put_file(path=str(tmp_path / name), root_id=None, size=60, mtime_ns=i,
                         digest=name, kind="text", title=None, heading="",
                         chunks=[NewChunk(0, len(text), None, 1, text)])
        groups = D.find_duplicates(passages=lib.passage_rows)
        assert [g.kind for g in groups] == ["identical"]
        assert [Path(m.path).name for m in groups[0].members] == ["b.txt", "a.txt"]
    finally:
        lib.close()


def test_an_empty_index_has_no_groups(tmp_path):
    from desktop_search.core.store import Library

    (tmp_path / "data").mkdir()
    lib = Library(tmp_path / "data")
    try:
        assert D.find_duplicates(passages=lib.passage_rows) == []
    finally:
        lib.close()


@pytest.mark.slow
def test_the_real_model_groups_the_same(tmp_path, model):
    """With the packaged model's vectors: the changed passages are found by meaning and
    words, the letters and forms stay apart."""
    eng, files = _index(tmp_path, model)
    try:
        _check_groups(eng.duplicates(), files)
    finally:
        eng.close()


def test_copies_by_path_names_the_other_copies(library):
    eng, files = library
    copies = D.copies_by_path(eng.duplicates())
    assert {Path(p).name for p in copies} == {
        "signed lease.docx", "Lease (Okafor).txt", "lease 2024 signed.txt",
        "minutes (1).txt", "minutes-february.txt"}
    assert [m.path for m in copies[str(files["copy_crlf"])]] == [str(files["copy_docx"]),
                                                                  str(files["v3"])]
    assert [m.path for m in copies[str(files["minutes"])]] == [str(files["minutes_copy"])]
    assert str(files["v2"]) not in copies        # a version is not a copy


def test_a_stop_asked_for_ends_the_work_with_no_groups(library):
    eng, _ = library
    assert eng.duplicates(stop=lambda: True) == []


def test_a_copy_inside_an_archive_is_named_by_its_place_inside(tmp_path):
    """A note and its copy kept in a zip backup: one group, the member named by `inside`;
    two different members of one archive are never folded together by their shared path."""
    import zipfile

    from tests.conftest import HashEmbedder

    docs = tmp_path / "docs"
    docs.mkdir()
    note = ("The boiler service is booked for the second Tuesday of October; the engineer "
            "needs access to the loft and the meter cupboard.\n\n"
            "Keep the receipt with the warranty papers in the blue folder.")
    other = ("Tomatoes go out after the last frost, forty centimetres apart, with a cane "
             "each; pinch out the side shoots every week.")
    (docs / "boiler.txt").write_text(note, encoding="utf-8")
    with zipfile.ZipFile(docs / "backup.zip", "w") as z:
        z.writestr("house/boiler.txt", note)
        z.writestr("garden/tomatoes.txt", other)
    eng = Engine(tmp_path / "data", embedder=HashEmbedder())
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    groups = eng.duplicates()
    assert len(groups) == 1 and groups[0].kind == "identical"
    members = sorted((m.path, tuple(m.inside)) for m in groups[0].members)
    assert members == [(str(docs / "backup.zip"), ("house/boiler.txt",)),
                       (str(docs / "boiler.txt"), ())]
    copies = D.copies_by_path(groups)
    assert [m.inside for m in copies[D.doc_key(str(docs / "boiler.txt"))]] == [["house/boiler.txt"]]
    eng.close()
