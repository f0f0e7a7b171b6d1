"""The word index follows the catalog through real indexing, and survives losing its
snapshot or a kill."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from desktop_search.core.store import word_postings as postings_mod
from desktop_search.core.engine import Engine
from desktop_search.core.analyze import query_words
from desktop_search.core.store.word_index import Source, WordIndex


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def found(engine, query):
    return sorted(os.path.basename(h.path) for h in engine.search(query, k=10, dense=False))


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "docs"
    write(d / "ocean.txt", "As mudanças climáticas aquecem os oceanos e elevam o nível do mar. "
                           "Os pesquisadores estudam as correntes marinhas do Atlântico.")
    write(d / "garden.md", "# Garden\n\nThe gardeners were watering the tomatoes every morning.")
    write(d / "beijing.txt", "我们在北京大学学习中文，每天早上去图书馆。")
    return d


def run_index(engine):
    engine.index_service().run_until_idle()


def test_follows_real_indexing(data_dir, hash_embedder, docs):
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    run_index(eng)
    assert found(eng, "mudanca climatica") == ["ocean.txt"]      # folded and stemmed (pt)
    assert found(eng, "water tomato") == ["garden.md"]           # stemmed (en)
    assert found(eng, "北京") == ["beijing.txt"]                  # inside a sentence
    hit = eng.search("oceano", k=1, dense=False)[0]
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["oceanos"]
    # edit, rename, delete: the words follow
    write(docs / "garden.md", "# Garden\n\nRoses only.")
    os.rename(docs / "beijing.txt", docs / "peking.txt")
    (docs / "ocean.txt").unlink()
    run_index(eng)
    assert found(eng, "tomatoes") == []
    assert found(eng, "roses") == ["garden.md"]
    assert found(eng, "北京") == ["peking.txt"]
    assert found(eng, "oceanos") == []
    assert len(eng.library.words) == eng.catalog.stats().chunks
    assert eng.doctor().ok
    eng.close()


def test_snapshot_reused_then_rebuilt_when_deleted(data_dir, hash_embedder, docs):
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    run_index(eng)
    eng.close()
    eng = Engine(data_dir, embedder=hash_embedder)
    assert eng.library.feed.opened_from == "snapshot"
    assert found(eng, "watering") == ["garden.md"]
    eng.close()
    shutil.rmtree(data_dir / "words")
    eng = Engine(data_dir, embedder=hash_embedder)
    assert eng.library.feed.opened_from == "rebuilt"
    assert found(eng, "watering") == ["garden.md"]
    assert found(eng, "mudanças") == ["ocean.txt"]
    eng.close()


KILLED = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path


    def main():
        sys.path.insert(0, {tests!r})
        from conftest import HashEmbedder
        from desktop_search.core.store.catalog import NewChunk
        from desktop_search.core.engine import Engine
        from desktop_search.core.indexing import IndexService
        data, docs = Path(sys.argv[1]), Path(sys.argv[2])
        eng = Engine(data, embedder=HashEmbedder())
        eng.add_root(docs)
        eng.index_service().run_until_idle()
        eng.save()                                   # a snapshot with the three files
        # changes the snapshot does not hold (the indexer would save when idle)
        eng.catalog.delete_file(str(docs / "garden.md"))
        text = "A zeppelin arrived after the snapshot."
        eng.catalog.put_file(path=str(docs / "late.txt"), root_id=None, size=len(text),
                             mtime_ns=0, digest=None, kind="text", title=None, heading="late",
                             chunks=[NewChunk(0, len(text), None, 1, text)])
        os.kill(os.getpid(), signal.SIGKILL)         # no save, no close


    if __name__ == "__main__":
        main()
""")


