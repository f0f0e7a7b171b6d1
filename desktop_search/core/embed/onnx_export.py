"""Export a sentence-transformers model to ONNX once (torch, only then) into the cache.

The model's transformer is exported once (torch, only then) into the cache folder; later
starts load the graph with onnxruntime and tokenize with the model's own ``tokenizers``
file, then apply the model's pooling and L2-normalize, as sentence-transformers does.

fp32 vectors match the torch backend's (cosine > 0.9999), so they share its model id.
int8 (dynamic quantization) vectors differ slightly (cosine ~0.99) and depend a little on
what else is in the batch, so int8 gets its own model id (``<id>+int8``): the catalog
never mixes them with fp32 or torch vectors.
"""
from __future__ import annotations

from typing import Any, Iterator

import contextlib
import hashlib
import json
import logging
import os
import re
import time
from pathlib import Path

import numpy as np

from desktop_search.core.embed import base, graph_cache
from desktop_search.errors import ModelError

log = logging.getLogger(__name__)

MANIFEST_FILE = graph_cache.MANIFEST_FILE

#: bump when the export recipe changes: cached graphs under another recipe are rebuilt
EXPORT_RECIPE = "1"
FP32_FILE = "model.onnx"
#: the int8 recipe's version is in the name: a graph quantized by an older recipe is made again
INT8_FILE = "model_int8_v2.onnx"
INT8_SUFFIX = base.INT8_SUFFIX
#: sentence-transformers modules this backend reproduces; any other means "use torch"
_SUPPORTED_MODULES = {"Transformer", "Pooling", "Normalize"}


class OnnxUnsupported(ModelError):
    """This model cannot run on the ONNX backend (the torch backend still can)."""


# --------------------------------------------------------------------------- model folder


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise OnnxUnsupported(f"cannot read {path.name} of the model: {exc}") from None


class ModelSpec:
    """What the ONNX backend needs to know from a sentence-transformers model folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        if not (folder / "tokenizer.json").is_file():
            raise OnnxUnsupported(f"{folder} has no tokenizer.json (a fast tokenizer)")
        modules = _read_json(folder / "modules.json")
        self.transformer_path = folder
        self.pooling_path: Path | None = None
        if isinstance(modules, list):
            for m in modules:
                kind = str(m.get("type", "")).rsplit(".", 1)[-1]
                if kind not in _SUPPORTED_MODULES:
                    raise OnnxUnsupported(f"the ONNX backend has no {kind} module")
                if kind == "Transformer":
                    self.transformer_path = folder / m.get("path", "")
                elif kind == "Pooling":
                    self.pooling_path = folder / m.get("path", "")
        st_cfg = _read_json(folder / "sentence_bert_config.json") or {}
        cfg = _read_json(self.transformer_path / "config.json") or _read_json(folder / "config.json") or {}
        tok_cfg = _read_json(folder / "tokenizer_config.json") or {}
        max_len = st_cfg.get("max_seq_length")
        if not max_len:
            given = [tok_cfg.get("model_max_length"), cfg.get("max_position_embeddings")]
            candidates = [int(c) for c in given if isinstance(c, (int, float)) and c < 100_000]
            max_len = min(candidates) if candidates else 512
        self.max_seq_length = int(max_len)
        self.do_lower_case = bool(st_cfg.get("do_lower_case", False))
        self.hidden_size = int(cfg.get("hidden_size") or cfg.get("dim") or 0)
        self.num_heads = int(cfg.get("num_attention_heads") or cfg.get("n_heads") or 0)
        self.model_type = str(cfg.get("model_type", ""))
        pool = (_read_json(self.pooling_path / "config.json") if self.pooling_path else None) or {}
        self.pooling = _pooling_mode(pool)
        if pool.get("include_prompt") is False:
            raise OnnxUnsupported("pooling without the prompt tokens is not supported")
        if pool.get("word_embedding_dimension"):
            self.hidden_size = int(pool["word_embedding_dimension"])
        st = _read_json(folder / "config_sentence_transformers.json") or {}
        prompts = st.get("prompts") or {}
        default = prompts.get(st.get("default_prompt_name") or "", "")
        self.query_prompt = prompts.get("query", default) or ""
        self.document_prompt = next(
            (prompts[k] for k in ("document", "passage", "corpus") if k in prompts), default) or ""


def _pooling_mode(cfg: dict[str, Any]) -> str:
    mode = cfg.get("pooling_mode")
    if isinstance(mode, str):
        mode = {"mean_tokens": "mean", "cls_token": "cls", "max_tokens": "max"}.get(mode, mode)
    else:
        modes = [m for m in ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens",
                             "weightedmean_tokens", "lasttoken")
                 if cfg.get(f"pooling_mode_{m}")]
        if len(modes) > 1:
            raise OnnxUnsupported("concatenated pooling modes are not supported")
        first = modes[0] if modes else "mean_tokens"
        mode = {"cls_token": "cls", "mean_tokens": "mean", "max_tokens": "max",
                "mean_sqrt_len_tokens": "mean_sqrt_len"}.get(first, first)
    if mode not in ("mean", "cls", "max", "mean_sqrt_len"):
        raise OnnxUnsupported(f"pooling {mode!r} is not supported by the ONNX backend")
    return mode


def model_fingerprint(folder: Path) -> str:
    """Hash of the model files' names, sizes and mtimes: a changed model re-exports."""
    h = hashlib.sha256(f"recipe={EXPORT_RECIPE}".encode())
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if not p.is_file() or rel.startswith(".") or "/." in rel:
            continue
        st = p.stat()
        h.update(f"\0{rel}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def graph_dir(model_id: str, source: str | Path, cache_root: Path) -> Path:
    """``<cache>/onnx/<safe model id>-<fingerprint>``: one folder per model version."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("._")[-80:] or "model"
    return Path(cache_root) / "onnx" / f"{safe}-{model_fingerprint(Path(source))}"


def onnx_available() -> bool:
    """Whether the runtime pieces are installed (without importing them: that is slow)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None
               for m in ("onnxruntime", "onnx", "tokenizers"))


