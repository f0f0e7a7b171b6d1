"""kill -9 at random moments while indexing or watching; in the end nothing is lost,
nothing is doubled, no committed work is redone, and search answers as a clean index does."""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys

import pytest

from tests.reliability.corpus import write_corpus

pytestmark = pytest.mark.slow  # kill -9 of real processes at random moments

SEED = int(os.environ.get("KILL_SEED", "20261128"))
KILLS = int(os.environ.get("KILLS", "20"))
N_FILES = int(os.environ.get("KILL_FILES", "1200"))
WAVE = 300


def cli_cmd(data, *args):
    return [sys.executable, "-m", "desktop_search", "--data-dir", str(data), *args]


def run(data, *args):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    p = subprocess.run(cli_cmd(data, *args), capture_output=True, text=True, env=env, timeout=900)
    assert p.returncode == 0, p.stderr
    return p.stdout


def snapshot(data):
    """The index's content, independent of ids and timing."""
    con = sqlite3.connect(data / "catalog.sqlite3")
    files = con.execute("SELECT path, state, n_chunks FROM files ORDER BY path").fetchall()
    chunks = con.execute(
        "SELECT f.path, c.ord, c.start, c.end, c.text, c.vector IS NOT NULL FROM chunks c "
        "JOIN files f ON f.id=c.file_id ORDER BY f.path, c.ord").fetchall()
    stored = int((con.execute("SELECT value FROM meta WHERE key='vectors_stored'").fetchone() or [0])[0])
    con.close()
    return files, chunks, stored


QUERIES = ["growing vegetables at home", "company money and accounts", "a trip to the seaside",
           "baking bread", "software and servers", "staying fit and well"]


@pytest.mark.timeout(1800)
def test_kill9_at_random_moments(tmp_path):
    rng = random.Random(SEED)
    docs = tmp_path / "docs"
    write_corpus(docs, N_FILES)
    data = tmp_path / "data"
    # the model's one-off export to the shared cache happens here, not inside the kills
    (tmp_path / "empty").mkdir()
    run(tmp_path / "warm", "index", str(tmp_path / "empty"))
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    log = []
    kills = waves = 0
    for _attempt in range(KILLS * 4):
        if kills >= KILLS:
            break
        mode = "watch" if kills % 4 == 3 else "index"
        # spread the kills over start-up, extraction, embedding and saving
        delay = rng.uniform(0.2, 3.0)
        p = subprocess.Popen(cli_cmd(data, mode, str(docs)), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, env=env)
        try:
            p.wait(delay)
            log.append((mode, round(delay, 2), "finished"))
            # all caught up: new files arrive, so the next kills land in real work
            waves += 1
            write_corpus(docs / f"wave{waves}", WAVE, seed=SEED + waves)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait()
            kills += 1
            log.append((mode, round(delay, 2), "killed"))
        finally:
            p.stderr.close()
    assert kills >= KILLS, log
    print(f"seed {SEED}: {kills} kills: {log}")

    summary = json.loads(run(data, "index", "--json", str(docs)))
    assert summary["failed"] == 0
    doctor = json.loads(run(data, "doctor", "--json"))
    assert doctor["ok"], doctor
    assert doctor["pending"] == 0

    clean = tmp_path / "clean"
    run(clean, "index", str(docs))
    files, chunks, stored = snapshot(data)
    cfiles, cchunks, cstored = snapshot(clean)
    assert len(files) == N_FILES + WAVE * waves
    assert files == cfiles, "the same files, none lost, none twice"
    assert chunks == cchunks, "the same chunks"
    # every committed vector survived its kill: nothing stored twice. (A file whose bytes
    # equal an already embedded file's gets its vectors copied, not computed: after a kill
    # that happens more often than in one clean run, so "stored" may be lower, never higher.)
    assert cstored == len(cchunks)
    assert len({c[4] for c in chunks}) <= stored <= len(chunks)

    qfile = tmp_path / "q.txt"
    qfile.write_text("\n".join(QUERIES))
    args = ("search", "--queries", str(qfile), "-k", "5", "--json")
    ours = [json.loads(line) for line in run(data, *args).splitlines()]
    ref = [json.loads(line) for line in run(clean, *args).splitlines()]
    for a, b in zip(ours, ref):
        sa, sb = [h["score"] for h in a["hits"]], [h["score"] for h in b["hits"]]
        assert len(sa) == len(sb) == 5
        assert all(abs(x - y) < 2e-3 for x, y in zip(sa, sb)), a["query"]
        # the same files, up to ties within float16 rounding
        cut = sb[-1] + 2e-3
        assert ({h["path"] for h in a["hits"] if h["score"] > cut}
                == {h["path"] for h in b["hits"] if h["score"] > cut}), a["query"]
