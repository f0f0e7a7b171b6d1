"""`desktop-search duplicates`: a real index made by `index`, read by another process."""
from __future__ import annotations

import json

import pytest

from tests.dup_corpus import write_library
from tests.e2e.test_cli import cli

pytestmark = pytest.mark.slow  # real processes and the real model


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    root = tmp_path_factory.mktemp("dups-cli")
    files = write_library(root / "docs")
    data = root / "data"
    cli("index", str(root / "docs"), data_dir=data)
    return data, files


def test_duplicates_json_one_group_a_line(indexed):
    data, files = indexed
    p = cli("duplicates", "--json", data_dir=data)
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    assert [g["kind"] for g in lines] == ["versions", "identical"]
    lease, minutes = lines
    for g in lines:
        for m in g["members"]:
            assert {"path", "inside", "modified", "size"} <= set(m)
            assert m["inside"] == []
    assert lease["members"][0]["path"] == str(files["copy_docx"])
    assert lease["members"][0]["newest"] is True
    assert {m["path"] for m in lease["members"]} == {
        str(files[n]) for n in ("copy_docx", "copy_crlf", "v3", "v2", "v1")}
    changed = {m["path"]: m["changed"] for m in lease["members"]}
    assert changed[str(files["v1"])] == 67 and changed[str(files["copy_crlf"])] == 0
    assert [m["path"] for m in minutes["members"]] == [str(files["minutes_copy"]),
                                                       str(files["minutes"])]
    assert minutes["members"][1]["size"] == files["minutes"].stat().st_size


def test_duplicates_reads_for_people(indexed):
    data, files = indexed
    out = cli("duplicates", data_dir=data).stdout
    assert "versions: 5 documents, up to 67% of passages changed" in out
    assert "identical: 2 copies" in out
    assert "67% changed" in out and str(files["v1"]) in out
    assert "letter-1.txt" not in out and "incident-1.txt" not in out
    assert "2 groups: 1 of copies, 1 of versions" in out


def test_duplicates_of_an_empty_index(tmp_path):
    p = cli("duplicates", data_dir=tmp_path / "empty")
    assert p.stdout.strip() == "no copies or versions found"
