"""Shared fixtures: private data folders, the real packaged model, a fast fake embedder."""
from __future__ import annotations

import hashlib
import os
import re

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# One exported model graph for the whole session (and the CLI processes it starts),
# never the user's own cache.
if "DESKTOP_SEARCH_CACHE" not in os.environ:
    import tempfile

    os.environ["DESKTOP_SEARCH_CACHE"] = tempfile.mkdtemp(prefix="ds-test-cache-")

from desktop_search.core.embed.base import EmbedderBase  # noqa: E402 - after the environment


class HashEmbedder(EmbedderBase):
    """Bag of words hashed into 64 buckets: fast, deterministic, word-overlap similarity.

    Only for tests of logic around the model (counting embed calls, bookkeeping); the
    product's behaviour is proven with the real model.
    """

    model_id = "test/hash-64"
    dim = 64
    loaded = True
    backend = "test"
    max_seq_length = 256

    def __init__(self) -> None:
        self.embed_calls = 0
        self.texts: list[str] = []

    def load(self):
        return self

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for w in re.findall(r"\w+", text.lower()):
            h = int(hashlib.md5(w.encode()).hexdigest(), 16)
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        if n == 0:
            v[0] = 1.0
            n = 1.0
        return v / n

    def embed_documents(self, texts):
        self.embed_calls += len(texts)
        self.texts.extend(texts)
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text):
        return self._vec(text)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def model():
    """The real packaged model, built the way the app builds it (``embedder_for`` with the
    default settings: ONNX Runtime over the exported graph) and loaded once per test run."""
    from desktop_search.config import Settings
    from desktop_search.core.embed import embedder_for

    emb = embedder_for(Settings())
    emb.load()
    emb.embed_query("warm up")
    assert getattr(emb, "backend", "torch").startswith("onnx"), "the app's default backend"
    return emb


@pytest.fixture(scope="session")
def torch_minilm():
    """The same model on torch: only to check that the ONNX backend gives its vectors."""
    from desktop_search.core.embed import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder("all-MiniLM-L6-v2", device="cpu")
    emb.load()
    return emb


@pytest.fixture(autouse=True)
def _private_folders(tmp_path, monkeypatch):
    """Every test, and every process it starts, gets its own data folder (index and
    settings) and XDG folders (menu entry, icons, autostart, platformdirs' defaults):
    no test can read or write the user's own."""
    monkeypatch.setenv("DESKTOP_SEARCH_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    # a background indexer heeds the real battery and CPU load (the machine running the
    # tests is often busy): tests that are about those hand in their own Conditions
    monkeypatch.setenv("DESKTOP_SEARCH_IGNORE_CONDITIONS", "1")


#: fixtures that bring up a model (seconds once per run, and the tests using them take
#: long): their tests are marked slow, out of the fast lane (``-m "not slow"``)
REAL_MODEL_FIXTURES = frozenset({"model", "torch_minilm", "embedder", "tiny_clip"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private data folder; the user's own is never read or written."""
    d = tmp_path / "data"
    monkeypatch.setenv("DESKTOP_SEARCH_HOME", str(d))
    return d


def eventually(pred, timeout=30.0):
    """Poll pred until true or timeout (for changes made by background threads)."""
    import threading
    import time

    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while time.monotonic() < deadline:
        if pred():
            return True
        tick.wait(0.05)
    return pred()


@pytest.fixture(autouse=True)
def _english_after():
    """Every test starts and ends in English (a test that installs a language resets it)."""
    from desktop_search import i18n

    yield
    if i18n.current() != i18n.ENGLISH:
        i18n.install(i18n.ENGLISH)


def catalog_files(eng, *, state: str | None = "indexed") -> dict:
    """The files on disk the catalog lists, by path (``FileRow``s), read through its
    front door (``Catalog.files_of_root`` for each folder); ``state=None``: every state."""
    rows = {}
    for root in eng.roots():
        rows.update(eng.catalog.files_of_root(root.id))
    return {p: r for p, r in rows.items() if state is None or r.state == state}


def indexed_engine(data_dir, embedder, docs, files: dict[str, str]):
    """An Engine over ``docs`` holding ``files`` (name -> text), indexed and embedded to
    the end: yield from it in a fixture (it closes the engine after the test)."""
    from desktop_search.core.engine import Engine

    docs.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (docs / name).write_text(text, encoding="utf-8")
    eng = Engine(data_dir, embedder=embedder)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    eng.vectors()
    try:
        yield eng, docs
    finally:
        eng.close()
