"""Polite indexing: on battery nothing is embedded or OCR'd (reading goes on), while the
user is busy nothing is done, and the worker runs at the lowest priority. Battery and
load are faked through the one seam the service takes (``polite.Conditions``)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from PIL import Image, ImageDraw, ImageFont

from desktop_search.config import Settings
from desktop_search.core.engine import Engine
from desktop_search.core.indexing import NullListener, State, Waiting
from desktop_search.core.indexing.polite import (SystemConditions, Unconditional,
                                                 conditions_for_app, thread_policy)
from tests.conftest import eventually


class FakeConditions:
    """A laptop whose plug and whose user the test controls."""

    def __init__(self, *, battery: bool = False, busy: bool = False) -> None:
        self.battery = battery
        self.busy = busy
        self.reads = 0                      # how often the worker read the CPU load
        self._read = threading.Condition()

    def on_battery(self) -> bool:
        return self.battery

    def others_busy(self) -> bool:
        with self._read:
            self.reads += 1
            self._read.notify_all()
        return self.busy

    def wait_reads(self, count: int, timeout: float = 30.0) -> bool:
        """Until the worker has read the conditions ``count`` times in all."""
        with self._read:
            return self._read.wait_for(lambda: self.reads >= count, timeout)


class Snapshots(NullListener):
    def __init__(self) -> None:
        self.seen = []
        self.cond = threading.Condition()

    def snapshot_changed(self, snapshot) -> None:
        with self.cond:
            self.seen.append(snapshot)
            self.cond.notify_all()

    def wait_for(self, pred, timeout=30.0):
        with self.cond:
            assert self.cond.wait_for(lambda: any(pred(s) for s in self.seen), timeout), \
                f"never seen; last: {self.seen[-1] if self.seen else None}"


def _docs(tmp_path, n=4):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(n):
        (docs / f"note{i}.txt").write_text(f"Note {i} about the lighthouse keeper number{i}.")
    return docs


def _service(eng, listener):
    svc = eng.index_service(listener=listener, debounce=0.05)
    svc.manners.check_s = 0.05      # read the fake conditions at once
    svc.manners.wait_s = 0.2
    return svc


def test_on_battery_files_are_read_but_nothing_is_embedded_until_mains(data_dir, hash_embedder,
                                                                       tmp_path):
    power = FakeConditions(battery=True)
    eng = Engine(data_dir, embedder=hash_embedder, conditions=power)
    docs = _docs(tmp_path)
    eng.add_root(docs)
    snaps = Snapshots()
    svc = _service(eng, snaps)
    svc.start()
    try:
        snaps.wait_for(lambda s: s.state is State.WAITING and s.waiting is Waiting.BATTERY)
        # reading went on: every file is searchable by its words ...
        assert len(eng.search("lighthouse keeper", dense=False, k=10)) == 4
        # ... and no passage was embedded
        assert hash_embedder.embed_calls == 0
        assert eng.library.count_unembedded() == 4
        power.battery = False       # mains again
        assert svc.wait_idle(30)
        assert eng.library.count_unembedded() == 0
        assert hash_embedder.embed_calls == 4
        assert svc.snapshot.waiting is None
    finally:
        svc.stop()
        eng.close()


def test_index_on_battery_setting_keeps_embedding(data_dir, hash_embedder, tmp_path):
    eng = Engine(data_dir, settings=Settings(index_on_battery=True), embedder=hash_embedder,
                 conditions=FakeConditions(battery=True))
    eng.add_root(_docs(tmp_path))
    svc = _service(eng, Snapshots())
    svc.start()
    try:
        assert svc.wait_idle(30)
        assert eng.library.count_unembedded() == 0
    finally:
        svc.stop()
        eng.close()


def test_while_the_user_is_busy_nothing_is_read_until_the_cpu_is_free(data_dir, hash_embedder,
                                                                       tmp_path):
    load = FakeConditions(busy=True)
    eng = Engine(data_dir, embedder=hash_embedder, conditions=load)
    eng.add_root(_docs(tmp_path))
    snaps = Snapshots()
    svc = _service(eng, snaps)
    svc.start()
    try:
        snaps.wait_for(lambda s: s.state is State.WAITING and s.waiting is Waiting.BUSY)
        assert load.wait_reads(load.reads + 3)  # three rounds of waiting, each read busy
        assert eng.search("lighthouse", dense=False, k=10) == []
        assert not svc.wait_idle(0)
        load.busy = False
        assert svc.wait_idle(30)
        assert len(eng.search("lighthouse", dense=False, k=10)) == 4
        assert eng.library.count_unembedded() == 0
    finally:
        svc.stop()
        eng.close()


def test_run_until_idle_never_waits(data_dir, hash_embedder, tmp_path):
    """The CLI's ``index`` is asked for by the user: it runs whatever the conditions."""
    eng = Engine(data_dir, embedder=hash_embedder, conditions=FakeConditions(battery=True, busy=True))
    eng.add_root(_docs(tmp_path))
    eng.index_service().run_until_idle()
    assert eng.library.count_unembedded() == 0
    eng.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread scheduling is Linux's")
