"""Pictures by what they show: a joint text-image model (CLIP) through sentence-transformers.

Off unless the user turns on "Search pictures by what they show": the default model,
``clip-ViT-B-32``, is the one download this app makes (about 600 MB), so it is fetched
only on request; a local model folder never touches the network. Image vectors and the
text model's vectors live in different spaces (and dimensions), so pictures get their
own vector index (``image_vectors.usearch``) and are fused with text hits after each
side's scores are calibrated (``search.fuse_pictures``).
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from desktop_search.errors import ModelError

log = logging.getLogger(__name__)

DEFAULT_CLIP = "clip-ViT-B-32"
#: what the download costs (shown before asking for it)
DEFAULT_CLIP_MB = 605
#: pictures are reduced to this many pixels on the long side before the model sees them
#: (CLIP itself looks at 224 x 224): decoding a big photo reduced is what costs less
CLIP_INPUT_SIDE = 448


class ClipEmbedder:
    """Images and queries into one space. ``load`` takes seconds: never on the GUI thread."""

    def __init__(self, model: str = DEFAULT_CLIP, *, device: str = "cpu",
                 allow_download: bool = False) -> None:
        p = Path(model).expanduser()
        self._local = p.is_dir()
        self._source = str(p.resolve()) if self._local else model
        self.model_id = "clip:" + self._source
        self._device = device
        self._allow_download = allow_download
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def needs_download(self) -> bool:
        """True when loading would fetch the model (the window asks first, showing the size)."""
        return not self._local

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def dim(self) -> int:
        from desktop_search.core.embed.sentence_transformers import model_dim

        return model_dim(self.load())

    def load(self, *, on_download: DownloadReport | None = None) -> Any:
        """The model, loaded once. A named model not on this computer is downloaded first
        (when allowed); ``on_download(bytes done, bytes in all)`` follows the download."""
        with self._lock:
            if self._model is not None:
                return self._model
            source = self._source
            if self._local:
                os.environ["HF_HUB_OFFLINE"] = "1"
            elif not self._allow_download:
                raise ModelError(f"the picture model {self._source!r} is not on this computer; "
                                 "turn on “Search pictures by what they show” to download it")
            try:
                from sentence_transformers import SentenceTransformer

                if not self._local:
                    source = download(self._source, on_download=on_download)
                model = SentenceTransformer(source, device=self._device)
            except Exception as exc:  # noqa: BLE001 - any load failure is the model choice
                msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ModelError(f"cannot load the picture model {self._source!r}: {msg[:300]}") from None
            self._model = model
            return model

    def embed_images(self, images: Sequence[Any]) -> np.ndarray:
        """Unit vectors for PIL images (RGB)."""
        model = self.load()
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = model.encode(list(images), batch_size=16, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """The text side of the model, for a query against pictures."""
        model = self.load()
        vec = model.encode([text], normalize_embeddings=True, convert_to_numpy=True,
                           show_progress_bar=False)[0]
        return np.asarray(vec, dtype=np.float32)


#: (bytes done, bytes in all) while a model downloads
DownloadReport = Callable[[int, int], None]


def hub_repo(name: str) -> str:
    """'clip-ViT-B-32' -> 'sentence-transformers/clip-ViT-B-32' (sentence-transformers'
    short names); 'org/model' stays."""
    return name if "/" in name else f"sentence-transformers/{name}"


def download(name: str, *, on_download: DownloadReport | None = None) -> str:
    """The model's files in the Hugging Face cache (fetched when missing): its folder.

    huggingface_hub's ``snapshot_download`` takes the progress bar class it draws with
    (``tqdm_class``); ours draws nothing and reports the bytes, summed over the files."""
    from huggingface_hub import snapshot_download

    kwargs: dict[str, Any] = {}
    if on_download is not None:
        kwargs["tqdm_class"] = _reporting_bar(on_download)
    return str(snapshot_download(hub_repo(name), **kwargs))


class _Quiet:
    def write(self, _s: str) -> None:
        pass

    def flush(self) -> None:
        pass


def _reporting_bar(report: DownloadReport) -> type:
    """A tqdm class that prints nothing and hands on its byte counts. snapshot_download
    makes a few bars (files fetched, bytes received, bytes written): the bytes ones are
    summed over every file, so the largest count of them is the download's progress."""
    from tqdm import tqdm

    lock = threading.Lock()
    last = [0, 0]

    class ReportingBar(tqdm):  # type: ignore[misc]  # tqdm is read as Any
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("name", None)
            kwargs["file"] = _Quiet()
            kwargs["disable"] = False
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            shown = super().update(n)
            if self.unit == "B" and self.total:
                with lock:
                    done, total = int(self.n), int(self.total)
                    if (done, total) > tuple(last):
                        last[:] = [done, total]
                        report(done, total)
            return bool(shown) if shown is not None else None

    return ReportingBar


def load_for_clip(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> Any:
    """A picture, upright and reduced, ready for the model (decoding errors are ExtractErrors).

    The indexer runs this in a sandboxed child (a PIL image pickles): decoding an
    untrusted picture must never be able to take the indexer down.
    """
    if max_bytes is not None and os.path.getsize(path) > max_bytes:
        from desktop_search.errors import TooLarge

        raise TooLarge("the picture is over the size cap")
    from PIL import ImageOps

    from desktop_search.core.extract.images import open_picture

    with open_picture(path) as img:
        if img.format == "JPEG":
            img.draft("RGB", (CLIP_INPUT_SIDE, CLIP_INPUT_SIDE))
        frame = ImageOps.exif_transpose(img).convert("RGB")
        frame.thumbnail((CLIP_INPUT_SIDE, CLIP_INPUT_SIDE))
        return frame


def build_tiny_clip(folder: str | os.PathLike[str], *, seed: int = 0) -> Path:
    """A tiny, randomly initialised CLIP saved as a sentence-transformers model.

    No registry ships CLIP weights, so tests (and a user trying the feature offline)
    prove the whole path with this: load, embed images and text, store, search, remove.
    Its vectors mean nothing; its shapes and plumbing are the real ones.
    """
    import json

    import torch
    from transformers import CLIPConfig, CLIPModel, CLIPProcessor, CLIPTokenizerFast
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    try:
        from transformers.models.clip.image_processing_pil_clip import (
            CLIPImageProcessorPil as ImageProcessor,
        )
    except ImportError:  # older transformers
        from transformers import CLIPImageProcessor as ImageProcessor

    out = Path(folder)
    raw = out / "hf"
    raw.mkdir(parents=True, exist_ok=True)
    chars = list(bytes_to_unicode().values())
    vocab = {c: i for i, c in enumerate(chars)}
    for c in chars:
        vocab[c + "</w>"] = len(vocab)
    bos, eos = len(vocab), len(vocab) + 1
    vocab["<|startoftext|>"], vocab["<|endoftext|>"] = bos, eos
    (raw / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (raw / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    tok = CLIPTokenizerFast(vocab_file=str(raw / "vocab.json"), merges_file=str(raw / "merges.txt"))
    proc = CLIPProcessor(image_processor=ImageProcessor(
        size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}), tokenizer=tok)
    cfg = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=2, max_position_embeddings=77,
                         bos_token_id=bos, eos_token_id=eos, pad_token_id=eos),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=2, image_size=32, patch_size=8),
        projection_dim=16)
    torch.manual_seed(seed)
    CLIPModel(cfg).save_pretrained(raw)
    proc.save_pretrained(raw)
    from sentence_transformers import SentenceTransformer

    st_dir = out / "st"
    SentenceTransformer(str(raw), device="cpu").save(str(st_dir))
    return st_dir
