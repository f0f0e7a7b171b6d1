"""The copies look kept in the catalog: a second look with nothing changed does no work, a
new copy or version is found by comparing it alone, a deleted file leaves its group, and
a look in progress does not hold up a search (it waits for quiet)."""
from __future__ import annotations

import os
import statistics
import threading
import time
from pathlib import Path

import numpy as np

from desktop_search.core.engine import Engine
from desktop_search.core.search import copies_look as L
from desktop_search.core.store.copy_rows import CopyRows
from tests.core.test_duplicates import _check_groups, _index, _names
from tests.dup_corpus import LEASE_V3, MINUTES, lease_text


def _reindex(eng: Engine) -> None:
    eng.index_service().run_until_idle()


def _as_sets(groups) -> list[tuple[str, frozenset]]:
    return sorted((g.kind, frozenset((m.path, m.changed) for m in g.members)) for g in groups)


def test_a_second_look_with_nothing_changed_reads_and_compares_nothing(tmp_path, hash_embedder):
    eng, files = _index(tmp_path, hash_embedder)
    try:
        first = eng.duplicates()
        s1 = eng.copies_stats
        assert s1.mode == "whole" and s1.documents_read == len(files) and s1.texts_compared > 0
        _check_groups(first, files)
        again = eng.duplicates()
        s2 = eng.copies_stats
        assert (s2.documents_read, s2.texts_compared, s2.pairs_checked) == (0, 0, 0)
        assert _as_sets(again) == _as_sets(first)
        # a new engine on the same folder (the next start): nothing to do either
        eng.close()
        eng = Engine(tmp_path / "data", embedder=hash_embedder)
        _check_groups(eng.duplicates(), files)
        assert (eng.copies_stats.documents_read, eng.copies_stats.texts_compared) == (0, 0)
    finally:
        eng.close()


def test_a_new_copy_and_a_new_version_are_found_by_comparing_only_them(tmp_path, hash_embedder):
    eng, files = _index(tmp_path, hash_embedder)
    try:
        eng.duplicates()
        docs = tmp_path / "docs"
        (docs / "minutes again.txt").write_text(MINUTES, encoding="utf-8")
        _reindex(eng)
        groups = eng.duplicates()
        st = eng.copies_stats
        # one document read; its text was compared before: nothing to compare
        assert (st.mode, st.documents_read, st.texts_compared) == ("changes", 1, 0)
        minutes = next(g for g in groups if g.kind == "identical")
        assert {Path(m.path).name for m in minutes.members} == {
            "minutes again.txt", "minutes (1).txt", "minutes-february.txt"}
        # a fourth lease: the last clause changed too
        v4 = list(LEASE_V3)
        v4[-1] = v4[-1].replace("energy performance certificate", "gas safety record")
        (docs / "lease 2025.txt").write_text(lease_text(v4), encoding="utf-8")
        _reindex(eng)
        groups = eng.duplicates()
        st = eng.copies_stats
        assert (st.mode, st.documents_read, st.texts_compared) == ("changes", 1, 1)
        lease = next(g for g in groups if g.kind == "versions")
        assert Path(lease.newest.path).name in {"lease 2025.txt", "signed lease.docx"}
        assert str(docs / "lease 2025.txt") in {m.path for m in lease.members}
        assert len(lease.members) == 6
        # what the steps found is what one look of the whole index finds
        CopyRows(eng.library.catalog).reset()
        assert _as_sets(eng.duplicates()) == _as_sets(groups)
        assert eng.copies_stats.mode == "whole"
    finally:
        eng.close()


def test_a_deleted_file_leaves_its_group_at_the_next_look(tmp_path, hash_embedder):
    eng, files = _index(tmp_path, hash_embedder)
    try:
        _check_groups(eng.duplicates(), files)
        os.remove(files["minutes_copy"])
        eng.library.delete_paths([str(files["minutes_copy"])])
        groups = eng.duplicates()
        assert len(groups) == 1 and groups[0].kind == "versions"
        assert eng.copies_stats.documents_read == 0
        # the middle version gone: the texts it was linked to are compared again (the
        # others may be versions of each other without it), as one whole look finds
        eng.library.delete_paths([str(files["v2"])])
        groups = eng.duplicates()
        assert eng.copies_stats.texts_compared >= 1
        assert all("v2" not in _names(g, files) for g in groups)
        CopyRows(eng.library.catalog).reset()
        assert _as_sets(eng.duplicates()) == _as_sets(groups)
    finally:
        eng.close()


def test_each_text_considers_at_most_the_capped_pairs_and_says_so(tmp_path, hash_embedder, monkeypatch):
    eng, files = _index(tmp_path, hash_embedder)
    try:
        monkeypatch.setattr(L, "PAIRS_PER_DOC", 1)
        eng.duplicates()
        assert eng.copies_stats.pairs_left_out > 0
        assert eng.copies_stats.to_json()["pairs_left_out"] == eng.copies_stats.pairs_left_out
    finally:
        eng.close()


def test_a_stopped_look_keeps_what_it_read_and_the_next_one_goes_on(tmp_path, hash_embedder, monkeypatch):
    eng, files = _index(tmp_path, hash_embedder)
    try:
        monkeypatch.setattr(L, "READ_BATCH", 4)
        monkeypatch.setattr(L, "READ_PASSAGES", 4)
        asked = []
        assert eng.duplicates(stop=lambda: asked.append(1) or len(asked) > 3) == []
        read = eng.copies_stats.documents_read      # the stopped look's stats are not kept
        _check_groups(eng.duplicates(), files)
        assert 0 < eng.copies_stats.documents_read < len(files)
        assert read == 0
    finally:
        eng.close()


