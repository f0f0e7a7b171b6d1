"""The picture model's one-time download reports its progress: huggingface_hub's real
download code fetches a real (tiny) CLIP model over HTTP from a stand-in hub
(``fake_hub.py``), in a child process whose ``HF_ENDPOINT`` points at it; the indexer
publishes the bytes in its snapshots, which the status bar draws."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_search.core.embed.clip import build_tiny_clip, hub_repo
from tests.core.fake_hub import FakeHub

ROOT = Path(__file__).resolve().parents[2]
REPO = "fake-org/tiny-clip"

CHILD = """
import json, sys
from PIL import Image
from desktop_search.config import Settings
from desktop_search.core.engine import Engine
from tests.conftest import HashEmbedder

data, docs = sys.argv[1], sys.argv[2]
for name, rgb in (("red.png", (220, 30, 30)), ("blue.png", (20, 40, 210))):
    Image.new("RGB", (64, 48), rgb).save(f"{docs}/{name}")
settings = Settings(picture_search=True, picture_model=%r, read_text_in_pictures=False,
                    picture_min_score=-1.0)
eng = Engine(data, settings=settings, embedder=HashEmbedder())
seen = []
def on_snapshot(s):
    if s.picture_download is not None:
        seen.append([s.state.value, *s.picture_download])
eng.add_root(docs)
eng.index_service().run_until_idle(on_snapshot)
print(json.dumps({"seen": seen, "vectors": len(eng.picture_index().vectors()),
                  "pending": eng.picture_index().pending()}))
eng.close()
""" % REPO


@pytest.mark.slow
def test_the_indexer_reports_the_picture_model_download(tmp_path):
    model = build_tiny_clip(tmp_path / "clip")
    (tmp_path / "docs").mkdir()
    with FakeHub(REPO, model) as hub:
        env = dict(os.environ, HF_ENDPOINT=hub.url, HF_HUB_OFFLINE="0",
                   HF_HOME=str(tmp_path / "hf"), PYTHONPATH=str(ROOT))
        p = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "data"),
                            str(tmp_path / "docs")], env=env, capture_output=True, text=True,
                           timeout=300, cwd=ROOT)
        assert p.returncode == 0, p.stderr[-3000:]
        total = hub.total_bytes()
        fetched = [r for r in hub.requests if r.startswith("GET") and "/resolve/" in r]
    out = json.loads(p.stdout.strip().splitlines()[-1])
    seen = out["seen"]
    assert seen, "no download progress was published"
    assert {s for s, _, _ in seen} == {"pictures"}
    assert seen[-1][1:] == [total, total]                  # it ends at every byte
    done = [d for _, d, _ in seen]
    assert done == sorted(done) and done[0] < total        # and grows on the way
    assert out["vectors"] == 2 and out["pending"] == 0    # then the pictures are embedded
    assert len(fetched) == len(hub.files)


def test_short_names_are_sentence_transformers_repos():
    assert hub_repo("clip-ViT-B-32") == "sentence-transformers/clip-ViT-B-32"
    assert hub_repo("org/model") == "org/model"