@pytest.mark.slow  # kills a real process
def test_kill_after_snapshot_loses_nothing(tmp_path, data_dir, hash_embedder, docs):
    script = tmp_path / "killed.py"
    script.write_text(KILLED.format(tests=os.path.dirname(os.path.dirname(__file__))))
    proc = subprocess.run([sys.executable, str(script), str(data_dir), str(docs)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr
    manifest = (data_dir / "words" / "manifest.json").read_text()
    eng = Engine(data_dir, embedder=hash_embedder)
    assert eng.library.feed.opened_from == "snapshot"
    assert '"max_id": 3' in manifest                            # the late file is not in it
    assert found(eng, "zeppelin") == ["late.txt"]                # newer than the snapshot
    assert found(eng, "watering") == []                          # deleted after it
    assert len(eng.library.words) == eng.catalog.stats().chunks
    eng.close()


def test_segments_merge_and_tombstones(tmp_path, monkeypatch):
    monkeypatch.setattr(postings_mod, "FLUSH_CHUNKS", 7)
    monkeypatch.setattr(postings_mod, "MAX_SEGMENTS", 3)
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(40)]
    live: dict[int, str] = {}
    idx = WordIndex(folder=tmp_path / "w")
    next_id = 1
    for _step in range(30):
        batch = []
        for _ in range(5):
            text = " ".join(rng.choice(vocab, 12))
            batch.append(Source(next_id, text, "", "en"))
            live[next_id] = text
            next_id += 1
        idx.add(batch)
        gone = [int(i) for i in rng.choice(list(live), 2, replace=False)]
        idx.remove(gone)
        for i in gone:
            del live[i]
        idx.maintain()
    assert len(idx) == len(live)
    assert len(idx._segments) <= 3 + 1
    for w in vocab[:10]:
        got = {cid for cid, _ in idx.search(query_words(w), 1000)}
        assert got == {cid for cid, t in live.items() if w in t.split()}
    idx.save()
    again = WordIndex(folder=tmp_path / "w")
    assert again.load()
    for w in vocab[:10]:
        before, after = idx.search(query_words(w), 20), again.search(query_words(w), 20)
        assert [cid for cid, _ in after] == [cid for cid, _ in before]
        assert [score for _, score in after] == pytest.approx([score for _, score in before])


def test_catalog_from_before_the_word_index_is_upgraded(data_dir, hash_embedder, docs):
    """An FTS5-era catalog (no languages recorded) opens, learns its languages, finds."""
    import sqlite3

    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    run_index(eng)
    eng.close()
    conn = sqlite3.connect(data_dir / "catalog.sqlite3")
    conn.execute("ALTER TABLE files DROP COLUMN lang")
    conn.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5(heading, body)")
    conn.execute("PRAGMA user_version=3")                   # the layout before the word index
    conn.commit()
    conn.close()
    shutil.rmtree(data_dir / "words")
    eng = Engine(data_dir, embedder=hash_embedder)
    assert found(eng, "mudanca") == ["ocean.txt"]           # stemmed as Portuguese again
    langs = dict(eng.catalog.connection().execute("SELECT path, lang FROM files").fetchall())
    assert langs[str(docs / "ocean.txt")] == "pt"
    assert not eng.catalog.connection().execute(
        "SELECT 1 FROM sqlite_master WHERE name='chunks_fts'").fetchone()
    eng.close()


def test_preview_marks_folded_and_stemmed_words(data_dir, hash_embedder, docs):

    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    run_index(eng)
    hit = eng.search("mudanca climatica", k=1, dense=False)[0]
    doc = eng.preview(hit, terms=["mudanca", "climatica"])
    assert [doc.text[s:e] for s, e in doc.words] == ["mudanças", "climáticas"]
    eng.close()


def test_big_rebuild_runs_in_the_background(data_dir, hash_embedder, docs, monkeypatch):
    from desktop_search.core.store import word_feed

    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    run_index(eng)
    eng.close()
    shutil.rmtree(data_dir / "words")
    monkeypatch.setattr(word_feed, "SYNC_WORDS_LIMIT", 1)     # as if it were a big index
    eng = Engine(data_dir, embedder=hash_embedder)
    assert eng.library.feed.in_background
    eng.search("watering", k=3, dense=False)                    # answers meanwhile
    assert eng.library.feed.ready(timeout=60)
    assert found(eng, "watering") == ["garden.md"]
    eng.close()
    assert (data_dir / "words" / "manifest.json").exists()      # and saved it
