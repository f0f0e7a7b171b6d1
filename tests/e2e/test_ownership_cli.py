"""One owner per data folder, with real processes: hand-offs, clear refusals, readers
next to the owner, and a killed owner's folder taken over at once."""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from desktop_search.core.ownership import current_owner
from tests.conftest import eventually
from tests.e2e.test_cli import cli

pytestmark = pytest.mark.slow


class Proc:
    """A long-running desktop-search process whose stderr lines can be awaited."""

    def __init__(self, *args, data_dir, env_extra=None) -> None:
        env = dict(os.environ, HF_HUB_OFFLINE="1", **(env_extra or {}))
        env.pop("DESKTOP_SEARCH_HOME", None)
        self.p = subprocess.Popen([sys.executable, "-m", "desktop_search", "--data-dir",
                                   str(data_dir), *args], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.p.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, needle: str, timeout: float = 180.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if needle in line:
                return line
        raise AssertionError(f"{needle!r} never came; stderr so far: {self.seen}; "
                             f"exit {self.p.poll()}")

    def kill(self) -> None:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGKILL)
        self.p.wait(30)


def status(data):
    return json.loads(cli("status", "--json", data_dir=data).stdout)


def test_watch_owns_the_folder_and_the_others_read_hand_off_or_stop(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "cats.txt").write_text("Cats doze all afternoon in a warm patch of sunlight.")
    (b / "iron.txt").write_text("Iron rusts when it meets water and air for months.")
    data = tmp_path / "data"
    watch = Proc("watch", str(a), data_dir=data)
    try:
        watch.wait_for("watching 1 folder")
        owner = current_owner(data)
        assert owner.kind == "watch" and owner.pid == watch.p.pid

        # readers work next to the owner, and say who it is
        st = status(data)
        assert st["owner"]["pid"] == watch.p.pid and st["owner"]["kind"] == "watch"
        assert eventually(lambda: status(data)["files"] == 1, 180)
        hits = json.loads(cli("search", "--json", "-k", "1", "sleepy pets", data_dir=data).stdout)
        assert hits[0]["path"] == str(a / "cats.txt")

        # a write command hands its folder to the owner, which indexes it
        p = cli("index", str(b), data_dir=data)
        assert f"handed to `desktop-search watch` (pid {watch.p.pid}" in p.stdout
        watch.wait_for(f"watching {b} (handed over)")
        assert eventually(lambda: (s := status(data))["files"] == 2 and s["pending"] == 0, 240)
        hits = json.loads(cli("search", "--json", "-k", "1", "corrosion", data_dir=data).stdout)
        assert hits[0]["path"] == str(b / "iron.txt")

        # one that cannot be handed over stops at once, naming the owner
        for args in (["doctor", "--repair"], ["watch", str(b)]):
            t0 = time.monotonic()
            p = cli(*args, data_dir=data, check=False)
            assert p.returncode == 3, p.stderr
            assert f"in use by `desktop-search watch` (pid {watch.p.pid}" in p.stderr
            assert len(p.stderr.strip().splitlines()) == 1 and time.monotonic() - t0 < 60
        assert json.loads(cli("doctor", "--json", data_dir=data).stdout)["ok"]

        p = cli("remove", str(b), data_dir=data)
        assert "handed to `desktop-search watch`" in p.stdout
        assert eventually(lambda: [r["path"] for r in status(data)["roots"]] == [str(a)], 180)
    finally:
        watch.kill()
    # killed: nothing to wait for, the next writer owns the folder at once
    assert current_owner(data) is None
    rep = json.loads(cli("doctor", "--repair", "--json", data_dir=data).stdout)
    assert rep["repaired"] == bool(rep["problems"]), rep      # what it found, it repaired
    assert json.loads(cli("doctor", "--json", data_dir=data).stdout)["ok"]
    assert status(data)["owner"] is None


def test_two_index_processes_never_embed_the_same_backlog(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(120):
        (docs / f"note{i:03}.txt").write_text(
            f"Note {i}: the committee met on day {i} and discussed budget item {i * 7}.")
    data = tmp_path / "data"
    first = Proc("index", "--json", str(docs), data_dir=data)
    try:
        assert eventually(lambda: (o := current_owner(data)) is not None and o.kind == "index", 180)
        second = cli("index", "--json", str(docs), data_dir=data, check=False)
        assert first.p.poll() is None, "the first index finished too soon to race"
        assert second.returncode == 3 and second.stdout == ""
        assert f"in use by `desktop-search index` (pid {first.p.pid}" in second.stderr
        assert "wait for it to finish" in second.stderr
        out, _ = first.p.communicate(timeout=300)
    finally:
        first.kill()
    assert first.p.returncode == 0
    st = status(data)
    assert st["files"] == 120 and st["pending"] == 0
    again = json.loads(cli("index", "--json", str(docs), data_dir=data).stdout)
    assert again["chunks_embedded"] == 0 and again["indexed"] == 0


def test_a_second_window_hands_over_to_the_first(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d, text in ((a, "Cats doze in the sun."), (b, "Iron rusts in the rain."),
                    (c, "Revenue rose twelve percent.")):
        d.mkdir()
        (d / "doc.txt").write_text(text)
    data = tmp_path / "data"
    window = Proc("gui", str(a), data_dir=data, env_extra={"QT_QPA_PLATFORM": "offscreen"})
    try:
        assert eventually(lambda: (o := current_owner(data)) is not None and o.kind == "window",
                          180), window.seen
        assert eventually(lambda: [r["path"] for r in status(data)["roots"]] == [str(a)], 180)

        # through the desktop-search-gui entry point (the Windows launcher without a console)
        code = ("import sys; from desktop_search.cli import gui_main; "
                f"sys.argv = ['desktop-search-gui', '--data-dir', {str(data)!r}, {str(b)!r}]; "
                "sys.exit(gui_main())")
        second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                timeout=120, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        assert second.returncode == 0, second.stderr
        assert (f"already open (the Desktop Search window (pid {window.p.pid}" in second.stderr
                and f"handed it {b}" in second.stderr)

        p = cli("index", str(c), data_dir=data)
        assert f"handed to the Desktop Search window (pid {window.p.pid}" in p.stdout
        assert eventually(lambda: (s := status(data))["files"] == 3 and s["pending"] == 0, 240)
        assert window.p.poll() is None
    finally:
        window.kill()
