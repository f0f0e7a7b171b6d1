"""The engine: the one object the CLI, the window and the tests drive.

It owns the catalog, the vector index and the embedder, and answers queries. The
indexing worker that keeps it current is ``core.indexing.IndexService``; checks and
repairs are ``core.doctor``. Nothing here imports Qt.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import numpy as np

from desktop_search import paths
from desktop_search.config import Settings
from desktop_search.core.catalog import Catalog
from desktop_search.core.embed import embedder_for
from desktop_search.core.indexer import Indexer
from desktop_search.core.scan import is_under, norm
from desktop_search.core.search import Filters, Hit, rank
from desktop_search.core.vectors import VectorIndex
from desktop_search.errors import ConfigError, IndexCorrupt, ModelError

log = logging.getLogger(__name__)

class Engine:
    def __init__(self, data_dir: str | os.PathLike | None = None, *,
                 settings: Settings | None = None, embedder=None) -> None:
        self.data_dir = paths.ensure_data_dir(Path(data_dir) if data_dir else None)
        self.settings_path = self.data_dir / "settings.json"
        self.settings = settings if settings is not None else Settings.load(self.settings_path)
        self.settings.validate()
        _remove_stale_temp_files(self.data_dir)
        #: a message for the user about something the engine had to repair at start
        self.notice: str | None = None
        self.catalog = self._open_catalog()
        self._embedder = embedder
        self._vectors: VectorIndex | None = None
        self._model_lock = threading.RLock()
        self.model_error: str | None = None
        self.indexer = Indexer(catalog=self.catalog, settings=self.settings,
                               vectors_getter=self.vectors, embedder_getter=self.embedder)

    def _open_catalog(self) -> Catalog:
        """Open the catalog; a damaged one is set aside and rebuilt, never used silently."""
        path = self.data_dir / "catalog.sqlite3"
        try:
            return Catalog(path)
        except IndexCorrupt as exc:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            for suffix in ("", "-wal", "-shm"):
                f = Path(str(path) + suffix)
                if f.exists():
                    os.replace(f, Path(f"{path}{suffix}.damaged-{stamp}"))
            VectorIndex(self.data_dir / "vectors.usearch", ndim=0).remove_files()
            log.warning("%s; set it aside and rebuilding the index", exc)
            cat = Catalog(path)
            for root in self._saved_roots():
                cat.add_root(root)
            self.notice = (f"The index was damaged ({exc}); it was set aside and is being "
                           "rebuilt from your folders.")
            return cat

    def _saved_roots(self) -> list[str]:
        import json

        try:
            return list(json.loads((self.data_dir / "roots.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return []

    def _save_roots(self) -> None:
        import json

        from desktop_search.config import atomic_write_text

        atomic_write_text(self.data_dir / "roots.json",
                          json.dumps([r["path"] for r in self.catalog.roots()]))

    # -- model and vectors ---------------------------------------------------------------
    def _model(self):
        """The configured embedder object, not necessarily loaded (cheap)."""
        with self._model_lock:
            if self._embedder is None:
                self._embedder = embedder_for(self.settings)
            return self._embedder

    def embedder(self):
        """The embedder, loaded (this can take seconds: never call it on a GUI thread)."""
        emb = self._model()
        if hasattr(emb, "load"):
            try:
                emb.load()
            except ModelError as exc:
                self.model_error = str(exc)
                raise
        self.model_error = None
        return emb

    @property
    def vectors_open(self) -> bool:
        """Whether the vector index is open (opening it may have to load the model)."""
        return self._vectors is not None

    @property
    def model_ready(self) -> bool:
        e = self._embedder
        return e is not None and getattr(e, "loaded", True) and self._vectors is not None

    def vectors(self) -> VectorIndex:
        """The vector index for the current model; re-embeds if the model changed.

        When the catalog's vectors were made by the configured model, the index opens
        without loading the model (start-up and ``doctor`` stay fast).
        """
        with self._model_lock:
            if self._vectors is not None:
                return self._vectors
            model_id = self._model().model_id
            old_id = self.catalog.get_meta("model_id")
            old_dim = int(self.catalog.get_meta("dim") or 0)
            vec_path = self.data_dir / "vectors.usearch"
            if old_id == model_id and old_dim:
                dim = old_dim
            else:
                dim = int(self.embedder().dim)
                if old_id is not None:
                    log.warning("model changed from %s to %s: re-embedding every passage",
                                old_id, model_id)
                    self.catalog.clear_vectors()
                    VectorIndex(vec_path, ndim=dim).remove_files()
                with self.catalog.transaction() as c:
                    self.catalog.set_meta("model_id", model_id, conn=c)
                    self.catalog.set_meta("dim", str(dim), conn=c)
            vi = VectorIndex(vec_path, ndim=dim)
            loaded = vi.load()
            if not loaded or vi.generation != self.catalog.vector_generation():
                added, removed = vi.sync_from(self.catalog)
                if added or removed or not loaded:
                    log.info("vector index repaired from the catalog (+%d, -%d)", added, removed)
                    vi.save(self.catalog.vector_generation())
            self._vectors = vi
            return vi

    def save(self) -> None:
        """Persist the vector index if it changed (atomic)."""
        with self._model_lock:
            if self._vectors is not None and self._vectors.dirty:
                self._vectors.save(self.catalog.vector_generation())

    # -- roots ---------------------------------------------------------------------------
    def add_root(self, path: str | os.PathLike) -> str:
        root = norm(path)
        if not os.path.exists(root):
            raise ConfigError(f"no such folder: {path}")
        if not os.path.isdir(root):
            raise ConfigError(f"not a folder: {path}")
        for r in self.catalog.roots():
            if is_under(root, r["path"]):
                return r["path"]  # already covered by a root
        self.catalog.add_root(root)
        # a new root that contains older roots absorbs them
        for r in self.catalog.roots():
            if r["path"] != root and is_under(r["path"], root):
                self.catalog.absorb_root(r["path"], into=root)
        self._save_roots()
        return root

    def remove_root(self, path: str | os.PathLike) -> int:
        root = norm(path)
        if self.catalog.root_id(root) is None:
            raise ConfigError(f"{path} is not an indexed folder")
        dropped = self.catalog.remove_root(root)
        self._save_roots()
        if dropped and self.catalog.get_meta("model_id") is not None:
            self.vectors().remove(dropped)
            self.save()
        return len(dropped)

    def roots(self) -> list[dict]:
        return self.catalog.roots()

    # -- search --------------------------------------------------------------------------
    def search(self, query: str, *, k: int = 10, filters: Filters | None = None,
               dense: bool = True) -> list[Hit]:
        """Ranked files. With ``dense=False`` (model not loaded yet) words alone rank."""
        query = " ".join(query.split())
        if not query:
            return []
        qvec, vecs = None, None
        if dense:
            emb = self.embedder()
            vecs = self.vectors()
            qvec = emb.embed_query(query)
        return rank(catalog=self.catalog, query=query, query_vec=qvec, vectors=vecs, k=k,
                    filters=filters)

    def more_like_this(self, path: str | os.PathLike, *, k: int = 10,
                       filters: Filters | None = None) -> list[Hit]:
        row = self.catalog.get_file(norm(path))
        if row is None:
            raise ConfigError(f"{path} is not in the index")
        vecs = self.vectors()
        ids = [c.id for c in self.catalog.chunks_of_file(row.id)]
        _, v = self.catalog.vectors_for(ids)
        if len(v) == 0:
            return []
        centroid = v.astype(np.float32).mean(axis=0)
        centroid /= np.linalg.norm(centroid) or 1.0
        return rank(catalog=self.catalog, query="", query_vec=centroid, vectors=vecs, k=k,
                    filters=filters, exclude_file=row.id, use_lexical=False)

    # -- status and repair ---------------------------------------------------------------
    def status(self) -> dict:
        st = self.catalog.stats()
        size = sum(f.stat().st_size for f in self.data_dir.iterdir() if f.is_file())
        return dict(
            data_dir=str(self.data_dir), roots=self.catalog.roots(),
            files=st["files_indexed"], chunks=st["chunks"], pending=st["chunks_unembedded"],
            failed=[dict(path=f.path, state=f.state, reason=f.error)
                    for f in self.catalog.failed_files()],
            model=self.catalog.get_meta("model_id") or self.settings.model,
            dim=int(self.catalog.get_meta("dim") or 0) or None,
            size_bytes=size)

    def doctor(self, *, repair: bool = False) -> dict:
        """Check that the catalog, the word index and the vector index agree."""
        from desktop_search.core.doctor import check

        return check(self, repair=repair)

    def close(self) -> None:
        try:
            self.save()
        finally:
            self.indexer.close()
            self.catalog.close()


def _remove_stale_temp_files(data_dir: Path) -> None:
    """Half-written temp files of a save that was killed: never read, safe to drop."""
    for f in data_dir.glob("*.tmp"):
        try:
            f.unlink()
        except OSError:
            pass


