"""`understand` and the filters read from a search's words, through real processes: real
PDFs and notes with set dates, a real index."""
from __future__ import annotations

import json
import os
from datetime import datetime

import pytest

from tests.core.test_extract import make_pdf
from tests.e2e.test_cli import cli

pytestmark = pytest.mark.slow


def _at(path, y, m, d):
    t = datetime(y, m, d, 12).timestamp()
    os.utime(path, (t, t))


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    root = tmp_path_factory.mktemp("said")
    docs = root / "docs"
    docs.mkdir()
    _at(make_pdf(docs / "taxes2021.pdf", ["Income tax return filed for the year."]), 2021, 4, 2)
    _at(make_pdf(docs / "taxes2023.pdf", ["Income tax return, amended."]), 2023, 5, 1)
    _at(make_pdf(docs / "lease2021.pdf", ["The lease of the flat on Rua Augusta."]), 2021, 9, 9)
    (docs / "taxes.md").write_text("# Taxes\n\nNotes about the income tax return.", encoding="utf-8")
    _at(docs / "taxes.md", 2021, 6, 1)
    data = root / "data"
    cli("index", str(docs), data_dir=data)
    return data, docs


def test_understand_prints_the_contract():
    p = cli("understand", "--today", "2026-03-15", "--json", "pdfs from 2021 about taxes",
            data_dir="/nonexistent-not-opened")
    assert json.loads(p.stdout) == {"query": "taxes", "filters": {
        "kinds": ["pdf"], "after": "2021-01-01", "before": "2022-01-01", "sender": None,
        "folder": None}}
    p = cli("understand", "--today", "2026-03-15", "31 de fevereiro", data_dir="/nonexistent")
    assert "not a day on the calendar" in p.stdout


def test_search_reads_the_filters_and_literal_does_not(dated):
    data, docs = dated
    p = cli("search", "--json", "--words-only", "pdfs from 2021 about taxes", data_dir=data)
    assert [h["path"] for h in json.loads(p.stdout)] == [str(docs / "taxes2021.pdf")]
    p = cli("search", "--json", "--words-only", "--literal", "pdfs from 2021 about taxes",
            data_dir=data)
    assert {str(docs / "taxes.md"), str(docs / "taxes2023.pdf")} <= {
        h["path"] for h in json.loads(p.stdout)}


def test_a_query_of_filters_alone_lists_newest_first(dated):
    data, docs = dated
    p = cli("search", "--json", "--words-only", "pdfs from 2021", data_dir=data)
    assert [h["path"] for h in json.loads(p.stdout)] == [
        str(docs / "lease2021.pdf"), str(docs / "taxes2021.pdf")]


def test_filters_that_match_nothing_say_so(dated):
    data, _ = dated
    p = cli("search", "--words-only", "--today", "2026-03-15", "pdfs from March 2026",
            data_dir=data)
    assert p.stdout.strip() == "No PDFs from March 2026 · search all types"


def test_each_queries_line_carries_what_was_understood(dated, tmp_path):
    data, _ = dated
    qf = tmp_path / "q.tsv"
    qf.write_text("a\tpdfs from 2021 about taxes\nb\tincome tax\n", encoding="utf-8")
    p = cli("search", "--queries", str(qf), "--words-only", "--json", data_dir=data)
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    assert lines[0]["understood"]["filters"]["kinds"] == ["pdf"]
    assert lines[1]["understood"] == {"query": "income tax", "filters": {
        "kinds": [], "after": None, "before": None, "sender": None, "folder": None}}
