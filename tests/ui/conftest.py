"""Fixtures for the window tests: real engine, real packaged model, real files in tmp_path.

The model is loaded once per session and shared by every Engine (``embedder=``); each
test gets its own data folder, so nothing touches the user's settings or index.
"""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import threading
from pathlib import Path

import pytest

from desktop_search.core.embed.base import EmbedderBase

CORPUS = {
    "cats.txt": "My cat spends most of the afternoon curled up asleep on the warm windowsill. "
                "The kittens doze for hours in the sun and purr quietly.",
    "taxes.md": "# Quarterly taxes\n\nFiling deadlines for the quarterly tax return, and how the "
                "accounting department reconciles every invoice before submitting it.",
    "bread.txt": "Knead the dough for ten minutes, let it rise overnight in the fridge, then bake "
                 "the sourdough loaf in a very hot oven until the crust is dark.",
    "rocket.txt": "The launch vehicle reached orbit after the second stage engine ignited above "
                  "the Atlantic.",
    "garden.html": "<html><head><title>Summer garden</title></head><body><p>Tomatoes need full "
                   "sunlight, compost and deep watering every few days during hot weather."
                   "</p></body></html>",
    "guitar.txt": "Tune the strings, practise chord changes slowly, and strum with a relaxed "
                  "wrist; a metronome helps with rhythm.",
    "notes.txt": "Meeting notes: <img src=x onerror=alert(1)> the <b>budget</b> review "
                 "<script>alert('owned')</script> went well and the committee agreed.",
}

#: queries that share no word with the file they should find (checked with the real model)
MEANING_PAIRS = [("pets napping", "cats.txt"), ("music lessons", "guitar.txt")]


def write_corpus(folder: Path, docs: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (docs or CORPUS).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def embedder(model):
    """The real packaged model as the app runs it (the session's one ``model``)."""
    return model


class GatedEmbedder(EmbedderBase):
    """The real embedder behind a gate: ``load()`` waits until the test opens it, so the
    window can be seen answering by words while the model is "still loading"."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self._loaded = False

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def loaded(self) -> bool:
        return self._loaded

    def load(self):
        if not self.gate.wait(60):
            raise TimeoutError("the test never opened the gate")
        self._loaded = True
        return self.inner.load()

    def embed_documents(self, texts):
        self.load()
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        self.load()
        return self.inner.embed_query(text)

    @property
    def backend(self) -> str:
        return self.inner.backend

    @property
    def max_seq_length(self) -> int:
        return self.inner.max_seq_length

    def token_counter(self):
        return self.inner.token_counter()

    def token_lengths(self, texts):
        return self.inner.token_lengths(texts)


class Harness:
    """Opens real windows on one data folder and closes them (engine included) after."""

    def __init__(self, qtbot, tmp_path: Path, embedder) -> None:
        self.qtbot = qtbot
        self.tmp_path = tmp_path
        self.data_dir = tmp_path / "data"
        self.embedder = embedder
        self.opened: list = []       # hits the window asked the platform to open
        self.revealed: list = []
        self.windows: list = []

    def open_window(self, *, embedder=None, watch: bool = True, wait_model: bool = True,
                    use_tray: bool = False, engine_options: dict | None = None):
        from desktop_search.config import Settings
        from desktop_search.ui.app import engine_factory
        from desktop_search.ui.controller import SearchController
        from desktop_search.ui.window import SearchWindow

        self.data_dir.mkdir(parents=True, exist_ok=True)
        settings = Settings.load(self.data_dir / "settings.json")
        controller = SearchController(
            settings=settings, watch=watch,
            make_engine=engine_factory(self.data_dir, embedder=embedder or self.embedder,
                                       **(engine_options or {})))
        window = SearchWindow(controller, opener=self.opened.append, revealer=self.revealed.append,
                              window_state_path=self.data_dir / "window.ini",
                              choose_folder=lambda: None, confirm_remove=lambda path: True,
                              use_tray=use_tray)
        self.qtbot.addWidget(window, before_close_func=lambda w: w.controller.shutdown())
        self.windows.append(window)
        window.show()
        self.qtbot.waitExposed(window)
        with self.qtbot.waitSignal(controller.engine_ready, timeout=30_000):
            controller.start()
        if wait_model:
            self.qtbot.waitUntil(lambda: controller.model_ready, timeout=60_000)
        return window

    def close_window(self, window) -> None:
        window.close()
        window.controller.shutdown()
        if window in self.windows:
            self.windows.remove(window)

    def add_folder_and_wait(self, window, folder: Path, timeout: int = 60_000) -> None:
        """Add a folder through the window and wait until it is fully indexed."""
        c = window.controller
        with self.qtbot.waitSignal(c.folder_added, timeout=30_000):
            window.add_folders([str(folder)])
        self.wait_idle(window, timeout)

    def wait_idle(self, window, timeout: int = 60_000) -> None:
        c = window.controller
        try:
            self.qtbot.waitUntil(lambda: c.service is not None and c.service.wait_idle(0)
                                 and c.progress.state == "idle", timeout=timeout)
        except Exception:
            import faulthandler
            import sys

            svc = c.service
            print("indexing did not finish:", c.progress, "queue", len(svc.queue) if svc else None,
                  "idle", svc.wait_idle(0) if svc else None,
                  "unembedded", c.engine.library.count_unembedded() if c.engine else None,
                  file=sys.stderr)
            faulthandler.dump_traceback(file=sys.stderr)
            raise
        # the window hears about it through the catalog refresh (folders, kinds, failed
        # files together; while indexing, the folders' counts alone come more often)
        self.qtbot.waitUntil(lambda: bool(window.roots) and window.roots[0].files > 0
                             and not c.catalog_reads.in_flight and not c.catalog_reads.waiting,
                             timeout=timeout)

    def search(self, window, text: str, timeout: int = 15_000) -> list:
        window.search_edit.setText(text)
        self.qtbot.waitUntil(lambda: window.results_model.query == text, timeout=timeout)
        return window.results_model.hits


@pytest.fixture
def harness(qtbot, tmp_path, embedder):
    h = Harness(qtbot, tmp_path, embedder)
    yield h
    for w in list(h.windows):
        w.controller.shutdown()


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_corpus(tmp_path / "docs")
