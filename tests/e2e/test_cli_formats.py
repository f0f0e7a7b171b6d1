"""The new formats end to end: a folder with one file of each (.xlsx, .ods, .xls, .rtf,
.doc, .ppt, .odp, .msg, .7z) and a few others, indexed by the CLI in a real process with
the real packaged model; a question about each file's content finds it first."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.core.ole_writer import make_doc, make_msg, make_ppt
from tests.core.test_formats_new import make_7z, make_odp, make_ods, make_xlsx, xls_bytes
from tests.e2e.test_cli import cli

pytestmark = pytest.mark.slow  # real processes and the real model

RTF = (rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}}\f0\fs24 "
       rb"Dear Aunt Rose,\par the little caf\'e9 by the harbour serves the best fish soup "
       rb"in town; the fishermen bring their catch straight from the boats.\par}")

#: question -> (file name, the document inside it, or None)
QUESTIONS = {
    "how much did the wedding photographer and the flowers cost": ("wedding.xlsx", None),
    "apple orchard yield per tree": ("orchard.ods", None),
    "household bills for heating oil and rent": ("bills 2003.xls", None),
    "seafood restaurant near the port": ("letter.rtf", None),
    "beekeeping club meeting notes about the hives": ("minutes.doc", None),
    "birds that fly from one pole to the other": ("terns.ppt", None),
    "volcanic eruption that grounded flights": ("iceland.odp", None),
    "lanterns and a tent for the garden party": ("party.msg", None),
    "roast lamb recipe with herbs": ("backup.7z", "recipes/lamb.txt"),
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    root = tmp_path_factory.mktemp("formats")
    docs = root / "docs"
    docs.mkdir()
    make_xlsx(docs / "wedding.xlsx", {"Reception": [
        ["Wedding reception costs", None],
        ["Photographer (full day)", 1800], ["Flowers and bouquets", 650],
        ["Venue hire", 3200], ["Catering for 90 guests", 5400]]})
    make_ods(docs / "orchard.ods", {"Autumn": [
        ["Apple orchard harvest", ""], ["Tree", "Kilos of apples"],
        ["Bramley row 1", 140], ["Cox row 2", 95]]})
    (docs / "bills 2003.xls").write_bytes(xls_bytes({"Household": [
        ["Household bills", ""], ["Rent", 950], ["Heating oil delivery", 412.75],
        ["Paid on", dt.date(2003, 2, 1)]]}))
    (docs / "letter.rtf").write_bytes(RTF)
    (docs / "minutes.doc").write_bytes(make_doc([
        "Minutes of the beekeepers' society, March meeting",
        "All twelve hives wintered well; the queen in hive four is to be replaced.",
        "Honey extraction is planned for July."]))
    (docs / "terns.ppt").write_bytes(make_ppt([
        "The arctic tern's migration",
        "Each year these seabirds fly from the Arctic to the Antarctic and back."]))
    make_odp(docs / "iceland.odp", [["Volcanoes of Iceland"],
                                    ["The 2010 eruption's ash cloud closed European airspace "
                                     "and airlines cancelled thousands of flights."]])
    (docs / "party.msg").write_bytes(make_msg(
        subject="Garden party budget", sender="Alice", address="alice@example.org",
        to="Bob", body="For the garden party we need forty paper lanterns and a big tent "
                       "in case it rains.", filetime=132_000_000_000_000_000))
    make_7z(docs / "backup.7z", {
        "recipes/lamb.txt": "Slow-roasted leg of lamb with rosemary, thyme and garlic.",
        "recipes/bread.txt": "Sourdough bread needs a lively starter and a long proof."})
    (docs / "car.txt").write_text("Change the engine oil and the filter every ten thousand "
                                  "kilometres.")
    (docs / "python.md").write_text("# Lists\n\nA Python list comprehension builds a list "
                                    "from an iterable in one expression.")
    data = root / "data"
    cli("index", str(docs), data_dir=data)
    return data, docs


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_each_new_format_is_the_top_hit_for_its_content(indexed, question):
    data, docs = indexed
    name, inside = QUESTIONS[question]
    hits = json.loads(cli("search", "--json", "-k", "3", question, data_dir=data).stdout)
    top = hits[0]
    assert top["path"] == str(docs / name), (question, [h["path"] for h in hits])
    if inside:
        assert top["inside"] == [inside]


def test_status_lists_no_failure_for_the_new_formats(indexed):
    data, docs = indexed
    out = cli("status", data_dir=data).stdout
    for name in ("wedding.xlsx", "orchard.ods", "bills 2003.xls", "letter.rtf", "minutes.doc",
                 "terns.ppt", "iceland.odp", "party.msg", "backup.7z"):
        assert name not in out, out
