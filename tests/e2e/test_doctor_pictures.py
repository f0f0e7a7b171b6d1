"""``desktop-search doctor`` checks the picture index (read as it lies on disk, without
loading the image model) and ``doctor --repair`` mends it from the catalog's picture
vectors: real processes, a real index damaged two ways."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from desktop_search.config import Settings
from desktop_search.core.embed.clip import build_tiny_clip
from desktop_search.core.engine import Engine
from desktop_search.core.store.vector_index import VectorIndex

pytestmark = pytest.mark.slow  # real processes and the real model


def doctor(data, *args):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    env.pop("DESKTOP_SEARCH_HOME", None)
    return subprocess.run([sys.executable, "-m", "desktop_search", "--data-dir", str(data),
                           "doctor", *args], capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture
def picture_library(tmp_path, model):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, rgb in (("red.png", (220, 30, 30)), ("blue.jpg", (20, 40, 210)),
                      ("green.webp", (30, 200, 40))):
        Image.new("RGB", (64, 48), rgb).save(docs / name)
    data = tmp_path / "data"
    data.mkdir()
    settings = Settings(picture_search=True, read_text_in_pictures=False,
                        picture_model=str(build_tiny_clip(tmp_path / "clip")))
    settings.save(data / "settings.json")
    eng = Engine(data, settings=settings, embedder=model)
    try:
        eng.add_root(docs)
        eng.index_service().run_until_idle()
        assert eng.picture_index().pending() == 0 and len(eng.picture_index().vectors()) == 3
        generation = eng.catalog.vector_generation()
    finally:
        eng.close()
    return data, generation


def test_doctor_finds_a_lost_picture_and_repair_puts_it_back(picture_library):
    data, generation = picture_library
    vi = VectorIndex(data / "picture_vectors.usearch", ndim=int(_meta(data, "picture_dim")))
    assert vi.load()
    lost = int(vi.keys()[0])
    vi.remove([lost])                  # a save interrupted, a file restored from a backup
    vi.save(generation)
    del vi
    p = doctor(data)
    assert p.returncode == 1
    assert "problem: the picture index disagrees with the catalog (1 pictures missing" in p.stdout
    p = doctor(data, "--repair")
    assert p.returncode == 0 and "repaired" in p.stdout, p.stdout + p.stderr
    p = doctor(data)
    assert p.returncode == 0 and p.stdout.startswith("ok:"), p.stdout
    vi = VectorIndex(data / "picture_vectors.usearch", ndim=int(_meta(data, "picture_dim")))
    assert vi.load() and lost in vi.keys().tolist()


def test_doctor_finds_a_damaged_picture_index_and_repair_rebuilds_it(picture_library):
    data, _ = picture_library
    base = data / "picture_vectors.usearch"
    base.write_bytes(np.random.default_rng(1).bytes(base.stat().st_size))   # garbled
    p = doctor(data)
    assert p.returncode == 1
    assert "problem: the picture index is missing or damaged (3 pictures to put back" in p.stdout
    p = doctor(data, "--repair")
    assert p.returncode == 0 and "repaired" in p.stdout, p.stdout + p.stderr
    assert doctor(data).returncode == 0


def _meta(data, key: str) -> str:
    import sqlite3

    con = sqlite3.connect(data / "catalog.sqlite3")
    try:
        return con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0]
    finally:
        con.close()
