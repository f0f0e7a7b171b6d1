"""The ONNX Runtime backend on the real packaged model: same vectors as torch, no torch at start."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from desktop_search.core.embed import onnx_runtime
from desktop_search.core.embed.onnx_export import (
    FP32_FILE, INT8_FILE, MANIFEST_FILE, OnnxUnsupported, is_exported)
from desktop_search.core.embed.onnx_runtime import OnnxEmbedder

pytestmark = pytest.mark.slow

TEXTS = [
    "",
    "cats",
    "Cats spend most of the afternoon dozing in a warm patch of sunlight.",
    "The turbocharger forces extra air into the cylinders so the motor produces more power.",
    # longer than the model's 256 tokens: truncation must match sentence-transformers'
    "boundary layer transition on a swept wing at supersonic speeds " * 40,
    "Revenue rose twelve percent while operating expenses declined. " * 5,
    "Ünïcödé façade naïve café, 東京 and emoji 🙂 survive tokenization.",
]
QUERIES = ["pets napping", "car performance boost", "heat transfer in hypersonic flow", "q"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cache")
    # left behind by an earlier model version and by an export killed hours ago
    older = root / "onnx" / "sentence-transformers_all-MiniLM-L6-v2-0123456789abcdef"
    older.mkdir(parents=True)
    (older / MANIFEST_FILE).write_text("{}")
    killed = root / "onnx" / ".sentence-transformers_all-MiniLM-L6-v2-0123.tmp-1-1"
    killed.mkdir()
    (killed / "raw.onnx").write_bytes(b"half")
    os.utime(killed, (time.time() - 3 * 3600,) * 2)
    return root


@pytest.fixture(scope="module")
def onnx32(cache) -> OnnxEmbedder:
    emb = OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=cache, device="cpu")
    emb.load()  # exports: the only time torch runs for this backend
    return emb


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))


def test_export_writes_a_complete_graph_folder(onnx32, cache):
    assert onnx32.exported
    folder = onnx32.graph_path.parent
    assert folder.parent == cache / "onnx"
    assert folder.name.startswith("sentence-transformers_all-MiniLM-L6-v2-")
    assert is_exported(folder)
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    assert manifest["max_abs_error"] < 1e-3
    # nothing half-written beside it, and no graph of an earlier model version
    assert [p.name for p in (cache / "onnx").iterdir()] == [folder.name]


def test_fp32_vectors_match_torch(onnx32, torch_minilm):
    assert onnx32.model_id == torch_minilm.model_id
    assert onnx32.dim == torch_minilm.dim == 384
    got = onnx32.embed_documents(TEXTS)
    want = torch_minilm.embed_documents(TEXTS)
    assert got.shape == want.shape and got.dtype == np.float32
    assert _cos(got, want).min() > 0.999
    for q in QUERIES:
        assert _cos(onnx32.embed_query(q), torch_minilm.embed_query(q)) > 0.999


def test_vectors_are_unit_length_and_batch_independent(onnx32):
    docs = onnx32.embed_documents(TEXTS)
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    one_by_one = np.stack([onnx32.embed_documents([t])[0] for t in TEXTS])
    np.testing.assert_allclose(docs, one_by_one, atol=1e-4)
    q = onnx32.embed_query("pets napping")
    assert q.shape == (384,) and q.dtype == np.float32
    assert abs(np.linalg.norm(q) - 1.0) < 1e-5
    assert onnx32.embed_documents([]).shape == (0, 384)


def test_counts_embedded_documents(onnx32):
    before = onnx32.embed_calls
    onnx32.embed_documents(["a", "b", "c"])
    assert onnx32.embed_calls == before + 3


def test_second_load_reuses_the_cached_graph(onnx32, cache):
    mtime = onnx32.graph_path.stat().st_mtime_ns
    again = OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=cache, device="cpu", allow_export=False)
    again.load()
    assert not again.exported
    assert again.graph_path == onnx32.graph_path
    assert again.graph_path.stat().st_mtime_ns == mtime


def test_missing_graph_without_export_is_a_model_error(tmp_path):
    emb = OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=tmp_path, allow_export=False)
    with pytest.raises(OnnxUnsupported):
        emb.load()
    assert not emb.loaded


def test_falls_back_to_torch_when_the_graph_cannot_be_had(tmp_path, torch_minilm):
    emb = OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=tmp_path, allow_export=False,
                       fallback=lambda: torch_minilm)
    assert emb.model_id == torch_minilm.model_id
    v = emb.embed_query("pets napping")
    assert emb.backend == "torch" and emb.loaded
    np.testing.assert_array_equal(v, torch_minilm.embed_query("pets napping"))
    assert emb.embed_documents(["a", "b"]).shape == (2, 384)
    with pytest.raises(ValueError):
        OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=tmp_path, quantize=True, fallback=lambda: torch_minilm)


def test_damaged_cached_graph_is_a_model_error_not_a_crash(onnx32, tmp_path):
    folder = tmp_path / "onnx" / onnx32.graph_path.parent.name
    folder.mkdir(parents=True)
    (folder / MANIFEST_FILE).write_text("{}")
    (folder / FP32_FILE).write_bytes(b"\x00garbage")
    emb = OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=tmp_path, allow_export=False)
    with pytest.raises(OnnxUnsupported, match="cannot load the ONNX graph"):
        emb.load()


def test_half_written_folder_is_not_taken_for_a_graph(tmp_path):
    broken = tmp_path / "g"
    broken.mkdir()
    (broken / FP32_FILE).write_bytes(b"truncated")  # killed before the manifest was written
    assert not is_exported(broken)


def test_queries_from_threads_while_indexing(onnx32):
    """The query thread and the indexer thread share one embedder."""
    docs = [f"passage number {i} about wings, flows and heat transfer " * (1 + i % 5)
            for i in range(64)]
    queries = [f"query {i} about supersonic flow" for i in range(40)]
    expected_q = {q: onnx32.embed_query(q).copy() for q in queries[:4]}
    onnx32.queries.clear()
    errors: list[BaseException] = []
    results: dict[str, np.ndarray] = {}
    start = threading.Barrier(5)

    def index():
        try:
            start.wait()
            onnx32.embed_documents(docs)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def ask(k):
        try:
            start.wait()
            for q in queries[k::4]:
                results[q] = onnx32.embed_query(q)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=index)] + [threading.Thread(target=ask, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(results) == len(queries)
    for q, v in expected_q.items():
        np.testing.assert_allclose(results[q], v, atol=1e-5)


def test_int8_has_its_own_model_id_and_stays_close(onnx32, cache, torch_minilm):
    # left by an earlier int8 recipe
    (onnx32.graph_path.parent / "model_int8.onnx").write_bytes(b"an older recipe's graph")
    emb = OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=cache, device="cpu", quantize=True)
    emb.load()  # quantizes the cached fp32 graph: no re-export
    assert emb.model_id == torch_minilm.model_id + "+int8"
    assert emb.graph_path.name == INT8_FILE
    assert emb.graph_path.parent == onnx32.graph_path.parent
    got = emb.embed_documents(TEXTS[1:])
    want = torch_minilm.embed_documents(TEXTS[1:])
    assert _cos(got, want).min() > 0.97
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # a passage's vector does not depend on what it was embedded with (one passage a run)
    one_by_one = np.stack([emb.embed_documents([t])[0] for t in TEXTS[1:]])
    np.testing.assert_array_equal(got, one_by_one)
    reordered = emb.embed_documents(TEXTS[:0:-1])[::-1]
    np.testing.assert_array_equal(got, reordered)
    # an older recipe's graph in the folder is replaced, not used
    assert not (emb.graph_path.parent / "model_int8.onnx").exists()


def test_cached_graph_loads_without_torch(onnx32, cache):
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from desktop_search.core.embed.onnx_runtime import OnnxEmbedder
        emb = OnnxEmbedder("all-MiniLM-L6-v2", cache_dir=Path({str(cache)!r}), allow_export=False)
        v = emb.embed_query("pets napping")
        assert v.shape == (384,), v.shape
        heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)
        print("HEAVY=" + ",".join(heavy))
    """)
    root = Path(onnx_runtime.__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "HEAVY=\n" in out.stdout, out.stdout


def test_models_with_unsupported_modules_are_refused(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "tokenizer.json").write_text("{}")
    (folder / "config.json").write_text("{}")
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
    ]))
    with pytest.raises(OnnxUnsupported, match="Dense"):
        OnnxEmbedder(str(folder), cache_dir=tmp_path)