def test_worker_and_its_readers_run_at_the_lowest_priority(data_dir, hash_embedder, tmp_path,
                                                            monkeypatch):
    import psutil

    monkeypatch.delenv("DESKTOP_SEARCH_IGNORE_CONDITIONS")     # as the app runs
    eng = Engine(data_dir, embedder=hash_embedder, conditions=Unconditional())
    eng.add_root(_docs(tmp_path))
    svc = eng.index_service(debounce=0.05)
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    svc.start()
    try:
        assert svc.wait_idle(60)
        assert thread_policy(svc.thread.native_id) == (os.SCHED_IDLE, 19)
        assert "I/O idle" in svc.priority
        # this service's reader: a spawned child that was not there before it started
        readers = [p for p in psutil.Process().children(recursive=True)
                   if p.pid not in before and "spawn_main" in " ".join(p.cmdline())]
        assert readers, "the reader process ran"
        for p in readers:
            assert p.nice() == 19
            assert os.sched_getscheduler(p.pid) == os.SCHED_IDLE
            assert p.ionice().ioclass == psutil.IOPRIO_CLASS_IDLE
        # the caller's own thread (the window's) is untouched
        assert thread_policy(threading.get_native_id())[0] == os.SCHED_OTHER
    finally:
        svc.stop()
        eng.close()


def test_the_app_heeds_the_real_computer_unless_told_not_to(monkeypatch, data_dir, hash_embedder):
    monkeypatch.setenv("DESKTOP_SEARCH_IGNORE_CONDITIONS", "1")
    assert isinstance(conditions_for_app(), Unconditional)
    eng = Engine(data_dir, embedder=hash_embedder)
    assert not eng.index_service().lowest_priority
    monkeypatch.delenv("DESKTOP_SEARCH_IGNORE_CONDITIONS")
    assert isinstance(conditions_for_app(), SystemConditions)
    assert eng.index_service().lowest_priority
    eng.close()


@pytest.mark.slow
def test_real_cpu_burners_make_the_user_busy():
    """Burners that are not this process's children (the user's programs) fill every core:
    the real psutil reading says the computer is busy."""
    n = os.cpu_count() or 1
    burn = f"{sys.executable} -c 'while True: pass' >/dev/null 2>&1 & echo $!"
    pids = [int(subprocess.check_output(["sh", "-c", burn], text=True).strip()) for _ in range(n)]
    try:
        cond = SystemConditions()
        cond.others_busy()                     # starts the clock
        # each reading covers the time since the last: poll until the burners show
        assert eventually(cond.others_busy, timeout=30)
        assert cond.others_cores() is not None
    finally:
        for pid in pids:
            os.kill(pid, 9)


def _render(text: str):
    img = Image.new("RGB", (1000, 160), "white")
    ImageDraw.Draw(img).text((30, 50), text, fill=(0, 0, 0),
                             font=ImageFont.truetype("DejaVuSans.ttf", 34))
    return img


@pytest.mark.slow
def test_on_battery_no_page_is_ocrd_until_mains(data_dir, hash_embedder, tmp_path):
    power = FakeConditions(battery=True)
    eng = Engine(data_dir, embedder=hash_embedder, conditions=power,
                 settings=Settings(ocr_timeout_s=120))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Allotment minutes about compost.")
    _render("Invoice 4471 garden shed repair").save(docs / "receipt.png")
    eng.add_root(docs)
    snaps = Snapshots()
    svc = _service(eng, snaps)
    svc.start()
    try:
        snaps.wait_for(lambda s: s.state is State.WAITING and s.waiting is Waiting.BATTERY, 60)
        assert eng.library.picture_rows.count_ocr_pending() == 1
        assert eng.search("invoice shed", dense=False, k=5) == []
        power.battery = False
        assert svc.wait_idle(120)
        assert eng.library.picture_rows.count_ocr_pending() == 0
        assert eventually(lambda: eng.search("invoice shed", dense=False, k=5) != [], 10)
    finally:
        svc.stop()
        eng.close()
