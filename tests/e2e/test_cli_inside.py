"""The CLI on mail and archives, through real processes and the real model: ``search
--json`` prints ``inside`` (and ``from``, ``to``, ``date`` for a message), ``--like``
with ``--inside`` starts from a document inside a file, ``status`` lists what was refused
inside a file."""
from __future__ import annotations

import json
import mailbox
import zipfile

import pytest

from tests.core.test_mail import message
from tests.e2e.test_cli import cli

pytestmark = pytest.mark.slow  # real processes and the real model


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    root = tmp_path_factory.mktemp("inside")
    docs = root / "docs"
    docs.mkdir()
    box = mailbox.mbox(docs / "Inbox.mbox")
    box.add(message("Vet appointment", "The cat has her vaccination at the vet on Friday "
                    "morning; bring the carrier.", sender="Clinic <vet@example.org>",
                    date="Mon, 06 Jan 2020 09:00:00 +0000"))
    box.add(message("Invoice", "Payment of the quarterly accounting invoice is due."))
    box.flush()
    box.close()
    with zipfile.ZipFile(docs / "old.zip", "w") as z:
        z.writestr("pets/kitten.txt", "Kittens sleep most of the day and play at night.")
        z.writestr("../escape.txt", "x")
    (docs / "loose.txt").write_text("Iron rusts when left out in the rain.")
    data = root / "data"
    cli("index", str(docs), data_dir=data)
    return data, docs


def test_search_json_prints_inside_and_the_mail_fields(indexed):
    data, docs = indexed
    hits = json.loads(cli("search", "--json", "-k", "3", "taking my cat to the animal doctor",
                          data_dir=data).stdout)
    top = hits[0]
    assert top["path"] == str(docs / "Inbox.mbox") and top["inside"] == ["Vet appointment"]
    assert top["from"] == "Clinic <vet@example.org>" and top["to"] == "me@example.org"
    assert top["date"] == 1578301200.0 and top["kind"] == "mail"
    kitten = next(h for h in hits if h["path"].endswith("old.zip"))
    assert kitten["inside"] == ["pets/kitten.txt"] and "from" not in kitten
    plain = json.loads(cli("search", "--json", "-k", "5", "rust rain iron",
                           data_dir=data).stdout)
    assert next(h for h in plain if h["path"].endswith("loose.txt"))["inside"] == []
    only_mail = json.loads(cli("search", "--json", "--type", "mail", "cat", data_dir=data).stdout)
    assert {tuple(h["inside"]) for h in only_mail} <= {("Vet appointment",), ("Invoice",)}


def test_like_starts_from_a_document_inside_a_file(indexed):
    data, docs = indexed
    hits = json.loads(cli("search", "--json", "--like", str(docs / "old.zip"), "--inside",
                          "pets/kitten.txt", data_dir=data).stdout)
    assert hits[0]["inside"] == ["Vet appointment"]          # the other cat
    assert all(h["inside"] != ["pets/kitten.txt"] for h in hits)
    p = cli("search", "--like", str(docs / "old.zip"), "--inside", "nope.txt", data_dir=data,
            check=False)
    assert p.returncode != 0 and "nope.txt is not in the index" in p.stderr


def test_status_lists_what_was_refused_inside_a_file(indexed):
    data, docs = indexed
    st = json.loads(cli("status", "--json", data_dir=data).stdout)
    assert [(f["path"], f["inside"]) for f in st["failed"]] == [
        (str(docs / "old.zip"), ["../escape.txt"])]
    assert st["files"] == 3
    text = cli("status", data_dir=data).stdout
    assert f"{docs / 'old.zip'} › ../escape.txt: a member name with '..'" in text
