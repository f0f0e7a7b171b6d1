"""kill -9 while a mailbox is being indexed: the next run keeps every message stored before
the kill as it is (same rows, not read again) and reads only the rest."""
from __future__ import annotations

import mailbox
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from tests.core.test_mail import message
from tests.reliability.test_kill import cli_cmd, run

pytestmark = pytest.mark.slow  # kill -9 of a real indexing process

N_MESSAGES = 1500


def stored_messages(data) -> dict[str, tuple[int, float]]:
    """member key -> (row id, when it was stored) of every message stored so far."""
    try:
        con = sqlite3.connect(f"file:{data / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=5)
        rows = con.execute("SELECT member, id, indexed_at FROM files WHERE kind='mail' AND "
                           "container_id IS NOT NULL").fetchall()
        con.close()
    except sqlite3.Error:
        return {}
    return {m: (i, t) for m, i, t in rows}


@pytest.mark.timeout(900)
def test_kill9_mid_mailbox_resumes_where_it_stopped(tmp_path):
    root = tmp_path / "mail"
    root.mkdir()
    box = mailbox.mbox(root / "Archive.mbox")
    for i in range(N_MESSAGES):
        box.add(message(f"Report {i}", f"Weekly report number {i} on shipment lot{i} and its "
                                       "customs papers."))
    box.flush()
    box.close()
    data = tmp_path / "data"
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.Popen(cli_cmd(data, "index", str(root)), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(stored_messages(data)) < N_MESSAGES // 4:
        assert proc.poll() is None, "the indexer finished before it could be killed"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = stored_messages(data)
    assert N_MESSAGES // 4 <= len(before) < N_MESSAGES
    run(data, "index", str(root))
    after = stored_messages(data)
    assert len(after) == N_MESSAGES
    # every message stored before the kill is the same row, stored at the same moment:
    # not read, not stored, not embedded again
    assert {m: after[m] for m in before} == before
    assert run(data, "doctor").startswith("ok: ")
