"""The indexing service says what it is doing: typed states, immutable snapshots, published
from its own thread, and an idle snapshot after every piece of work (no polling needed)."""
from __future__ import annotations

import dataclasses
import threading

import pytest

from desktop_search.core.engine import Engine
from desktop_search.core.indexing import (BUSY, RemoveRoot, Rescan, Snapshot,
                                          State)


class Recorder:
    def __init__(self) -> None:
        self.snaps: list[Snapshot] = []
        self.threads: set[str] = set()
        self.cond = threading.Condition()

    def snapshot_changed(self, snap: Snapshot) -> None:
        with self.cond:
            self.snaps.append(snap)
            self.threads.add(threading.current_thread().name)
            self.cond.notify_all()

    def notice(self, notice) -> None:
        pass

    def mark(self) -> int:
        with self.cond:
            return len(self.snaps)

    def wait_for(self, pred, timeout: float = 30.0, *, since: int | None = None) -> Snapshot:
        """The first snapshot (since ``since``, else from now on) for which pred holds:
        awaited as an event, not polled."""
        with self.cond:
            start = len(self.snaps) if since is None else since
            ok = self.cond.wait_for(lambda: any(pred(s) for s in self.snaps[start:]), timeout)
            assert ok, [s.state for s in self.snaps[start:]]
            return next(s for s in self.snaps[start:] if pred(s))


@pytest.fixture
def running(data_dir, hash_embedder, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Apples grow in the orchard behind the house.")
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    rec = Recorder()
    svc = eng.index_service(listener=rec, debounce=0.1)
    svc.start(watch=True)
    rec_first = rec.wait_for(lambda s: s.state is State.IDLE and s.index_version > 0)
    yield eng, svc, rec, docs, rec_first
    svc.stop()
    eng.close()


def test_snapshots_are_immutable_and_typed(running):
    eng, svc, rec, docs, first = running
    assert isinstance(first.state, State) and first.state == "idle"
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.state = State.READING  # type: ignore[misc]
    assert rec.threads == {"desktop-search-indexer"}, "published from the worker's own thread"
    states = [s.state for s in rec.snaps]
    assert State.SCANNING in states and State.READING in states and State.EMBEDDING in states
    assert svc.snapshot == rec.snaps[-1]


def test_a_watched_change_while_idle_ends_in_a_new_idle_snapshot(running):
    eng, svc, rec, docs, first = running
    mark = rec.mark()
    (docs / "b.txt").write_text("Bananas ripen in the kitchen.")
    done = rec.wait_for(lambda s: s.state is State.IDLE and s.index_version > first.index_version,
                        since=mark)
    busy = [s for s in rec.snaps if s.index_version > first.index_version and s.state in BUSY]
    assert busy, "the work was announced before it was done"
    assert done.chunks_pending == 0
    assert [h.path for h in eng.search("bananas kitchen", dense=False)] == [str(docs / "b.txt")]


def test_pause_and_resume_are_published(running):
    eng, svc, rec, docs, first = running
    mark = rec.mark()
    svc.pause()
    assert rec.wait_for(lambda s: s.state is State.PAUSED, since=mark)
    (docs / "c.txt").write_text("Cherries in June.")
    mark = rec.mark()
    svc.resume()
    rec.wait_for(lambda s: s.state is State.IDLE and s.index_version > first.index_version,
                 since=mark)
    assert rec.threads == {"desktop-search-indexer"}
    assert str(docs / "c.txt") in [h.path for h in eng.search("cherries june", dense=False)]


def test_typed_commands(running):
    eng, svc, rec, docs, first = running
    mark = rec.mark()
    svc.submit(RemoveRoot(str(docs)))
    rec.wait_for(lambda s: s.state is State.IDLE and s.index_version > first.index_version,
                 since=mark)
    assert eng.roots() == [] and eng.catalog.stats().chunks == 0
    with pytest.raises(TypeError):
        svc._run("\0remove\0" + str(docs))  # strings are not commands
    eng.add_root(docs)
    mark = rec.mark()
    svc.submit(Rescan(str(docs)))
    rec.wait_for(lambda s: s.state is State.IDLE and eng.catalog.stats().chunks > 0, since=mark)
