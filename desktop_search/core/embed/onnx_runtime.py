"""The Embedder protocol on ONNX Runtime: the exported graph plus the model's own tokenizer and pooling."""
from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from desktop_search.core.embed import prebuilt
from desktop_search.core.embed.lazy import LazyModel, QueryCache
from desktop_search.core.embed.session import SessionEmbedder, session_options
from desktop_search.core.embed.onnx_export import (
    FP32_FILE,
    INT8_FILE,
    INT8_SUFFIX,
    ModelSpec,
    OnnxUnsupported,
    export_onnx,
    graph_dir,
    is_exported,
)
from desktop_search.errors import ModelError

if TYPE_CHECKING:
    from desktop_search.core.embed.base import Embedder

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- embedder


class OnnxEmbedder(SessionEmbedder):
    """The Embedder protocol on onnxruntime; exports the graph on first use if needed."""

    def __init__(self, model: str = "all-MiniLM-L6-v2", *, cache_dir: Path | None = None,
                 device: str = "auto", batch_size: int = 32, quantize: bool = False,
                 allow_export: bool = True, threads: int | None = None,
                 fallback: Callable[[], Embedder] | None = None) -> None:
        """``fallback`` builds the embedder to use when the graph cannot be exported or
        loaded (backend "auto": the torch one). fp32 only: its vectors are torch's, so the
        model id stays true whichever runs; int8 vectors are not, so int8 has no fallback."""
        from desktop_search.core.embed.base import resolve_model

        if quantize and fallback is not None:
            raise ValueError("int8 has its own model id: it cannot fall back to torch")

        self._source, base_id, offline = resolve_model(model)
        if not offline:
            raise OnnxUnsupported(f"the ONNX backend needs a local model folder, not {model!r}")
        self._spec = ModelSpec(Path(self._source))
        self._model_id = base_id + (INT8_SUFFIX if quantize else "")
        self._quantize = quantize
        self._cache_root = Path(cache_dir) if cache_dir is not None else None
        self._device_pref = device
        # int8: one passage a run. Dynamic quantization scales the activations per run, so
        # in a batch a passage's vector moves a little with its batch-mates (cosine ~0.99):
        # one a run keeps each vector the same whatever was indexed with it, as fp32's are,
        # and costs no CPU (no padding; measured equal to batches of 32 on 600 passages)
        self._batch_size = 1 if quantize else max(1, int(batch_size))
        self._allow_export = allow_export
        self._threads = threads or os.cpu_count() or 1
        self._input_names: list[str] = []
        self._tokenizer_json: str | None = None
        self._local = threading.local()
        self._session: LazyModel[Any, Embedder] = LazyModel(
            self._load_session, fallback=fallback, fallback_on=(OnnxUnsupported,),
            why=f"the ONNX backend cannot run {self._model_id}: using torch")
        self.queries = QueryCache()
        self.device: str | None = None
        self.graph_path: Path | None = None
        self.exported = False  # True when this instance had to export (not just load)
        self.embed_calls = 0  # number of texts embedded: tests count work with it

    # -- protocol ---------------------------------------------------------------------

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dim(self) -> int:
        return self._spec.hidden_size

    @property
    def loaded(self) -> bool:
        return self._session.loaded

    @property
    def backend(self) -> str:
        """"onnx", or "torch" once the fallback took over."""
        return "torch" if self._session.delegate is not None else "onnx"

    @property
    def max_seq_length(self) -> int:
        return self._spec.max_seq_length

    def load(self) -> object:
        sess = self._session.get()
        delegate = self._session.delegate
        if delegate is not None:
            self.device = getattr(delegate, "device", None)
            return delegate.load()
        return sess

    def _load_session(self) -> Any:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise OnnxUnsupported(f"onnxruntime is not installed: {exc}") from None
        base_id = self._model_id.removesuffix(INT8_SUFFIX)
        shipped = prebuilt.graph_folder(base_id)
        if shipped is not None and is_exported(shipped, quantize=self._quantize):
            return self._open_shipped(ort, shipped)
        out = graph_dir(base_id, self._source, self._resolve_cache_root())
        for attempt in (1, 2):
            if not is_exported(out, quantize=self._quantize):
                if not self._allow_export:
                    raise OnnxUnsupported(f"no exported ONNX graph in {out}")
                if prebuilt.frozen():            # no torch here to export with
                    raise OnnxUnsupported(prebuilt.needs_torch_message(self._model_id))
                log.info("exporting %s to ONNX in %s (once)", self._model_id, out)
                try:
                    export_onnx(self._source, out, quantize=self._quantize)
                except ModelError:
                    raise
                except Exception as exc:  # noqa: BLE001 - exporter bugs: torch stays usable
                    raise OnnxUnsupported(f"ONNX export failed: {str(exc)[:300]}") from exc
                self.exported = True
            path = out / (INT8_FILE if self._quantize else FP32_FILE)
            try:
                sess = self._new_session(ort, path)
                break
            except Exception as exc:  # noqa: BLE001 - a damaged cache is rebuilt once
                if attempt == 2 or not self._allow_export:
                    raise OnnxUnsupported(f"cannot load the ONNX graph {path}: "
                                          f"{str(exc)[:300]}") from None
                log.warning("the cached ONNX graph %s is damaged (%s): exporting again", out, exc)
                shutil.rmtree(out, ignore_errors=True)
        return self._opened(sess, path)

    def _open_shipped(self, ort: Any, folder: Path) -> Any:
        """The graph built into the bundle: read-only, so a damaged one is reported (the
        bundle is damaged), never removed or rebuilt."""
        path = folder / (INT8_FILE if self._quantize else FP32_FILE)
        try:
            sess = self._new_session(ort, path)
        except Exception as exc:  # noqa: BLE001 - onnxruntime's errors have no common type
            raise ModelError(f"the model graph {path} is damaged ({str(exc)[:200]}): "
                             "download the app again") from None
        return self._opened(sess, path)

    def _opened(self, sess: Any, path: Path) -> Any:
        self._tokenizer_json = (self._spec.folder / "tokenizer.json").read_text(encoding="utf-8")
        self._input_names = [i.name for i in sess.get_inputs()]
        self.device = "cuda" if sess.get_providers()[0] == "CUDAExecutionProvider" else "cpu"
        self.graph_path = path
        return sess

    def _new_session(self, ort: Any, path: Path) -> Any:
        so = session_options(ort, self._threads)
        providers = ["CPUExecutionProvider"]
        if self._device_pref in ("auto", "cuda") or self._device_pref.startswith("cuda:"):
            if "CUDAExecutionProvider" in ort.get_available_providers():
                providers.insert(0, "CUDAExecutionProvider")
        return ort.InferenceSession(str(path), so, providers=providers)

    def _documents(self, texts: Sequence[str]) -> list[str]:
        return self._as_documents(texts)

    def _query_text(self, text: str) -> str:
        return self._spec.query_prompt + text

    def token_lengths(self, texts: Sequence[str]) -> np.ndarray | None:
        """How many word pieces each text is for the model (with its document prompt):
        the indexer orders its backlog by it, so a batch pads little. None once torch
        runs the model (the fallback has no such count)."""
        if self._session.get() is None:
            return None
        return self._tokenize(self._as_documents(texts))[1]

    def _fallen_back(self) -> Embedder:
        delegate = super()._fallen_back()
        self.device = getattr(delegate, "device", None)
        return delegate

    # -- internals --------------------------------------------------------------------

    def _as_documents(self, texts: Sequence[str]) -> list[str]:
        prompt = self._spec.document_prompt
        return [prompt + t for t in texts] if prompt else list(texts)

    def _tokenize(self, texts: list[str]) -> tuple[list[Any], np.ndarray]:
        """The model's encodings of texts and their lengths in word pieces."""
        if self._spec.do_lower_case:
            texts = [t.lower() for t in texts]
        encs = self._tokenizer().encode_batch(texts)
        return encs, np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))

    def _resolve_cache_root(self) -> Path:
        if self._cache_root is None:
            from desktop_search import paths

            self._cache_root = paths.cache_dir()
        return self._cache_root

    def _tokenizer(self) -> Any:
        """One tokenizer per thread: a shared one raises "Already borrowed" under threads."""
        tok = getattr(self._local, "tok", None)
        if tok is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_str(self._tokenizer_json or "")
            tok.no_padding()  # tokenizer.json may pad to a fixed length; we pad per batch
            tok.enable_truncation(max_length=self._spec.max_seq_length)
            self._local.tok = tok
        return tok

    def _encode(self, sess: Any, texts: list[str]) -> np.ndarray:
        encs, lengths = self._tokenize(texts)
        # longest first, as sentence-transformers does: batches of similar lengths pad less
        order = np.argsort(-lengths, kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        want_types = "token_type_ids" in self._input_names
        for start in range(0, len(texts), self._batch_size):
            idx = order[start:start + self._batch_size]
            width = int(lengths[idx].max())
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64) if want_types else None
            for row, i in enumerate(idx):
                e = encs[i]
                n = len(e.ids)
                ids[row, :n] = e.ids
                mask[row, :n] = 1
                if types is not None:
                    types[row, :n] = e.type_ids
            feeds = {"input_ids": ids, "attention_mask": mask}
            if types is not None:
                feeds["token_type_ids"] = types
            hidden = sess.run(None, {k: v for k, v in feeds.items() if k in self._input_names})[0]
            out[idx] = _pool(hidden, mask, self._spec.pooling)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.maximum(norms, 1e-12)
        return out


def _pool(hidden: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    m = mask[..., None].astype(hidden.dtype)
    if mode == "cls":
        return hidden[:, 0]
    if mode == "max":
        top: np.ndarray = np.where(m > 0, hidden, -1e9).max(axis=1)
        return top
    summed = (hidden * m).sum(axis=1)
    count = np.maximum(m.sum(axis=1), 1e-9)
    pooled: np.ndarray = summed / (np.sqrt(count) if mode == "mean_sqrt_len" else count)
    return pooled