def is_exported(out_dir: Path, *, quantize: bool = False) -> bool:
    out_dir = Path(out_dir)
    return ((out_dir / MANIFEST_FILE).is_file() and (out_dir / FP32_FILE).is_file()
            and (not quantize or (out_dir / INT8_FILE).is_file()))


# --------------------------------------------------------------------------- export


def export_onnx(model_source: str | Path, out_dir: str | Path, *, quantize: bool = False) -> Path:
    """Export the model's transformer to ``out_dir/model.onnx`` (and its int8 graph).

    Needs torch and transformers (imported here only). The folder appears complete or not
    at all: everything is written to a temporary sibling and renamed into place, so a kill
    mid-export never leaves a half graph; a concurrent exporter's folder wins the race.
    The int8 file, when asked for later, is added atomically too (it needs only onnx).
    """
    source = Path(model_source)
    out_dir = Path(out_dir)

    def fill(tmp: Path) -> dict[str, Any]:
        manifest = _export_fp32(source, tmp)
        if quantize:
            _quantize(tmp / FP32_FILE, tmp / INT8_FILE)
        return manifest

    graph_cache.build_folder(out_dir, fill, complete=is_exported)
    if quantize and not (out_dir / INT8_FILE).is_file():
        graph_cache.add_file(out_dir, INT8_FILE, lambda part: _quantize(out_dir / FP32_FILE, part))
        for older in out_dir.glob("model_int8*.onnx"):   # an older recipe's graph
            if older.name != INT8_FILE:
                older.unlink(missing_ok=True)
    return out_dir


def _reference(torch: Any, model: Any, names: list[str]) -> tuple[dict[str, Any], Any]:
    """The inputs the exported graph is checked on and torch's own output for them."""
    # varied lengths, right padding
    check_ids = torch.tensor([[101, 7592, 2088, 1010, 2023, 2003, 1037, 2936, 6251, 102],
                              [101, 2460, 3160, 102, 0, 0, 0, 0, 0, 0],
                              [101, 102, 0, 0, 0, 0, 0, 0, 0, 0]], dtype=torch.long)
    check_ids = check_ids.clamp(max=int(getattr(model.config, "vocab_size", 30000)) - 1)
    check = {"input_ids": check_ids, "attention_mask": (check_ids != 0).long(),
             "token_type_ids": torch.zeros_like(check_ids)}
    with torch.no_grad():
        expected = model(**{n: check[n] for n in names}).last_hidden_state.numpy()
    return check, expected


def _fuse_or_keep(raw: Path, final: Path, *, spec: ModelSpec, feeds: dict[str, Any],
                  expected: Any) -> tuple[bool, float]:
    """The graph at ``final``: onnxruntime's fused one when it gives torch's numbers, else
    the plain export (``raw``); (fused, its largest error). Raises when neither agrees."""
    import warnings

    fused = False
    try:
        from onnxruntime.transformers import optimizer

        with warnings.catch_warnings(), _quiet_fusion_logs():
            warnings.simplefilter("ignore")
            opt = optimizer.optimize_model(str(raw), model_type="bert", num_heads=spec.num_heads,
                                           hidden_size=spec.hidden_size, opt_level=0)
            opt.save_model_to_file(str(final))
        err = _max_error(final, feeds, expected)
        fused = err < 1e-3
        if not fused:
            log.warning("fused ONNX graph differs from torch by %.2g: keeping the plain one", err)
    except Exception as exc:  # noqa: BLE001 - the fusion is an optimization only
        log.warning("onnxruntime transformer fusion failed (%s): keeping the plain graph", exc)
    if not fused:
        os.replace(raw, final)
        err = _max_error(final, feeds, expected)
        if err >= 1e-3:
            raise OnnxUnsupported(f"the exported ONNX graph differs from torch by {err:.2g}")
    elif raw.exists():
        raw.unlink()
    return fused, float(err)


