"""The Library: the catalog and its copies (word, vector and picture indexes) kept in step.

It is the only way to write. Each write lands in the catalog in one transaction (the word
index follows through the commit hook) and the vector and picture indexes drop or take
the same passages right after, so a reader never sees one copy ahead of another for
long, and a kill leaves the catalog right and the copies repairable from it (each copy
records the catalog's vector generation it reflects and is caught up at open).
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import threading
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from desktop_search.core.store.doctor import DoctorReport, check
from desktop_search.core.meta import MOUNT_PREFIX, Meta
from desktop_search.core.store.opening import open_catalog
from desktop_search.core.store.passage_rows import PassageRows
from desktop_search.core.store.picture_index import PictureIndex
from desktop_search.core.store.rows import ChunkRow, FileRow, Inner, NewChunk, Root
from desktop_search.core.store.tables import (ChunkVectors, MemberRows, NextVectors, PictureRows,
                                              RootRows)
from desktop_search.core.store.vector_files import QUANTIZED
from desktop_search.core.store.vector_index import VectorIndex
from desktop_search.core.store.word_feed import WordFeed
from desktop_search.core.store.word_index import WordIndex
from desktop_search.fileio import atomic_write_text

log = logging.getLogger(__name__)

#: the vectors of the packaged default model keep the file name they always had
DEFAULT_VECTORS_FOR = "sentence-transformers/all-MiniLM-L6-v2"


class Library:
    """One data folder's index: open it, write to it, save it, check it."""

    def __init__(self, data_dir: Path, *, read_only: bool = False) -> None:
        """``read_only``: a reader next to the folder's owner: nothing on disk is written,
        repaired or cleaned up (the owner does that)."""
        self.data_dir = Path(data_dir)
        self.read_only = read_only
        #: something the user must read about how the index was opened (a repair), or None
        self.notice: str | None = None
        if not read_only:
            _remove_stale_temp_files(self.data_dir)
        self.catalog, self.notice = open_catalog(self.data_dir, read_only=read_only)
        self.feed = WordFeed(self.catalog, folder=self.data_dir / "words")
        self.feed.open()
        self.vector_rows = ChunkVectors(self.catalog)
        self.next_vectors = NextVectors(self.catalog)
        self.picture_rows = PictureRows(self.catalog)
        self.root_rows = RootRows(self.catalog)
        self.member_rows = MemberRows(self.catalog)
        #: every document and its passages in one read (copies and versions)
        self.passage_rows = PassageRows(self.catalog)
        self._lock = threading.RLock()
        self._vectors: VectorIndex | None = None
        #: builds the picture index when "search pictures by what they show" is on
        self.picture_factory: Callable[[], PictureIndex | None] | None = None
        self._pictures: PictureIndex | None = None

    # -- opening -------------------------------------------------------------------------
    def _save_roots(self) -> None:
        atomic_write_text(self.data_dir / "roots.json",
                          json.dumps([r.path for r in self.root_rows.all()]))

    # -- what answers ----------------------------------------------------------------------
    @property
    def words(self) -> WordIndex:
        return self.feed.words

    def meta(self, key: Meta) -> str | None:
        """A small fact kept with the catalog (``store.meta``)."""
        return self.catalog.get_meta(key.value)

    def set_meta(self, key: Meta, value: str, *, conn: sqlite3.Connection | None = None) -> None:
        """Keep a small fact (inside the write ``conn`` when given, else its own)."""
        if conn is not None:
            self.catalog.set_meta(key.value, value, conn=conn)
        elif not self.read_only:
            with self.catalog.transaction() as c:
                self.catalog.set_meta(key.value, value, conn=c)

    def root_mount(self, root: str) -> str | None:
        """The mount point a folder was last seen on (``indexing.drives``)."""
        return self.catalog.get_meta(MOUNT_PREFIX + root)

    def set_root_mount(self, root: str, point: str) -> None:
        if not self.read_only:
            with self.catalog.transaction() as c:
                self.catalog.set_meta(MOUNT_PREFIX + root, point, conn=c)

    def vector_model(self) -> tuple[str | None, int]:
        """(model id, dim) the stored vectors were made with; (None, 0) before any."""
        return self.meta(Meta.MODEL_ID), int(self.meta(Meta.DIM) or 0)

    def forget_vector_model(self) -> None:
        """No vectors yet and no model for them: the next open records the chosen one."""
        with self.catalog.transaction() as c:
            c.execute("DELETE FROM meta WHERE key IN (?, ?)", (Meta.MODEL_ID.value, Meta.DIM.value))

    def set_vector_model(self, model_id: str, dim: int) -> None:
        with self.catalog.transaction() as c:
            self.set_meta(Meta.MODEL_ID, model_id, conn=c)
            self.set_meta(Meta.DIM, str(dim), conn=c)

    def vector_path(self, model_id: str | None) -> Path:
        """One USearch file per model, so a file can never be read as another model's."""
        if model_id == DEFAULT_VECTORS_FOR or not model_id:
            return self.data_dir / "vectors.usearch"
        slug = re.sub(r"[^A-Za-z0-9]+", "-", model_id.rsplit("/", 1)[-1])[:40].strip("-")
        digest = hashlib.sha1(model_id.encode("utf-8")).hexdigest()[:8]
        return self.data_dir / f"vectors-{slug}-{digest}.usearch"

    @property
    def vectors(self) -> VectorIndex | None:
        """The open vector index of the answering model, or None before it is opened."""
        return self._vectors

    def open_vectors(self, model_id: str, dim: int) -> VectorIndex:
        """Open the vector index of ``model_id`` and bring it level with the catalog."""
        with self._lock:
            vi = VectorIndex(self.vector_path(model_id), ndim=dim, dtype=QUANTIZED)
            loaded = vi.load()
            generation = self.catalog.vector_generation()
            if not loaded or vi.generation != generation:
                added, removed = vi.sync_from(self.vector_rows, generation=generation)
                if not self.read_only and (added or removed or not loaded):
                    log.info("vector index repaired from the catalog (+%d, -%d)", added, removed)
                    vi.save(generation)
            self._vectors = vi
            return vi

    def close_vectors(self) -> None:
        with self._lock:
            self._vectors = None

    def drop_all_vectors(self, old_model_id: str | None, dim: int) -> None:
        """The stored vectors' model cannot run here any more: every passage waits again."""
        with self._lock:
            self.vector_rows.clear()
            VectorIndex(self.vector_path(old_model_id), ndim=dim).remove_files()
            self._vectors = None

    def remove_vector_files(self, model_id: str | None) -> None:
        VectorIndex(self.vector_path(model_id), ndim=0).remove_files()

    def pictures(self) -> PictureIndex | None:
        """The picture index when picture search is on (built on first use), else None."""
        with self._lock:
            if self._pictures is None and self.picture_factory is not None:
                self._pictures = self.picture_factory()
            return self._pictures

    # -- writes: the only way in -------------------------------------------------------------
    def put_file(self, *, path: str, root_id: int | None, size: int, mtime_ns: int,
                 digest: str | None, kind: str | None, title: str | None, heading: str,
                 chunks: Sequence[NewChunk], ocr: str | None = None, taken: float | None = None,
                 camera: str | None = None, keep_picture_vector: bool = False,
                 inner: Inner | None = None, keep_members: bool = False) -> int:
        """A file's passages replace its old ones (searchable by words at once; vectors
        follow from the backlog). Returns the file id. ``inner`` makes it a document
        inside the file at ``path``; a file on disk drops the documents it held unless
        ``keep_members``."""
        file_id, dropped = self.catalog.put_file(
            path=path, root_id=root_id, size=size, mtime_ns=mtime_ns, digest=digest, kind=kind,
            title=title, heading=heading, chunks=chunks, ocr=ocr, taken=taken, camera=camera,
            keep_picture_vector=keep_picture_vector, inner=inner, keep_members=keep_members)
        self._drop_vectors(dropped)
        return file_id

    def put_failure(self, *, path: str, root_id: int | None, size: int, mtime_ns: int,
                    digest: str | None, kind: str | None, state: str, error: str,
                    inner: Inner | None = None) -> None:
        self._drop_vectors(self.catalog.put_failure(
            path=path, root_id=root_id, size=size, mtime_ns=mtime_ns, digest=digest, kind=kind,
            state=state, error=error, inner=inner))

    def members(self, container_id: int) -> dict[str, FileRow]:
        """The documents inside a file on disk, by their key there."""
        return self.member_rows.of(container_id)

    def set_locator(self, file_id: int, locator: str) -> None:
        self.member_rows.set_locator(file_id, locator)

    def drop_members(self, container_id: int, *, keep: Iterable[str] = ()) -> int:
        """Forget the documents inside a file but those keyed ``keep``; returns how many
        passages went with them."""
        dropped = self.catalog.drop_members(container_id, keep=keep)
        self._drop_vectors(dropped)
        return len(dropped)

    def clone_file(self, src_id: int, *, path: str, root_id: int | None, size: int,
                   mtime_ns: int) -> bool:
        """A copy of an indexed file: its passages and vectors are copied, not re-made."""
        new_ids = self.catalog.clone_file(src_id, path=path, root_id=root_id, size=size,
                                          mtime_ns=mtime_ns)
        if new_ids is None:
            return False
        ids, vecs = self.vector_rows.of(new_ids)
        with self._lock:
            if len(ids) and self._vectors is not None:
                self._vectors.add(ids, vecs)
        return True

    def move_file(self, old: str, new: str, *, root_id: int | None, size: int | None = None,
                  mtime_ns: int | None = None) -> bool:
        """Re-point a file (rename, move): its passages and vectors are kept."""
        return self.catalog.move_file(old, new, root_id=root_id, size=size, mtime_ns=mtime_ns)

    def touch_file(self, path: str, *, size: int, mtime_ns: int) -> None:
        self.catalog.touch_file(path, size=size, mtime_ns=mtime_ns)

    def delete_paths(self, paths: Sequence[str]) -> int:
        """Forget these files; returns how many passages went with them."""
        rows = [r for r in map(self.catalog.get_file, paths) if r is not None]
        dropped: list[int] = []
        for p in paths:
            dropped += self.catalog.delete_file(p)
        self._drop_vectors(dropped)
        self._drop_pictures([r.id for r in rows])
        return len(dropped)

    def put_vectors(self, ids: Sequence[int], vectors: np.ndarray) -> list[int]:
        """Store the answering model's vectors for these passages (those still there)."""
        stored = self.vector_rows.store(ids, vectors)
        if stored:
            keep = np.isin(np.asarray(ids, dtype=np.int64), np.asarray(stored, dtype=np.int64))
            with self._lock:
                if self._vectors is not None:
                    self._vectors.add(np.asarray(stored, dtype=np.uint64),
                                      np.asarray(vectors[keep], dtype=np.float16))
        return stored

    def _drop_vectors(self, ids: Sequence[int]) -> None:
        # an index not open yet is caught up from the catalog when it opens (the
        # catalog's vector generation moved with the drop)
        if ids:
            with self._lock:
                if self._vectors is not None:
                    self._vectors.remove(ids)

    def _drop_pictures(self, file_ids: list[int]) -> None:
        if file_ids and self._pictures is not None and self._pictures.loaded:
            self._pictures.remove(file_ids)

    # -- roots -----------------------------------------------------------------------------
    def roots(self) -> list[Root]:
        return self.root_rows.all()

    def root_list(self) -> list[Root]:
        """Every root, without counting its files (cheap)."""
        return self.root_rows.brief()

    def root_id(self, root: str) -> int | None:
        return self.root_rows.id_of(root)

    def add_root(self, root: str, *, absorbs: Sequence[str] = ()) -> int:
        """Index a folder; roots inside it (``absorbs``) hand their files over to it.
        Returns its id."""
        root_id = self.root_rows.add(root)
        for inner in absorbs:
            self.root_rows.absorb(inner, into=root)
        self._save_roots()
        return root_id

    def remove_root(self, root: str) -> int:
        """Forget a folder and every file under it; returns the passages dropped."""
        dropped = self.catalog.remove_root(root)
        self._save_roots()
        self._drop_vectors(dropped)
        return len(dropped)

    def set_root_paused(self, root: str, paused: bool) -> None:
        self.root_rows.set_paused(root, paused)

    def mark_root_scanned(self, root_id: int) -> None:
        self.root_rows.mark_scanned(root_id)

    # -- reads the other wings need -------------------------------------------------------------
    def get_file(self, path: str) -> FileRow | None:
        return self.catalog.get_file(path)

    def member(self, path: str, inside: Sequence[str]) -> FileRow | None:
        """The document at ``inside`` in the file at ``path`` (the file itself for [])."""
        return self.member_rows.at(path, inside)

    def paths_under(self, folder: str) -> list[str]:
        return self.catalog.paths_under(folder)

    def chunks_of_file(self, file_id: int) -> list[ChunkRow]:
        return self.catalog.chunks_of_file(file_id)

    def count_unembedded(self) -> int:
        return self.vector_rows.count_unembedded()

    # -- save, check, close ------------------------------------------------------------------
    def save(self) -> None:
        """Persist the vector, picture and word indexes if they changed (atomically)."""
        if self.read_only:
            return
        generation = self.catalog.vector_generation()
        with self._lock:
            if self._vectors is not None and self._vectors.dirty:
                self._vectors.save(generation)
            if self._pictures is not None:
                self._pictures.save()
        self.feed.save()

    def doctor(self, *, repair: bool = False) -> DoctorReport:
        return check(self, repair=repair)

    def close(self) -> None:
        try:
            self.save()
        finally:
            if self._pictures is not None:
                self._pictures.close()
            self.feed.close()
            self.catalog.close()


def _remove_stale_temp_files(data_dir: Path) -> None:
    """Half-written temp files of a save that was killed: never read, safe to drop."""
    for f in data_dir.glob("*.tmp"):
        try:
            f.unlink()
        except OSError:
            pass
