"""Churn while the watcher runs: bursts of creates, edits, renames, deletes, editor saves
and a whole folder moved. When it settles, the index equals the folder's truth."""
from __future__ import annotations

import os
import random
import shutil
import threading
import time

import pytest

from desktop_search.core.engine import Engine
from desktop_search.core.indexing.scan import file_digest
from tests.reliability.corpus import write_corpus
from tests.conftest import catalog_files

SEED = 99
EVENTS = int(os.environ.get("CHURN_EVENTS", "3000"))


def truth(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for f in filenames:
            if not f.startswith("."):
                p = os.path.join(dirpath, f)
                out[p] = file_digest(p)
    return out


def catalog_state(eng):
    return {p: r.hash for p, r in catalog_files(eng).items()}


@pytest.mark.slow  # real watcher waits while files churn
def test_churn_settles_to_the_truth(data_dir, hash_embedder, tmp_path):
    rng = random.Random(SEED)
    root = tmp_path / "docs"
    write_corpus(root, 400)
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(root)
    svc = eng.index_service(debounce=0.2)
    svc.start(watch=True)

    done = 0
    counts = {"create": 0, "modify": 0, "rename": 0, "delete": 0, "editor-save": 0, "move-folder": 0}
    serial = 0
    while done < EVENTS:
        files = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if not f.startswith(".")]
        burst = rng.randint(20, 200)
        for _ in range(burst):
            op = rng.choice(["create", "create", "modify", "modify", "rename", "delete", "editor-save"])
            serial += 1
            if op == "create" or not files:
                folder = root / f"group{rng.randint(0, 15)}"
                folder.mkdir(exist_ok=True)
                p = folder / f"new{serial}.txt"
                p.write_text(f"fresh note {serial} about the {rng.choice(['sea', 'hills', 'city'])}")
                files.append(str(p))
                op = "create"
            else:
                p = rng.choice(files)
                if not os.path.exists(p):
                    continue
                if op == "modify":
                    with open(p, "a") as f:
                        f.write(f"\n\nedit {serial}")
                elif op == "rename":
                    new = os.path.join(os.path.dirname(p), f"renamed{serial}" + os.path.splitext(p)[1])
                    os.rename(p, new)
                    files.remove(p)
                    files.append(new)
                elif op == "delete":
                    os.unlink(p)
                    files.remove(p)
                else:  # write a hidden temp file, rename it over the original
                    tmp = os.path.join(os.path.dirname(p), f".{os.path.basename(p)}.swp")
                    with open(tmp, "w") as f:
                        f.write(f"saved by an editor, version {serial}")
                    os.replace(tmp, p)
            counts[op] += 1
            done += 1
        if rng.random() < 0.15:
            groups = [d for d in root.iterdir() if d.is_dir()]
            if groups:
                g = rng.choice(groups)
                dest = root / f"moved{serial}"
                shutil.move(str(g), str(dest))
                counts["move-folder"] += 1
                done += 1
        time.sleep(rng.uniform(0.0, 0.2))  # bursts, with gaps while the indexer works

    expected = truth(root)
    deadline = time.monotonic() + 180
    tick = threading.Event()
    while time.monotonic() < deadline:
        if catalog_state(eng) == expected and eng.library.count_unembedded() == 0:
            break
        tick.wait(0.2)
    got = catalog_state(eng)
    missing = set(expected) - set(got)
    extra = set(got) - set(expected)
    stale = [p for p in expected if p in got and got[p] != expected[p]]
    print(f"churn events: {counts}; files at the end: {len(expected)}")
    assert not missing and not extra and not stale, (
        len(missing), len(extra), len(stale), sorted(extra)[:5], sorted(missing)[:5])
    svc.stop()
    rep = eng.doctor()
    assert rep.ok and rep.pending == 0, rep
    eng.close()
