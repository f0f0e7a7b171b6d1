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
from desktop_search.core.catalog import Catalog, CatalogNeedsUpgrade
from desktop_search.core.embed import PACKAGED_ID, embedder_for, make_embedder
from desktop_search.core.indexer import Indexer
from desktop_search.core.scan import is_under, norm
from desktop_search.core.search import (Filters, Hit, SearchRequest, SimilarTo, TextQuery,
                                        merge_pictures, picture_hits, rank)
from desktop_search.core.vectors import VectorIndex
from desktop_search.errors import ConfigError, IndexCorrupt, ModelError

log = logging.getLogger(__name__)

class Engine:
    def __init__(self, data_dir: str | os.PathLike | None = None, *,
                 settings: Settings | None = None, embedder=None,
                 read_only: bool = False) -> None:
        """``read_only``: for a reader next to the folder's owner (``search``, ``status``,
        ``doctor``): nothing on disk is written, repaired or cleaned up (the owner does that)."""
        self.read_only = read_only
        self.data_dir = paths.ensure_data_dir(Path(data_dir) if data_dir else None)
        self.settings_path = self.data_dir / "settings.json"
        self.settings = settings if settings is not None else Settings.load(self.settings_path)
        self.settings.validate()
        if not read_only:
            _remove_stale_temp_files(self.data_dir)
        #: a message for the user about something the engine had to repair at start
        self.notice: str | None = None
        self.catalog = self._open_catalog()
        self._embedder = embedder
        #: the configured model while the vectors are re-embedded for it (None otherwise)
        self._next_embedder = None
        self._vectors: VectorIndex | None = None
        self._query_languages: dict[str, int] = {}
        self._model_lock = threading.RLock()
        self.model_error: str | None = None
        self.indexer = Indexer(catalog=self.catalog, settings=self.settings,
                               vectors_getter=self.vectors, embedder_getter=self.embedder,
                               token_counter_getter=self._token_counter)
        #: pictures by what they show (``settings.picture_search``); made on first use
        self.pictures = None
        #: why the picture model could not be used (None: fine, or not asked for)
        self.picture_error: str | None = None
        self.indexer.on_files_removed = self._on_files_removed

    def _open_catalog(self) -> Catalog:
        """Open the catalog; a damaged one is set aside and rebuilt, never used silently."""
        path = self.data_dir / "catalog.sqlite3"
        if self.read_only:
            return self._open_catalog_for_reading(path)
        try:
            return Catalog(path)
        except IndexCorrupt as exc:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            for suffix in ("", "-wal", "-shm"):
                f = Path(str(path) + suffix)
                if f.exists():
                    os.replace(f, Path(f"{path}{suffix}.damaged-{stamp}"))
            for f in [*self.data_dir.glob("vectors*.usearch"), *self.data_dir.glob("vectors*.json"),
                      *self.data_dir.glob("vectors*.npz")]:
                f.unlink(missing_ok=True)
            log.warning("%s; set it aside and rebuilding the index", exc)
            cat = Catalog(path)
            for root in self._saved_roots():
                cat.add_root(root)
            self.notice = (f"The index was damaged ({exc}); it was set aside and is being "
                           "rebuilt from your folders.")
            return cat

    def _open_catalog_for_reading(self, path: Path) -> Catalog:
        """A reader never migrates under a running owner; with no owner it upgrades an
        older catalog under the folder's lock, then reads it like anyone else."""
        try:
            return Catalog(path, migrate=False)
        except CatalogNeedsUpgrade:
            from desktop_search.core.ownership import Ownership

            with Ownership.acquire(self.data_dir, kind="upgrade",
                                   hint="it upgrades the catalog; try again when it is done"):
                Catalog(path).close()
            return Catalog(path, migrate=False)
        except IndexCorrupt as exc:
            raise IndexCorrupt(f"{exc}; opening the window or running `desktop-search index` "
                               "sets it aside and rebuilds it") from None

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
        """The vector index of the model that answers queries.

        When the catalog's vectors were made by the configured model, the index opens
        without loading the model (start-up and ``doctor`` stay fast). When the configured
        model is another one, the stored vectors keep answering (their model is rebuilt
        from its id) while the configured one re-embeds every passage in the background
        (``embed_next``); only a model that cannot run here any more is dropped at once.
        """
        with self._model_lock:
            if self._vectors is not None:
                return self._vectors
            wanted = self._model()
            model_id = wanted.model_id
            old_id = self.catalog.get_meta("model_id")
            old_dim = int(self.catalog.get_meta("dim") or 0)
            if old_id == model_id and old_dim:
                dim = old_dim
                if self.catalog.next_model() is not None and not self.read_only:
                    self.catalog.cancel_next_model()   # the switch was called off
            elif old_id is not None and old_dim and self._next_embedder is None and (
                    old := self._rebuild_model(old_id)) is not None:
                # the stored vectors keep answering; the owner re-embeds in the background
                self._embedder = old
                if not self.read_only:
                    log.info("model changed from %s to %s: re-embedding in the background",
                             old_id, model_id)
                    self._next_embedder = wanted
                    self.catalog.begin_next_model(model_id, int(wanted.dim))
                model_id, dim = old_id, old_dim
            elif self.read_only:
                if old_id is not None:
                    raise ConfigError(
                        f"the index was made with the model {old_id}, not {model_id}: "
                        "searching it by meaning needs every passage embedded again, which "
                        "the window or `desktop-search index` does")
                dim = int(self.embedder().dim)   # nothing embedded yet: nothing to search
            else:
                dim = int(self.embedder().dim)
                if old_id is not None:
                    log.warning("model changed from %s to %s, and %s cannot run here: "
                                "re-embedding every passage", old_id, model_id, old_id)
                    self.catalog.clear_vectors()
                    VectorIndex(self._vector_path(old_id), ndim=dim).remove_files()
                with self.catalog.transaction() as c:
                    self.catalog.set_meta("model_id", model_id, conn=c)
                    self.catalog.set_meta("dim", str(dim), conn=c)
            vi = VectorIndex(self._vector_path(model_id), ndim=dim)
            loaded = vi.load()
            if not loaded or vi.generation != self.catalog.vector_generation():
                added, removed = vi.sync_from(self.catalog)
                if self.read_only:
                    pass   # caught up in memory; the owner saves its own copy
                elif added or removed or not loaded:
                    log.info("vector index repaired from the catalog (+%d, -%d)", added, removed)
                    vi.save(self.catalog.vector_generation())
            self._vectors = vi
            return vi

    def _vector_path(self, model_id: str) -> Path:
        """One USearch file per model, so a file can never be read as another model's."""
        if model_id == PACKAGED_ID or not model_id:
            return self.data_dir / "vectors.usearch"
        import hashlib
        import re

        slug = re.sub(r"[^A-Za-z0-9]+", "-", model_id.rsplit("/", 1)[-1])[:40].strip("-")
        digest = hashlib.sha1(model_id.encode("utf-8")).hexdigest()[:8]
        return self.data_dir / f"vectors-{slug}-{digest}.usearch"

    def _rebuild_model(self, model_id: str):
        """An embedder for vectors recorded under model_id, if it runs here offline."""
        from desktop_search.core.embed import registry, resolve_model

        info = registry.by_model_id(model_id)
        name = model_id.split("+int8")[0]
        if info is not None:
            if not info.installed():
                return None
            name = info.name
        else:
            try:
                if not resolve_model(name)[2]:
                    return None  # a hub name: never fetched behind the user's back
            except ModelError:
                return None
        backend = self.settings.backend
        if model_id.endswith("+int8"):
            backend = "onnx-int8"
        elif backend == "onnx-int8":  # the stored vectors are fp32 ones
            backend = "auto"
        try:
            emb = make_embedder(name, device=self.settings.device, backend=backend,
                                cache_dir=paths.cache_dir())
        except ModelError:
            return None
        return emb if emb.model_id == model_id else None

    def _token_counter(self):
        """The answering model's own tokenizer, when it offers one (chunk sizes)."""
        with self._model_lock:
            emb = self._embedder if self._embedder is not None else self._model()
        return getattr(emb, "count_tokens", None)

    # -- switching models ----------------------------------------------------------------
    def switch_model(self, name: str) -> None:
        """Make ``name`` the model: its vectors are made in the background (the indexing
        service does it when idle) while the current ones keep answering; resumable after
        a kill; switching back calls it off. The window's one-click offer of
        ``model_advice().suggested`` calls this (on a worker thread: a sentence-transformers
        model loads to tell its dimension)."""
        name = name.strip()
        if not name:
            raise ConfigError("model must not be empty")
        with self._model_lock:
            if name == self.settings.model and self._next_embedder is None:
                return
            emb = make_embedder(name, device=self.settings.device, backend=self.settings.backend,
                                cache_dir=paths.cache_dir())
            self.settings.model = name
            self.settings.save(self.settings_path)
            current = self.catalog.get_meta("model_id")
            if current is None or self._vectors is None:
                # nothing open yet: vectors() works out what answers and what is next
                self._embedder = self._next_embedder = self._vectors = None
                return
            if emb.model_id == current:  # back to the model that answers: call the switch off
                self._next_embedder = None
                if self.catalog.next_model() is not None:
                    self.catalog.cancel_next_model()
                return
            self._next_embedder = emb
            self.catalog.begin_next_model(emb.model_id, int(emb.dim))

    def model_change(self) -> dict | None:
        """Progress of a model switch: {"from", "to", "done", "total"}, or None."""
        nxt = self.catalog.next_model()
        if nxt is None:
            return None
        done, total = self.catalog.next_progress()
        return {"from": self.catalog.get_meta("model_id"), "to": nxt[0], "done": done,
                "total": total}

    def embed_next(self, limit: int) -> tuple[int, bool]:
        """Embed up to ``limit`` passages with the model being switched to; when none are
        left, its vectors replace the current ones. Returns (embedded, switched)."""
        if self._next_embedder is None and self.catalog.next_model() is not None:
            self.vectors()  # resumes a switch a previous run began
        with self._model_lock:
            nxt = self._next_embedder
        if nxt is None:
            return 0, False
        rows = self.catalog.next_unembedded(limit)
        if rows:
            texts = [f"{h}\n{t}" if h and not t.startswith(h) else t for _, h, t in rows]
            vecs = nxt.embed_documents(texts)
            self.catalog.set_next_vectors([r[0] for r in rows], vecs)
            return len(rows), False
        with self._model_lock:
            old_id = self.catalog.get_meta("model_id")
            self.catalog.promote_next_model()
            self._embedder, self._next_embedder = nxt, None
            if self._vectors is not None:
                self._vectors = None
            if old_id:
                VectorIndex(self._vector_path(old_id), ndim=0).remove_files()
            self.vectors()
        log.info("model switch complete: %s answers now", nxt.model_id)
        return 0, True

    def save(self) -> None:
        """Persist the vector index and the word index if they changed (atomic)."""
        if self.read_only:
            return
        with self._model_lock:
            if self._vectors is not None and self._vectors.dirty:
                self._vectors.save(self.catalog.vector_generation())
            if self.pictures is not None:
                self.pictures.save()
        self.catalog.save_words()

    # -- pictures by what they show ------------------------------------------------------
    def picture_index(self):
        """The picture index when "Search pictures by what they show" is on, else None.

        Cheap: the image model loads on first use (the indexing worker's picture stage,
        or the first search), never here.
        """
        if not self.settings.picture_search:
            return None
        with self._model_lock:
            if self.pictures is None:
                from desktop_search.core.pictures import PictureIndex

                from desktop_search.core.sandbox import SandboxedExtractor

                # pictures are decoded for the model in a sandboxed child, like every reader
                sandbox = SandboxedExtractor(timeout_s=self.settings.extract_timeout_s,
                                             target="desktop_search.core.embed.clip:load_for_clip")
                # the setting is the user's consent to the one download this app makes
                self.pictures = PictureIndex(data_dir=self.data_dir, catalog=self.catalog,
                                             model=self.settings.picture_model, device="cpu",
                                             allow_download=True,
                                             loader=_SandboxedLoader(sandbox, self.settings))
            return self.pictures

    def _on_files_removed(self, file_ids: list[int]) -> None:
        if self.pictures is not None and self.pictures.loaded:
            self.pictures.remove(file_ids)

    def _picture_scores(self, query: str, k: int) -> list[tuple[int, float]]:
        pi = self.picture_index()
        if pi is None:
            return []
        try:
            scores = pi.search(query, max(50, 4 * k))
        except ModelError as exc:
            self.picture_error = str(exc)
            return []
        self.picture_error = None
        return scores

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
        qvec, vecs, model_id = None, None, None
        if dense:
            with self._model_lock:  # the model and its vectors as one pair (a switch swaps both)
                emb = self.embedder()
                vecs = self.vectors()
            model_id = emb.model_id
            qvec = emb.embed_query(query)
        self._note_query_language(query)
        from desktop_search.core import models

        hits = rank(catalog=self.catalog, query=query, query_vec=qvec, vectors=vecs, k=k,
                    filters=filters, model_id=model_id or self.catalog.get_meta("model_id"),
                    documents=models.catalog_profile(self.catalog).shares if dense else None)
        if dense and self.settings.picture_search:
            pics = picture_hits(catalog=self.catalog, scores=self._picture_scores(query, k),
                                query=query, filters=filters,
                                min_score=self.settings.picture_min_score)
            hits = merge_pictures(hits, pics, k=k)
        return hits

    def _note_query_language(self, query: str) -> None:
        from desktop_search.core import lang

        found = lang.detect(query)
        if found.sure:
            self._query_languages[found.code] = self._query_languages.get(found.code, 0) + 1

    def model_advice(self):
        """Whether another installed model would understand these files and searches
        (``core.models.ModelAdvice``): the window offers it in one click, ``status`` prints it."""
        from desktop_search.core import models

        asked = dict(self._query_languages)  # this process's searches (the window's)
        wanted = self.catalog.next_model()
        current = wanted[0] if wanted else (self.catalog.get_meta("model_id") or self.settings.model)
        profile = models.catalog_profile(self.catalog)
        if not profile.sampled:  # indexed before languages were measured: look now, read-only
            profile = models.profile_texts(models.sample_texts(self.catalog))
        return models.advise(model=current, documents=profile, queries=asked)

    def find(self, request: SearchRequest, *, k: int = 10, dense: bool = True) -> list[Hit]:
        """Answer a typed request (what the window sends). ``dense`` as in ``search``;
        "more like this" needs the model whatever ``dense`` says."""
        if isinstance(request, TextQuery):
            return self.search(request.text, k=k, filters=request.filters, dense=dense)
        if isinstance(request, SimilarTo):
            return self.more_like_this(request.path, k=k, filters=request.filters)
        raise TypeError(f"unknown search request {request!r}")

    def more_like_this(self, path: str | os.PathLike, *, k: int = 10,
                       filters: Filters | None = None) -> list[Hit]:
        row = self.catalog.get_file(norm(path))
        if row is None:
            raise ConfigError(f"{path} is not in the index")
        vecs = self.vectors()
        ids = [c.id for c in self.catalog.chunks_of_file(row.id)]
        _, v = self.catalog.vectors_for(ids)
        hits: list[Hit] = []
        if len(v):
            centroid = v.astype(np.float32).mean(axis=0)
            centroid /= np.linalg.norm(centroid) or 1.0
            hits = rank(catalog=self.catalog, query="", query_vec=centroid, vectors=vecs, k=k,
                        filters=filters, exclude_file=row.id, use_lexical=False)
        pi = self.picture_index() if row.kind == "picture" else None
        if pi is not None:
            # a picture: the pictures that look like it
            try:
                similar = pi.similar(row.id, 2 * k)
            except ModelError as exc:
                self.picture_error = str(exc)
                similar = []
            pics = picture_hits(catalog=self.catalog, scores=similar, filters=filters,
                                exclude_file=row.id, min_score=-1.0)
            hits = merge_pictures(hits, pics, k=k, weight=1.0)
        return hits

    # -- status and repair ---------------------------------------------------------------
    def status(self) -> dict:
        st = self.catalog.stats()
        size = sum(f.stat().st_size for f in self.data_dir.iterdir() if f.is_file())
        return dict(
            data_dir=str(self.data_dir), roots=self.catalog.roots(),
            files=st["files_indexed"], chunks=st["chunks"], pending=st["chunks_unembedded"],
            ocr_pending=self.catalog.count_ocr_pending(),
            failed=[dict(path=f.path, state=f.state, reason=f.error)
                    for f in self.catalog.failed_files()],
            model=self.catalog.get_meta("model_id") or self.settings.model,
            dim=int(self.catalog.get_meta("dim") or 0) or None,
            model_change=self.model_change(),
            size_bytes=size,
            word_index=dict(passages=len(self.catalog.words),
                            catching_up=not self.catalog.words_ready(timeout=0),
                            languages=self.catalog.words.index_languages()))

    def doctor(self, *, repair: bool = False) -> dict:
        """Check that the catalog, the word index and the vector index agree."""
        from desktop_search.core.doctor import check

        return check(self, repair=repair)

    def close(self) -> None:
        try:
            self.save()
        finally:
            self.indexer.close()
            if self.pictures is not None:
                self.pictures.close()
            self.catalog.close()


class _SandboxedLoader:
    """path -> picture for the image model, decoded in the sandboxed child."""

    def __init__(self, sandbox, settings: Settings) -> None:
        self.sandbox = sandbox
        self.settings = settings

    def __call__(self, path: str):
        return self.sandbox(path, max_bytes=self.settings.max_file_bytes)

    def close(self) -> None:
        self.sandbox.close()


def _remove_stale_temp_files(data_dir: Path) -> None:
    """Half-written temp files of a save that was killed: never read, safe to drop."""
    for f in data_dir.glob("*.tmp"):
        try:
            f.unlink()
        except OSError:
            pass
