"""The picture index as the settings ask for it, its pictures decoded for the image model
in the sandboxed child like every reader."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop_search.config import Settings
from desktop_search.core.indexing.sandbox import SandboxedExtractor
from desktop_search.core.store.catalog import Catalog
from desktop_search.core.store.picture_index import PictureIndex


def make_picture_index(*, settings: Settings, data_dir: Path, catalog: Catalog) -> PictureIndex | None:
    """The picture index when "Search pictures by what they show" is on, else None.
    Cheap: the image model loads on first use, never here."""
    if not settings.picture_search:
        return None
    # pictures are decoded for the model in a sandboxed child, like every reader
    sandbox = SandboxedExtractor(timeout_s=settings.extract_timeout_s,
                                 target="desktop_search.core.embed.clip:load_for_clip")
    # the setting is the user's consent to the one download this app makes
    return PictureIndex(data_dir=data_dir, catalog=catalog,
                        model=settings.picture_model, device="cpu", allow_download=True,
                        loader=_SandboxedLoader(sandbox, settings))


class _SandboxedLoader:
    """path -> picture for the image model, decoded in the sandboxed child."""

    def __init__(self, sandbox: SandboxedExtractor, settings: Settings) -> None:
        self.sandbox = sandbox
        self.settings = settings

    def __call__(self, path: str) -> Any:
        return self.sandbox(path, max_bytes=self.settings.max_file_bytes)

    def close(self) -> None:
        self.sandbox.close()
