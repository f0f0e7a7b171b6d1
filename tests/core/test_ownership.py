"""One owner per data folder: the OS lock, its release when the owner dies, hand-offs."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from desktop_search.core.ownership import (DataFolderBusy, HandOffError, Ownership, Reply,
                                           Request, current_owner, hand_off)

OWNER_SCRIPT = textwrap.dedent("""
    import sys, threading, time
    from desktop_search.core.ownership import Ownership, Reply
    seen = []
    def handler(req):
        seen.append(req)
        print("got", req.command, *req.paths, flush=True)
        return Reply(True, "added " + ",".join(req.paths))
    own = Ownership.acquire(sys.argv[1], kind="watch", handler=handler, accepts=("add",))
    print("ready", flush=True)
    while True:              # until the test kills it
        time.sleep(60)
""")


@pytest.fixture
def owner_process(tmp_path):
    """A real second process that owns tmp_path/data (a stand-in for `watch`)."""
    data = tmp_path / "data"
    data.mkdir()
    p = subprocess.Popen([sys.executable, "-c", OWNER_SCRIPT, str(data)], stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "ready"
    yield data, p
    if p.poll() is None:
        p.kill()
    p.wait(10)


def test_second_owner_in_the_same_process_is_refused_and_named(tmp_path):
    with Ownership.acquire(tmp_path, kind="index") as own:
        assert own.held and own.info.pid == os.getpid()
        with pytest.raises(DataFolderBusy) as err:
            Ownership.acquire(tmp_path, kind="remove")
        assert err.value.owner.kind == "index" and err.value.owner.pid == os.getpid()
        assert f"`desktop-search index` (pid {os.getpid()}" in str(err.value)
        assert current_owner(tmp_path).kind == "index"
    assert current_owner(tmp_path) is None
    Ownership.acquire(tmp_path, kind="doctor").release()


def test_another_process_is_named_and_a_killed_one_is_taken_over_at_once(owner_process):
    data, p = owner_process
    who = current_owner(data)
    assert who is not None and who.pid == p.pid and who.kind == "watch"
    with pytest.raises(DataFolderBusy, match=rf"`desktop-search watch` \(pid {p.pid}"):
        Ownership.acquire(data, kind="index")
    p.send_signal(signal.SIGKILL)
    p.wait(10)
    t0 = time.monotonic()
    own = Ownership.acquire(data, kind="index")   # the kernel released the dead one's lock
    took = time.monotonic() - t0
    assert own.info.pid == os.getpid() and took < 0.5, took
    assert current_owner(data).pid == os.getpid()
    own.release()


def test_hand_off_reaches_the_owner_in_another_process(owner_process, tmp_path):
    data, p = owner_process
    who = current_owner(data)
    assert who.accepts == ("add",)
    reply = hand_off(who, Request("add", (str(tmp_path / "docs"),)))
    assert reply == Reply(True, f"added {tmp_path / 'docs'}")
    assert p.stdout.readline().split() == ["got", "add", str(tmp_path / "docs")]
    with pytest.raises(HandOffError, match="does not take 'remove'"):
        hand_off(who, Request("remove", ("/x",)))


def test_hand_off_to_a_dead_owner_is_a_clear_error(owner_process):
    data, p = owner_process
    who = current_owner(data)
    p.kill()
    p.wait(10)
    with pytest.raises(HandOffError, match="cannot reach"):
        hand_off(who, Request("add", ("/x",)), timeout=5)


def test_a_wrong_key_is_refused_and_the_owner_keeps_answering(tmp_path):
    import dataclasses

    got = []
    own = Ownership.acquire(tmp_path, kind="window", handler=lambda r: got.append(r) or Reply(True),
                            accepts=("show",))
    try:
        forged = dataclasses.replace(own.info, authkey="00" * 32)
        with pytest.raises(HandOffError):
            hand_off(forged, Request("show"), timeout=5)
        assert got == []
        assert hand_off(own.info, Request("show")).ok and got == [Request("show")]
    finally:
        own.release()
    assert not (tmp_path / "owner.sock").exists()


def test_a_reader_engine_writes_nothing(tmp_path, hash_embedder):
    """search/status/doctor next to an owner: no vector save, no clean-up, no model switch."""
    from desktop_search.core.engine import Engine
    from desktop_search.errors import ConfigError

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "cats.txt").write_text("Cats sleep most of the day.")
    data = tmp_path / "data"
    eng = Engine(data, embedder=hash_embedder)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    vec = eng.library.vector_path(eng.catalog.get_meta("model_id"))   # this model's own file
    eng.close()
    vec.unlink()                                  # the owner has not saved yet, say
    vec.with_suffix(".json").unlink()
    tmp = vec.with_name(vec.name + ".tmp")
    tmp.write_bytes(b"the owner is writing this")
    before = {p.name: p.stat().st_mtime_ns for p in data.iterdir() if p.is_file()}

    reader = Engine(data, embedder=hash_embedder, read_only=True)
    hits = reader.search("cats sleeping", k=1)
    assert hits and hits[0].path.endswith("cats.txt")   # caught up in memory
    assert reader.doctor().ok
    reader.close()
    after = {p.name: p.stat().st_mtime_ns for p in data.iterdir() if p.is_file()}
    assert not vec.exists()
    assert tmp.read_bytes() == b"the owner is writing this"
    assert {k: v for k, v in after.items() if not k.startswith("catalog")} == \
        {k: v for k, v in before.items() if not k.startswith("catalog")}

    class OtherModel(type(hash_embedder)):
        model_id = "test/another-model"

    other = Engine(data, embedder=OtherModel(), read_only=True)
    with pytest.raises(ConfigError, match="made with the model test/hash-64"):
        other.search("cats", k=1)
    other.close()
    again = Engine(data, embedder=hash_embedder, read_only=True)
    assert again.catalog.get_meta("model_id") == "test/hash-64"     # not switched
    assert again.library.count_unembedded() == 0                     # nothing cleared
    again.close()


@pytest.mark.skipif(os.name == "nt", reason="named pipes wake differently")
def test_release_never_waits_on_a_server_thread_that_already_stopped(tmp_path):
    """Release raced a refused connection: the serving thread had already returned when
    it was woken. Waking it must not wait for an answer that never comes."""
    import socket
    import threading

    from desktop_search.core.ownership import _HandOffServer

    srv = _HandOffServer(tmp_path, handler=lambda r: Reply(True))
    srv._closed.set()                      # closing began ...
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bad:   # ... as a bad client
        bad.connect(srv.address)                                     # is refused
    srv._thread.join(5)
    assert not srv._thread.is_alive()      # the server thread is gone
    srv._closed.clear()
    done = threading.Event()
    threading.Thread(target=lambda: (srv.close(), done.set()), daemon=True).start()
    assert done.wait(10), "release hung waking a server thread that had stopped"