# -- a look in progress and a search --------------------------------------------------------
WORDS = ("harbour ledger invoice tenant boiler orchard violin glacier parcel meadow "
         "lantern quarry summit ferry pottery falcon timber canal beacon cottage").split()


def _big_library(tmp_path: Path, n: int = 3000) -> Engine:
    """n documents of 3 passages stored straight (random words and vectors), in families
    of four sharing two passages: plenty of pairs for the look to check by its rules."""
    from desktop_search.core.store import NewChunk

    eng = Engine(tmp_path / "data")
    lib = eng.library
    gen = np.random.default_rng(3)

    def text(tag: str) -> str:
        return " ".join(gen.choice(WORDS, 40)) + f" {tag}"

    with lib.catalog.transaction():
        for i in range(n):
            if i % 4 == 0:
                family = [text(f"family{i}x{j}") for j in range(2)]
            texts = [*family, text(f"own{i}")]
            chunks = [NewChunk(0, len(t), None, j + 1, t) for j, t in enumerate(texts)]
            lib.put_file(path=str(tmp_path / f"d{i}.txt"), root_id=None, size=100, mtime_ns=i,
                         digest=f"d{i}", kind="text", title=None, heading="", chunks=chunks)
    ids = [r[0] for r in lib.catalog.connection().execute("SELECT id FROM chunks ORDER BY id")]
    v = gen.standard_normal((len(ids), 32)).astype(np.float32)
    lib.catalog.set_meta("model_id", "test/random-32")
    lib.vector_rows.store(ids, v / np.linalg.norm(v, axis=1, keepdims=True))
    return eng


def test_a_look_in_progress_does_not_hold_up_a_search(tmp_path):
    """Searches in turns: while a look runs, and while it is parked. The look works in
    pieces of a few ms of CPU and starts none while a search runs (at most the piece in
    flight when the search began goes on): counted, so a busy machine cannot fake it.
    The searches' wall time with the look against without is checked loosely too."""
    eng = _big_library(tmp_path)
    eng.foreground.quiet_s = 0.02
    done, running, resumed, is_parked = (threading.Event() for _ in range(4))
    running.set()
    rows = CopyRows(eng.library.catalog)
    passes, pieces, last_cpu = [0], [], [0.0]

    def stop() -> bool:
        pieces.append(time.thread_time() - last_cpu[0])
        if eng.foreground.wait_quiet(closing=done.is_set):
            return True
        while not running.is_set() and not done.is_set():
            is_parked.set()
            running.wait(0.1)
        is_parked.clear()
        passes[0] += 1
        resumed.set()
        last_cpu[0] = time.thread_time()
        return done.is_set()

    def look_forever() -> None:
        while not done.is_set():
            rows.reset("test/random-32")
            last_cpu[0] = time.thread_time()
            eng.duplicates(stop=stop)

    t = threading.Thread(target=look_forever)
    t.start()
    during, alone, overlap = [], [], []
    try:
        for i in range(80):
            if i % 2:
                is_parked.clear()
                running.clear()
                assert is_parked.wait(30)
            else:
                resumed.clear()
                running.set()
                assert resumed.wait(30)          # the look is at work again
            before = passes[0]
            t0 = time.perf_counter()
            eng.search(f"harbour invoice {WORDS[i % len(WORDS)]}", k=30, dense=False)
            (alone if i % 2 else during).append(time.perf_counter() - t0)
            if not i % 2:
                overlap.append(passes[0] - before)
    finally:
        done.set()
        running.set()
        t.join(60)
        eng.close()
    assert eng.foreground.waits > 0 and len(pieces) >= 40       # the look ran, and waited
    assert max(overlap) <= 1, overlap             # no piece started while a search ran
    pieces.sort()
    assert pieces[int(0.95 * len(pieces))] <= 0.005, pieces[-20:]   # CPU seconds a piece
    base = statistics.median(alone)
    delay = statistics.median(d - a for d, a in zip(during, alone))
    assert delay <= max(0.01, base), (base, delay)


def test_a_reader_beside_the_owner_finds_the_groups_too(tmp_path, hash_embedder):
    """`desktop-search duplicates` opens the index read-only: it brings the look up to
    date itself (only the look's own tables are written)."""
    eng, files = _index(tmp_path, hash_embedder)
    eng.close()
    reader = Engine(tmp_path / "data", embedder=hash_embedder, read_only=True)
    try:
        _check_groups(reader.duplicates(), files)
        assert reader.copies_stats.mode == "whole"
    finally:
        reader.close()


def test_vectors_of_another_model_start_the_look_over(tmp_path, hash_embedder):
    """The stored mean vectors are the model's that made them: another one, a whole look."""
    eng, files = _index(tmp_path, hash_embedder)
    try:
        eng.duplicates()
        eng.duplicates()
        assert eng.copies_stats.texts_compared == 0
        eng.library.catalog.set_meta("copies_model", "another/model")
        _check_groups(eng.duplicates(), files)
        assert eng.copies_stats.mode == "whole" and eng.copies_stats.documents_read == len(files)
    finally:
        eng.close()
