"""The vector index: a memory-mapped base plus an in-memory delta, saved and reopened."""
from __future__ import annotations

import sys
import time

import numpy as np
import pytest

from desktop_search.core.store import vector_files
from desktop_search.core.store import vector_index as V


def unit(n, dim=16, seed=0):
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float16)


def exact_top(ids, vecs, q, k):
    sims = vecs.astype(np.float32) @ q
    order = np.argsort(-sims)[:k]
    return [int(ids[i]) for i in order]


def test_base_delta_tombstones_and_compaction(tmp_path, monkeypatch):
    monkeypatch.setattr(vector_files, "COMPACT_AT", 40)
    path = tmp_path / "vectors.usearch"
    vi = V.VectorIndex(path, ndim=16)
    ids = np.arange(1, 201, dtype=np.uint64)
    vecs = unit(200)
    vi.add(ids, vecs)
    vi.save(1)                              # no base yet: the first save writes it
    assert path.exists() and not vi.delta_path.exists()

    vi = V.VectorIndex(path, ndim=16)
    assert vi.load() and len(vi) == 200 and vi.generation == 1
    if sys.platform.startswith("linux"):
        assert str(path) in open("/proc/self/maps").read(), "the base is memory-mapped"
    # change a few: 5 removed, 3 replaced, 10 new
    vi.remove([1, 2, 3, 4, 5])
    new_vecs = unit(13, seed=1)
    vi.add(np.array([10, 11, 12, *range(1000, 1010)], dtype=np.uint64), new_vecs)
    assert len(vi) == 200 - 5 + 10
    want = {int(k): v for k, v in zip(ids, vecs)}
    for k in (1, 2, 3, 4, 5):
        del want[k]
    want.update({int(k): v for k, v in zip([10, 11, 12, *range(1000, 1010)], new_vecs)})
    wid, wvec = np.array(list(want)), np.stack(list(want.values()))
    for q in unit(5, seed=2).astype(np.float32):
        got = [k for k, _ in vi.search(q, 10)]
        assert got == exact_top(wid, wvec, q, 10)
    assert sorted(vi.keys().tolist()) == sorted(want)
    assert np.allclose(vi.get(1000), new_vecs[3], atol=1e-3) and vi.get(1) is None

    vi.save(2)                              # small change: only the delta is written
    base_bytes = path.read_bytes()
    assert vi.delta_path.exists()
    again = V.VectorIndex(path, ndim=16)
    assert again.load() and again.generation == 2
    assert sorted(again.keys().tolist()) == sorted(want)
    q = unit(1, seed=3)[0].astype(np.float32)
    assert [k for k, _ in again.search(q, 10)] == exact_top(wid, wvec, q, 10)

    again.add(np.arange(2000, 2050, dtype=np.uint64), unit(50, seed=4))
    again.save(3)                           # past COMPACT_AT: folded into a new base
    assert path.read_bytes() != base_bytes and not again.delta_path.exists()
    third = V.VectorIndex(path, ndim=16)
    assert third.load() and len(third) == len(want) + 50 == len(third.keys())


def test_damaged_delta_is_caught_up_from_the_catalog(tmp_path):
    path = tmp_path / "vectors.usearch"
    vi = V.VectorIndex(path, ndim=16)
    vi.add(np.arange(1, 101, dtype=np.uint64), unit(100))
    vi.save(1)
    vi.add(np.array([500], dtype=np.uint64), unit(1, seed=9))
    vi.save(2)
    vi.delta_path.write_bytes(b"garbage")
    again = V.VectorIndex(path, ndim=16)
    assert again.load() and again.generation == -1     # the engine syncs from the catalog
    assert len(again) == 100


@pytest.mark.parametrize("damage", [b"", b"garbage" * 10])
def test_damaged_base_is_not_used(tmp_path, damage):
    path = tmp_path / "vectors.usearch"
    vi = V.VectorIndex(path, ndim=16)
    vi.add(np.arange(1, 101, dtype=np.uint64), unit(100))
    vi.save(1)
    path.write_bytes(damage)
    assert not V.VectorIndex(path, ndim=16).load()


def test_changes_during_a_compaction_are_kept(tmp_path):
    """The base is rewritten without holding the lock: what changes meanwhile stays."""
    path = tmp_path / "vectors.usearch"
    vi = V.VectorIndex(path, ndim=16)
    vi.add(np.arange(1, 51, dtype=np.uint64), unit(50))
    real = vi._atomic

    def meanwhile(target, write, need=0):
        if target == path:
            vi.add(np.array([7, 999], dtype=np.uint64), unit(2, seed=5))   # replace 7, add 999
            vi.remove([8])
            assert len(vi.search(unit(1, seed=6)[0].astype(np.float32), 5)) == 5
        real(target, write, need)

    vi._atomic = meanwhile
    vi.save(1)
    vi._atomic = real
    want = sorted(set(range(1, 51)) - {8} | {999})
    assert sorted(vi.keys().tolist()) == want and len(vi) == len(want)
    assert np.allclose(vi.get(7), unit(2, seed=5)[0], atol=1e-3)
    vi.save(2)
    again = V.VectorIndex(path, ndim=16)
    assert again.load() and sorted(again.keys().tolist()) == want
    assert np.allclose(again.get(7), unit(2, seed=5)[0], atol=1e-3) and again.get(8) is None


