"""The window never freezes: a 10 ms heartbeat on the GUI thread while ~200 files index,
against the same heartbeat on the same machine before."""
from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer, Qt

SUBJECTS = ["The harbour committee", "Our research group", "The night shift", "A small bakery",
            "The city library", "My grandmother", "The football club", "An old lighthouse keeper",
            "The orchestra", "A software team", "The village council", "Two hikers"]
VERBS = ["discussed", "repaired", "documented", "celebrated", "measured", "postponed",
         "photographed", "rebuilt", "studied", "painted", "recorded", "planned"]
OBJECTS = ["the leaking roof", "a new budget", "the spring festival", "migrating birds",
           "the broken clock tower", "a fleet of fishing boats", "the winter timetable",
           "an ancient map", "the solar panels", "a recipe for plum cake", "the river bridge",
           "the election results"]
DETAILS = ["after a long debate.", "despite the heavy rain.", "before the deadline.",
           "with help from volunteers.", "for the third time this year.", "using borrowed tools.",
           "while the town slept.", "to everyone's surprise."]


def cpu_wait(tid: int) -> float:
    """Seconds this thread has waited on a run queue for a CPU (Linux schedstat)."""
    try:
        with open(f"/proc/self/task/{tid}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def make_files(folder: Path, n: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        sentences = [f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
                     f"{rng.choice(DETAILS)}" for _ in range(rng.randint(2, 6))]
        ext = ".md" if i % 3 == 0 else ".txt"
        body = (f"# Note {i}\n\n" if ext == ".md" else "") + " ".join(sentences)
        (folder / f"note-{i:03d}{ext}").write_text(body + "\n", encoding="utf-8")
    return folder


def _quantile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def test_heartbeat_keeps_its_pace_while_indexing(harness, tmp_path, qtbot):
    """The GUI thread's beats while ~200 files index are measured against the same beats
    on the same machine just before, with nothing indexing: a ratio, so a loaded machine
    moves both sides and the test measures the app, not the machine."""
    folder = make_files(tmp_path / "notes", 200)
    w = harness.open_window()
    c = w.controller
    # a query is on screen, so results refresh (and repaint) while files arrive
    w.search_edit.setText("repairing the roof")
    beats: list[tuple[float, float, float, str]] = []   # wall, GUI CPU, waiting for a CPU, state
    tid = threading.get_native_id()

    def beat() -> None:
        beats.append((time.perf_counter(), time.thread_time(), cpu_wait(tid), c.progress.state))

    states: set[str] = set()
    c.progress_changed.connect(lambda p: states.add(p.state))
    heart = QTimer()
    heart.setTimerType(Qt.TimerType.PreciseTimer)
    heart.setInterval(10)
    heart.timeout.connect(beat)
    heart.start()
    qtbot.waitUntil(lambda: len(beats) >= 50, timeout=60_000)       # the window settles
    settled = len(beats)
    qtbot.waitUntil(lambda: len(beats) >= settled + 200, timeout=60_000)  # the machine's pace
    calm = len(beats)
    t0 = time.perf_counter()
    with qtbot.waitSignal(c.folder_added, timeout=30_000):
        w.add_folders([str(folder)])
    qtbot.waitUntil(lambda: c.service.wait_idle(0) and c.progress.state == "idle", timeout=120_000)
    heart.stop()
    took = time.perf_counter() - t0
    assert c.engine.catalog.stats().files_indexed == 200
    assert {"reading", "embedding"} <= states, states

    # A gap has two causes: the GUI thread could not run our code (busy with it, or
    # waiting for the GIL), or the OS gave its CPU to someone else. The second is the
    # kernel's run-queue wait, left out: what remains is what the app made the GUI wait.
    def blocked(part: list[tuple[float, float, float, str]]) -> list[float]:
        return [(b[0] - a[0]) - (b[2] - a[2]) for a, b in zip(part, part[1:])]

    before, during = blocked(beats[settled:calm]), blocked(beats[calm:])
    pace = _quantile(before, 0.99)
    summary = (f"{len(before)} calm beats, p99 {pace * 1000:.1f} ms; {len(during)} beats in "
               f"{took:.1f} s of indexing, p99 {_quantile(during, 0.99) * 1000:.1f} ms, worst "
               f"{[round(g * 1000, 1) for g in sorted(during)[-5:]]} ms; load "
               f"{os.getloadavg()[0]:.1f}")
    print(summary)
    # the beats keep their pace: at most 1 in 100 later than 4 calm beats, none later than 10
    assert _quantile(during, 0.99) <= 4 * pace, summary
    assert max(during) <= 10 * pace, summary
    # the results followed the indexing without a restart
    qtbot.waitUntil(lambda: bool(w.results_model.hits), timeout=10_000)


def thread_cpu(tid: int) -> float:
    with open(f"/proc/self/task/{tid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="Linux /proc needed")
def test_idle_indexer_leaves_the_cpu_alone(harness, corpus, qtbot):
    """An idle, watching indexer must not poll in a loop: that costs a core and, through
    the GIL, slows every search several-fold."""
    from desktop_search.ui.controller import indexer_thread

    w = harness.open_window()
    harness.add_folder_and_wait(w, corpus)
    svc = w.controller.service
    tid = indexer_thread(svc).native_id
    # how often the worker asks its queue for a change: an idle worker waits on it, a
    # polling one asks again at once (counted, so a starved low-priority thread that
    # polls is caught as surely as one that burns a core)
    asks = [0]
    pop_ready = svc.queue.pop_ready

    def counted(timeout: float):
        asks[0] += 1
        return pop_ready(timeout)

    svc.queue.pop_ready = counted
    checks = svc.root_checks
    before, t0 = thread_cpu(tid), time.perf_counter()
    # not a fixed wait: the worker's own loop goes round until it has checked its roots
    # twice (so it ran, whatever the machine's load), and is measured over that
    assert svc.wait_root_checks(checks + 2, 60)
    used, took = thread_cpu(tid) - before, time.perf_counter() - t0
    svc.queue.pop_ready = pop_ready
    # two root checks are ROOT_CHECK_S apart; an idle wait lasts 0.25 s: a few dozen asks
    assert asks[0] < 100, f"the idle indexer asked its queue {asks[0]} times in {took:.1f} s"
    assert used < 0.2 * took, f"idle indexer used {used:.2f} s of CPU in {took:.1f} s"
    assert os.getpriority(os.PRIO_PROCESS, tid) >= 10     # it yields to the GUI thread
