"""The CLI contract the benchmarks and checks rely on, through real processes."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from desktop_search.config import Settings
from desktop_search.core.embed import embedder_for

pytestmark = pytest.mark.slow  # real processes and the real model

DOCS = {
    "felines.txt": "Cats spend the afternoon dozing in a warm patch of sunlight.",
    "money.md": "# Finance\n\nRevenue rose twelve percent while expenses declined.",
    "rust.txt": "Iron oxidizes when exposed to water and air over many months.",
}


def cli(*args, data_dir, check=True, timeout=300, env_extra=None):
    env = dict(os.environ, HF_HUB_OFFLINE="1", **(env_extra or {}))
    env.pop("DESKTOP_SEARCH_HOME", None)
    p = subprocess.run([sys.executable, "-m", "desktop_search", "--data-dir", str(data_dir), *args],
                       capture_output=True, text=True, timeout=timeout, env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}")
    return p


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    docs = root / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    data = root / "data"
    p = cli("index", str(docs), data_dir=data)
    return data, docs, p


def test_index_prints_one_summary_line(indexed):
    _, _, p = indexed
    lines = p.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "indexed 3 files" in lines[0] and "chunks" in lines[0]


def test_search_json_shape_and_persistence_across_processes(indexed):
    data, docs, _ = indexed
    p = cli("search", "--json", "-k", "2", "pets napping", data_dir=data)
    hits = json.loads(p.stdout)
    assert isinstance(hits, list) and len(hits) == 2
    for h in hits:
        assert {"path", "score", "snippet", "page", "line"} <= set(h)
        assert h["page"] is None
    assert hits[0]["path"] == str(docs / "felines.txt")
    assert hits[0]["score"] >= hits[1]["score"]


def test_search_queries_file(indexed, tmp_path):
    data, docs, _ = indexed
    qf = tmp_path / "q.tsv"
    qf.write_text("q1\tmetal corrosion\nq2\tcompany earnings\nprofit and loss\n", encoding="utf-8")
    p = cli("search", "--queries", str(qf), "-k", "3", "--json", data_dir=data)
    rows = [json.loads(l) for l in p.stdout.strip().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "3"]
    for r in rows:
        assert set(r) >= {"id", "query", "took_ms", "hits"}
        assert r["took_ms"] >= 0 and len(r["hits"]) == 3
    assert rows[0]["hits"][0]["path"] == str(docs / "rust.txt")
    assert rows[1]["hits"][0]["path"] == str(docs / "money.md")


def test_status_json(indexed):
    data, docs, _ = indexed
    st = json.loads(cli("status", "--json", data_dir=data).stdout)
    assert st["files"] == 3 and st["chunks"] >= 3 and st["pending"] == 0
    assert [r["path"] for r in st["roots"]] == [str(docs)]
    assert st["model"] == embedder_for(Settings()).model_id    # the default, not loaded
    assert st["failed"] == [] and st["size_bytes"] > 0
    human = cli("status", data_dir=data).stdout
    assert "files:" in human and str(docs) in human


def test_doctor_finds_and_repairs_a_damaged_vector_index(indexed, tmp_path):
    import shutil

    data, _, _ = indexed
    copy = tmp_path / "data-copy"
    shutil.copytree(data, copy)
    assert json.loads(cli("doctor", "--json", data_dir=copy).stdout)["ok"]
    # drop the sidecar and truncate the vectors: the engine rebuilds from the catalog on open
    (vectors,) = copy.glob("vectors*.usearch")     # one file, named after the model
    with open(vectors, "r+b") as f:
        f.truncate(100)
    rep = json.loads(cli("doctor", "--json", data_dir=copy).stdout)
    assert rep["ok"] and rep["vectors"] == rep["chunks_with_vectors"]


def test_index_again_is_incremental(indexed, tmp_path):
    data, docs, _ = indexed
    p = cli("index", "--json", str(docs), data_dir=data)
    s = json.loads(p.stdout)
    assert s["indexed"] == 0 and s["unchanged"] == 0 and s["chunks_embedded"] == 0


def test_remove_root(indexed, tmp_path):
    import shutil

    data, docs, _ = indexed
    copy = tmp_path / "data-copy"
    shutil.copytree(data, copy)
    cli("remove", str(docs), data_dir=copy)
    st = json.loads(cli("status", "--json", data_dir=copy).stdout)
    assert st["roots"] == [] and st["files"] == 0


@pytest.mark.parametrize("args,needle", [
    (["index", "/no/such/folder"], "no such folder"),
    (["search"], "give a query"),
    (["search", "--queries", "/no/such/file", "x"], "no such file"),
    (["remove", "/not/indexed"], "not an indexed folder"),
    (["search", "-k", "0", "x"], "-k must be positive"),
])
def test_user_mistakes_print_one_line(tmp_path, args, needle):
    p = cli(*args, data_dir=tmp_path / "d", check=False)
    assert p.returncode != 0
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and needle in err[0], p.stderr
    assert "Traceback" not in p.stderr


def test_unknown_model_is_one_clear_line(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("hello")
    p = cli("--model", "no-such-org/no-such-model", "index", str(docs), data_dir=tmp_path / "d",
            check=False)
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert "cannot load model" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_unusable_data_dir(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    p = cli("status", data_dir=f / "sub", check=False)
    assert p.returncode != 0 and "cannot use data folder" in p.stderr
    assert "Traceback" not in p.stderr


def test_vector_index_then_onnxruntime_import_does_not_crash(tmp_path):
    """onnxruntime imported after usearch.index segfaults; the engine orders them."""
    code = ("from desktop_search.core.store.vector_index import VectorIndex; "
            f"VectorIndex({str(tmp_path / 'v.usearch')!r}, ndim=8); import onnxruntime; print('ok')")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "ok" in p.stdout, p.stderr


def test_search_preview_prints_the_passage_in_context(indexed):
    data, docs, _ = indexed
    p = cli("search", "--preview", "--words-only", "-k", "1", "expenses revenue", data_dir=data)
    lines = p.stdout.splitlines()
    assert lines[0].startswith(" 1. " + str(docs / "money.md"))
    body = " ".join(line.strip() for line in lines[1:])
    # the passage between the marks, in the file's words (not a snippet of it)
    assert "»" in body and "«" in body
    passage = body[body.index("»") + 1:body.index("«")]
    assert "Revenue rose twelve percent while expenses declined." in passage


def test_search_json_marks_the_sentence_that_answers(tmp_path):
    from tests.core.test_answer import ANSWER, OCTOPUS, QUERY

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "octopus.md").write_text(OCTOPUS, encoding="utf-8")
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    cli("index", str(docs), data_dir=data)
    hits = json.loads(cli("search", "--json", "-k", "3", QUERY, data_dir=data).stdout)
    top = hits[0]
    assert top["path"] == str(docs / "octopus.md")
    a = top["answer"]
    assert set(a) == {"text", "start", "end", "file_start", "file_end", "snippet_start",
                      "snippet_end", "score"}
    assert ANSWER in a["text"] and a["end"] - a["start"] == len(a["text"])
    # offsets in the passage, and in the file's text (one passage here: the same)
    assert OCTOPUS[a["file_start"]:a["file_end"]] == a["text"]
    assert (a["start"], a["end"]) == (a["file_start"], a["file_end"])
    assert top["snippet"][a["snippet_start"]:a["snippet_end"]] == " ".join(a["text"].split())
    # asked for none, or words only (no model): no answer is marked
    none = json.loads(cli("search", "--json", "--answers", "0", "-k", "1", QUERY, data_dir=data).stdout)
    assert none[0]["path"] == top["path"] and none[0]["answer"] is None
    plain = json.loads(cli("search", "--json", "--words-only", "-k", "1", "octopus lifespan",
                           data_dir=data).stdout)
    assert plain[0]["answer"] is None