def mapped_kb(path) -> int | None:
    """Resident kB of this process's mappings of ``path`` (Linux: /proc/self/smaps)."""
    total, inside = 0, False
    try:
        lines = open("/proc/self/smaps").read().splitlines()
    except OSError:
        return None
    for line in lines:
        if not line[:1].isupper() or ":" not in line.split()[0]:   # a mapping's header
            inside = line.rstrip().endswith(str(path))
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


@pytest.mark.slow  # waits out the idle hand-back
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps")
def test_idle_index_hands_its_pages_back(tmp_path, monkeypatch):
    monkeypatch.setattr(vector_files, "IDLE_RELEASE_S", 0.3)
    path = tmp_path / "vectors.usearch"
    vi = V.VectorIndex(path, ndim=64)
    ids = np.arange(1, 30001, dtype=np.uint64)
    vecs = unit(30000, dim=64)
    vi.add(ids, vecs)
    vi.save(1)
    vi = V.VectorIndex(path, ndim=64)
    assert vi.load()
    queries = unit(20, dim=64, seed=5).astype(np.float32)
    before = [[k for k, _ in vi.search(q, 10)] for q in queries]
    assert mapped_kb(path) > 100, "searching maps the base's pages"
    # quiet for IDLE_RELEASE_S: the pages are handed back (they stay in the page cache)
    t0 = time.monotonic()
    while mapped_kb(path) > 0 and time.monotonic() - t0 < 10:
        time.sleep(0.05)
    assert mapped_kb(path) == 0
    assert str(path) in open("/proc/self/maps").read(), "still mapped, just not resident"
    # and the next searches answer the same
    assert [[k for k, _ in vi.search(q, 10)] for q in queries] == before
    assert mapped_kb(path) > 0
    assert vi.release_memory() and mapped_kb(path) == 0 and not vi.release_memory()


def test_an_int8_base_is_kept_as_int8_and_an_older_f16_base_becomes_int8(tmp_path, monkeypatch):
    """The passages' index writes int8 bases; one written before (f16) opens as it is
    (its cosines exact) and is rewritten as int8 at its next compaction; an unknown kind
    is rebuilt."""
    import json

    monkeypatch.setattr(vector_files, "COMPACT_AT", 10)
    monkeypatch.setattr(vector_files, "ADD_BATCH", 7)       # the conversion adds in pieces
    ids, vecs = np.arange(1, 301, dtype=np.uint64), unit(300, dim=32)
    q = unit(1, dim=32, seed=3).astype(np.float32)[0]
    exact = {int(i): float(v.astype(np.float32) @ q) for i, v in zip(ids, vecs)}

    small = V.VectorIndex(tmp_path / "i8.usearch", ndim=32, dtype=vector_files.QUANTIZED)
    small.add(ids, vecs)
    small.save(1)
    assert json.loads(small.meta_path.read_text())["dtype"] == "i8"
    again = V.VectorIndex(small.path, ndim=32, dtype=vector_files.QUANTIZED)
    assert again.load() and again.approximate
    got = again.search(q, 20)
    # int8's cosines are near, not equal: rank computes them again (test_rank_halves)
    assert max(abs(s - exact[k]) for k, s in got) < 0.05
    assert len({k for k, _ in got} & set(exact_top(ids, vecs, q, 20))) >= 16

    old = V.VectorIndex(tmp_path / "f16.usearch", ndim=32)          # as written before
    old.add(ids, vecs)
    old.save(1)
    reopened = V.VectorIndex(old.path, ndim=32, dtype=vector_files.QUANTIZED)
    assert reopened.load() and reopened.base_dtype == "f16" and not reopened.approximate
    reopened.add(np.arange(1000, 1020, dtype=np.uint64), unit(20, dim=32, seed=4))
    reopened.remove([1, 2])
    reopened.save(2)                                               # a compaction
    assert json.loads(old.meta_path.read_text())["dtype"] == "i8"
    assert reopened.approximate and reopened.base_dtype == "i8"
    assert sorted(reopened.keys().tolist()) == sorted([*range(3, 301), *range(1000, 1020)])
    again = V.VectorIndex(old.path, ndim=32, dtype=vector_files.QUANTIZED)
    assert again.load() and again.approximate and len(again) == 318
    top = {k for k, _ in again.search(q, 30)}
    assert len(top & set(exact_top(ids[2:], vecs[2:], q, 10))) >= 9

    meta = json.loads(old.meta_path.read_text())
    old.meta_path.write_text(json.dumps(dict(meta, dtype="b1")))
    assert not V.VectorIndex(old.path, ndim=32, dtype=vector_files.QUANTIZED).load()