def _trace(torch: Any, model: Any, names: list[str], tmp: Path) -> Path:
    """The model's last hidden state traced to ONNX (``raw.onnx`` in ``tmp``)."""
    import warnings

    class _Hidden(torch.nn.Module):  # type: ignore[misc]  # torch is read as Any
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(names, args))).last_hidden_state

    # padding in the example, so the masking path is traced with a real mask
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 6251, 2007, 2062, 102],
                        [101, 2460, 102, 0, 0, 0, 0, 0, 0]], dtype=torch.long)
    ids = ids.clamp(max=int(getattr(model.config, "vocab_size", 30000)) - 1)
    mask = (ids != 0).long()
    example = {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}
    args = tuple(example[n] for n in names)
    wrapper = _Hidden(model).eval()  # a fresh Module trains: export would restore dropout on
    raw = tmp / "raw.onnx"
    dyn = {n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(wrapper, args, str(raw), input_names=names,
                              output_names=["last_hidden_state"], dynamic_axes=dyn,
                              opset_version=17, do_constant_folding=True, dynamo=False)
        except TypeError:  # a torch without the TorchScript exporter: needs onnxscript
            torch.onnx.export(wrapper, args, str(raw), input_names=names,
                              output_names=["last_hidden_state"],
                              dynamic_shapes={n: {0: "batch", 1: "sequence"} for n in names},
                              opset_version=18, dynamo=True)
    return raw


def _export_fp32(source: Path, tmp: Path) -> dict[str, Any]:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    spec = ModelSpec(source)
    t0 = time.perf_counter()

    try:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError as exc:
        raise OnnxUnsupported(f"exporting to ONNX needs torch and transformers: {exc}") from None
    try:
        # eager attention traces to the pattern onnxruntime fuses into its Attention op
        model = AutoModel.from_pretrained(str(spec.transformer_path), attn_implementation="eager")
    except Exception as exc:  # noqa: BLE001 - any load failure means "not exportable"
        raise OnnxUnsupported(f"cannot load the model for export: {str(exc)[:300]}") from None
    model.eval()
    import inspect

    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in inspect.signature(model.forward).parameters:
        names.append("token_type_ids")

    check, expected = _reference(torch, model, names)
    raw = _trace(torch, model, names, tmp)
    feeds = {n: check[n].numpy() for n in names}
    export_s = time.perf_counter() - t0

    # onnxruntime's transformer fusions (Attention, EmbedLayerNormalization, ...) make the
    # graph faster on every provider; keep them only if the graph still gives the same
    # numbers, else keep the plain export (always correct, a little slower).
    final = tmp / FP32_FILE
    fused, err = _fuse_or_keep(raw, final, spec=spec, feeds=feeds, expected=expected)
    return {
        "recipe": EXPORT_RECIPE,
        "source": str(source),
        "inputs": names,
        "fused": fused,
        "max_abs_error": float(err),
        "export_s": round(time.perf_counter() - t0, 2),
        "trace_s": round(export_s, 2),
        "torch": torch.__version__,
    }


@contextlib.contextmanager
def _quiet_fusion_logs() -> Iterator[None]:
    """onnxruntime.transformers logs every fusion at INFO under top-level module names."""
    import sys

    import onnxruntime.transformers as ort_tf

    root = os.path.dirname(ort_tf.__file__)
    saved = {}
    for name, mod in list(sys.modules.items()):
        if (getattr(mod, "__file__", None) or "").startswith(root):
            lg = logging.getLogger(name)
            saved[name] = lg.level
            lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _max_error(path: Path, feeds: dict[str, Any], expected: np.ndarray) -> float:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(None, feeds)[0]
    mask = feeds["attention_mask"].astype(bool)
    return float(np.abs(got[mask] - expected[mask]).max())


def _quantize(src: Path, dst: Path) -> None:
    """Dynamic int8: per-channel weights keep cosine to fp32 ~0.99 (per-tensor: ~0.93).

    Only the matrix products (MatMul, the fused Attention's projections) are quantized:
    they are the work. The word-embedding table is a lookup, so quantizing it saves no
    time and only loses precision (end to end it cost med 0.77 nDCG@10; benchmarks/NOTES.md).
    """
    import warnings

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    hush = _DropQuantizerAdvice()
    root.addFilter(hush)  # it logs "consider pre-processing" on the root logger
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul", "Attention"],
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.removeFilter(hush)


class _DropQuantizerAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "onnxruntime" not in record.pathname
