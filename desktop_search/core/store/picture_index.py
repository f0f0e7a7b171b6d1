"""Search pictures by what they show: the picture vectors, their index, and the stage that fills it.

The catalog's ``picture_vectors`` table is the truth (one vector per picture file); the
USearch index ``picture_vectors.usearch`` (its own dimension: the image model's) is a
copy, repaired from the catalog when it is opened. Keys are file ids, so a deleted
or changed file's vector is dropped with it (``remove``), and a stale key can never
surface (hits are checked against the catalog).
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from desktop_search.core.store.catalog import Catalog
from desktop_search.core.meta import Meta
from desktop_search.core.store.tables import PictureRows
from desktop_search.core.embed.clip import ClipEmbedder, DownloadReport, load_for_clip
from desktop_search.core.store.vector_index import VectorIndex
from desktop_search.errors import ExtractError

log = logging.getLogger(__name__)

#: pictures embedded per step of the indexing worker (a step stays short: pausable)
PICTURE_BATCH = 8


class PictureIndex:
    """The image model plus the picture vector index of one data folder."""

    def __init__(self, *, data_dir: Path, catalog: Catalog, model: str, device: str = "cpu",
                 allow_download: bool = False, embedder: ClipEmbedder | None = None,
                 loader: Callable[[str], Any] | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.catalog = catalog
        self.rows = PictureRows(catalog)
        self.embedder = embedder or ClipEmbedder(model, device=device, allow_download=allow_download)
        #: path -> upright, reduced PIL image; the engine passes a sandboxed one
        self.loader = loader or load_for_clip
        self._vectors: VectorIndex | None = None
        #: why the image model could not be used (None: fine, or not tried yet)
        self.error: str | None = None
        self._lock = threading.RLock()

    @property
    def loaded(self) -> bool:
        return self._vectors is not None

    def vectors(self) -> VectorIndex:
        """The index, opened (and repaired from the catalog); loads the model if the
        catalog's picture vectors were made by another one (they are then redone)."""
        with self._lock:
            if self._vectors is not None:
                return self._vectors
            model_id = self.embedder.model_id
            old_id = self.catalog.get_meta(Meta.PICTURE_MODEL)
            dim = int(self.catalog.get_meta(Meta.PICTURE_DIM) or 0)
            path = self.data_dir / "picture_vectors.usearch"
            if old_id != model_id or not dim:
                dim = self.embedder.dim
                if old_id is not None:
                    log.warning("picture model changed from %s to %s: redoing picture vectors",
                                old_id, model_id)
                self.rows.clear()
                VectorIndex(path, ndim=dim).remove_files()
                with self.catalog.transaction() as c:
                    self.catalog.set_meta(Meta.PICTURE_MODEL, model_id, conn=c)
                    self.catalog.set_meta(Meta.PICTURE_DIM, str(dim), conn=c)
            vi = VectorIndex(path, ndim=dim)
            vi.load()
            self._sync(vi)
            self._vectors = vi
            return vi

    def _wanted(self) -> tuple[np.ndarray, np.ndarray]:
        ids, vecs = self.rows.vectors()
        if len(ids):
            real = np.abs(vecs.astype(np.float32)).sum(axis=1) > 0   # zero = unreadable picture
            ids, vecs = ids[real], vecs[real]
        return ids, vecs

    def _sync(self, vi: VectorIndex) -> None:
        ids, vecs = self._wanted()
        have = vi.keys()
        extra = np.setdiff1d(have, ids)
        missing = np.isin(ids, have, invert=True)
        if len(extra):
            vi.remove(extra)
        if missing.any():
            vi.add(ids[missing], vecs[missing])

    def mismatch(self) -> str | None:
        """What ``doctor`` reports when the picture index and the catalog disagree: the
        open index, else the file on disk as it is (read without the image model, and
        before opening mends it in memory). None when they agree."""
        with self._lock:
            ids, _ = self._wanted()
            if self._vectors is not None:
                have = self._vectors.keys()
            else:
                dim = int(self.catalog.get_meta(Meta.PICTURE_DIM) or 0)
                if not dim:
                    return None             # no picture was ever embedded here
                on_disk = VectorIndex(self.data_dir / "picture_vectors.usearch", ndim=dim)
                if not on_disk.load():
                    if not len(ids) and not on_disk.path.exists() and not on_disk.meta_path.exists():
                        return None
                    return (f"the picture index is missing or damaged ({len(ids)} pictures "
                            "to put back from the catalog)")
                have = on_disk.keys()
                del on_disk
        extra, missing = len(np.setdiff1d(have, ids)), len(np.setdiff1d(ids, have))
        if not (extra or missing):
            return None
        return (f"the picture index disagrees with the catalog ({missing} pictures missing, "
                f"{extra} of pictures no longer there)")

    def repair(self) -> None:
        """Bring the index back in line with the catalog's picture vectors, and save it
        (a damaged file is rebuilt from them; no picture is embedded again)."""
        with self._lock:
            vi = self.vectors()            # opening puts back what is missing
            self._sync(vi)
            vi.save(self.catalog.vector_generation())

    def embed_some(self, limit: int = PICTURE_BATCH, *,
                   on_download: DownloadReport | None = None) -> int:
        """Embed up to ``limit`` pictures that have no vector yet. Returns how many were
        tried. The first call loads the model: ``on_download`` follows its one-time
        download, if it has to be fetched."""
        rows = self.rows.without_vector(limit)
        if not rows:
            return 0
        self.embedder.load(on_download=on_download)
        vi = self.vectors()
        images, keep = [], []
        for r in rows:
            try:
                images.append(self.loader(r.path))
                keep.append(r)
            except (ExtractError, OSError) as exc:
                # unreadable here (the OCR stage reports why): a zero vector marks it done
                log.info("no picture vector for %s: %s", r.path, exc)
                self.rows.store(r.id, np.zeros(vi.ndim, dtype=np.float32), size=r.size,
                                mtime_ns=r.mtime_ns)
        if images:
            vecs = self.embedder.embed_images(images)
            stored = [r.id for r, v in zip(keep, vecs)
                      if self.rows.store(r.id, v, size=r.size, mtime_ns=r.mtime_ns)]
            if stored:
                mask = np.isin([r.id for r in keep], stored)
                vi.add(np.asarray(stored, dtype=np.uint64), np.asarray(vecs[mask], dtype=np.float16))
        return len(rows)

    def pending(self) -> int:
        return self.rows.count_without_vector()

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """Pictures nearest to a text query: (file id, cosine), best first."""
        if self._vectors is None and not self.catalog.get_meta(Meta.PICTURE_DIM):
            return []   # no picture embedded yet: nothing to find, and no model to fetch
                        # on the query thread (the indexer downloads it, showing progress)
        vi = self.vectors()
        if not len(vi):
            return []
        return vi.search(self.embedder.embed_query(query), k)

    def similar(self, file_id: int, k: int) -> list[tuple[int, float]]:
        """Pictures that look like this one ("more like this" on a picture)."""
        vec = self.rows.vector(file_id)
        if vec is None or not np.any(vec):
            return []
        vi = self.vectors()
        return [(fid, s) for fid, s in vi.search(vec.astype(np.float32), k + 1) if fid != file_id]

    def remove(self, file_ids: Iterable[int]) -> None:
        ids = [int(i) for i in file_ids]
        if ids and self._vectors is not None:
            self._vectors.remove(ids)

    def save(self) -> None:
        with self._lock:
            if self._vectors is not None and self._vectors.dirty:
                self._vectors.save(self.catalog.vector_generation())

    def close(self) -> None:
        self.save()
        close = getattr(self.loader, "close", None)
        if close is not None:
            close()


__all__ = ["PICTURE_BATCH", "PictureIndex"]
