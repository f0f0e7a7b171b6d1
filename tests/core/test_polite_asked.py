"""A folder the user adds is indexed at once, as the CLI's ``index`` is: the busy rule is
for background catch-up only. Battery still holds embedding back until the user says
"index now anyway". The load and the plug are faked through ``polite.Conditions``; every
assertion is on a state the worker publishes, never on time passing."""
from __future__ import annotations

from desktop_search.core.engine import Engine
from desktop_search.core.indexing import State, Waiting
from desktop_search.core.indexing.polite import Manners
from desktop_search.config import Settings
from tests.conftest import eventually
from tests.core.test_polite import FakeConditions, Snapshots, _docs, _service


def _waited(snaps: Snapshots, reason: Waiting) -> bool:
    with snaps.cond:
        return any(s.state is State.WAITING and s.waiting is reason for s in snaps.seen)


def test_a_folder_added_while_busy_is_indexed_at_once_and_a_rescan_still_waits(
        data_dir, hash_embedder, tmp_path):
    load = FakeConditions(busy=True)             # busy from start to the end of the first part
    eng = Engine(data_dir, embedder=hash_embedder, conditions=load)
    snaps = Snapshots()
    svc = _service(eng, snaps)
    svc.start()
    try:
        docs = _docs(tmp_path)
        root = svc.add_root(docs)
        # read, searchable by words and by meaning, while the computer is still busy
        assert eventually(lambda: svc.wait_idle(0) and eng.library.count_unembedded() == 0
                          and len(eng.search("lighthouse keeper", dense=False, k=10)) == 4, 60)
        assert hash_embedder.embed_calls == 4
        assert load.busy and not _waited(snaps, Waiting.BUSY)
        assert not svc.asked                         # the asked-for work is over

        # background catch-up (a rescan) still waits for the user to stop working
        (docs / "note9.txt").write_text("A new note about the lighthouse keeper number9.")
        with snaps.cond:
            snaps.seen.clear()
        svc.scan(root)
        snaps.wait_for(lambda s: s.state is State.WAITING and s.waiting is Waiting.BUSY)
        assert eng.search("number9", dense=False, k=10) == []   # the rescan has not run
        load.busy = False
        assert eventually(lambda: len(eng.search("number9", dense=False, k=10)) == 1, 30)
    finally:
        svc.stop()
        eng.close()


def test_on_battery_the_added_folder_is_read_and_index_now_anyway_embeds_it(
        data_dir, hash_embedder, tmp_path):
    power = FakeConditions(battery=True, busy=True)
    eng = Engine(data_dir, embedder=hash_embedder, conditions=power)
    snaps = Snapshots()
    svc = _service(eng, snaps)
    svc.start()
    try:
        svc.add_root(_docs(tmp_path))
        # read at once though busy; the passages wait for mains
        snaps.wait_for(lambda s: s.state is State.WAITING and s.waiting is Waiting.BATTERY)
        assert len(eng.search("lighthouse keeper", dense=False, k=10)) == 4
        assert hash_embedder.embed_calls == 0
        svc.index_now_anyway()                   # the status bar's one click
        assert eventually(lambda: eng.library.count_unembedded() == 0, 30)
        assert power.battery and power.busy
        assert eventually(lambda: svc.wait_idle(0), 30)
        assert not svc.manners.anyway            # it lasts until the work is done
    finally:
        svc.stop()
        eng.close()


def test_manners_busy_rule_is_for_background_work_only():
    m = Manners(FakeConditions(battery=False, busy=True), Settings())
    assert m.now().waiting is Waiting.BUSY
    assert m.now(asked=True).waiting is None
    m.conditions = FakeConditions(battery=True, busy=True)
    assert m.now(fresh=True, asked=True).waiting is Waiting.BATTERY
    m.anyway = True
    assert m.now().waiting is None
