"""EngineHost's lifetime: what it opened on its task thread is closed however early the
window quits."""
from __future__ import annotations

import threading

from desktop_search.config import Settings
from desktop_search.ui.app import engine_factory
from desktop_search.ui.controller import SearchController


def _indexers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "desktop-search-indexer" and t.is_alive()]


def test_a_quit_before_the_window_took_the_engine_still_closes_it(qapp, tmp_path, hash_embedder):
    """The open finishes on the task thread, but the event loop never runs the hand-over
    (_on_opened) before shutdown: the indexing thread must not outlive the window (at
    exit it aborted the process: "terminate called without an active exception")."""
    before = set(_indexers())
    c = SearchController(settings=Settings(), watch=False,
                         make_engine=engine_factory(tmp_path / "data", embedder=hash_embedder))
    c.start()
    opened = threading.Event()
    c.tasks.submit(opened.set)          # runs after the open, on the same thread
    assert opened.wait(60)
    started = [t for t in _indexers() if t not in before]
    assert len(started) == 1            # the engine is open and indexing, not yet taken
    assert c.engine is None
    c.shutdown()
    started[0].join(10)
    assert not started[0].is_alive()
