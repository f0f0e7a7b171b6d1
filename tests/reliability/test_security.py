"""File content is data, never markup or code; nothing goes over the network."""
from __future__ import annotations

import os
import socket

import pytest

from desktop_search.core.engine import Engine

XSS = 'Quarterly notes <img src=x onerror="alert(1)"> and <script>alert("pwned")</script> end.'


@pytest.mark.slow  # the real model, indexing and searching
def test_no_socket_is_opened_while_indexing_and_searching(data_dir, tmp_path, monkeypatch):
    """The real packaged model, on a first run (its ONNX graph exported from the packaged
    weights, then loaded), used with every socket refused."""
    monkeypatch.setenv("DESKTOP_SEARCH_CACHE", str(tmp_path / "fresh-cache"))
    opened = []
    real_socket = socket.socket

    class NoNetwork(real_socket):
        def connect(self, address):
            opened.append(address)
            raise OSError("network disabled by the test")

        def connect_ex(self, address):
            opened.append(address)
            return 111

    monkeypatch.setattr(socket, "socket", NoNetwork)
    monkeypatch.setattr(socket, "create_connection",
                        lambda *a, **k: opened.append(a) or (_ for _ in ()).throw(OSError("no")))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The orchestra rehearsed the symphony all evening.")
    eng = Engine(data_dir)   # the app's own model and backend, loaded as it loads them
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    assert eng.search("classical music practice", k=1)[0].path == str(docs / "a.txt")
    eng.close()
    assert os.environ.get("HF_HUB_OFFLINE") == "1", "the app sets the hub's offline switch itself"
    assert [a for a in opened if not (isinstance(a, (str, bytes)))] == []


def test_markup_in_content_comes_back_as_text(data_dir, hash_embedder, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "evil.txt").write_text(XSS)
    (docs / "evil.html").write_text(f"<html><body><p>{XSS.replace('<', '&lt;')}</p></body></html>")
    eng = Engine(data_dir, embedder=hash_embedder)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    hits = eng.search("quarterly notes", k=5)
    snippets = {os.path.basename(h.path): h.snippet for h in hits}
    # the engine returns the text as it is; the window escapes it (tests/ui)
    assert "<script>" in snippets["evil.txt"]
    assert "<script>" in snippets["evil.html"]
    eng.close()
