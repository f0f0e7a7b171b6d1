"""The engine: the facade the CLI, the window and the tests drive.

It owns a ``Library`` (core/store: the catalog and its copies, the only way to write) and
a ``ModelHost`` (core/embed/host.py: which model answers, switching, advice), and answers
requests with core/search. It holds no SQL and no model code. The worker that keeps the
index current is ``core.indexing.IndexService`` (``index_service``). Nothing here
imports Qt.
"""
from __future__ import annotations

import dataclasses
import os
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Callable, Sequence

from desktop_search import paths
from desktop_search.config import Settings
from desktop_search.core.extract import PICTURE_KIND
from desktop_search.core.embed.advice import ModelAdvice
from desktop_search.core.embed.base import Embedder
from desktop_search.core.embed.host import ModelHost, ModelSwitch
from desktop_search.core.indexing import IndexService, Listener, add_root
from desktop_search.core.indexing.picture_loader import make_picture_index
from desktop_search.core.indexing.drives import Drives, FileSystems
from desktop_search.core.indexing.polite import Conditions, conditions_for_app, ignoring
from desktop_search.core.indexing.sandbox import SandboxedExtractor, run_reader
from desktop_search.core.indexing.scan import is_under, norm
from desktop_search.core.search import (Filters, Hit, Question, SearchRequest, SimilarTo, TextQuery, ask,
                                        merge_pictures, picture_hits, rank)
from desktop_search.core.search import remembered
from desktop_search.core.search.answer import TOP_HITS, AnswerFinder
from desktop_search.core.search.pictures import picture_scores
from desktop_search.core.search.member_copy import copy_out
from desktop_search.core.search.question import common_word_in
from desktop_search.core.search.similar import more_like_this
from desktop_search.core.search.copies_look import CopiesLook, LookStats
from desktop_search.core.search.duplicates import DuplicateGroup
from desktop_search.core.search.quiet import Foreground
from desktop_search.core.search.understand import Understood, understand
from desktop_search.core.search.preview import PreviewDoc, build_preview
from desktop_search.core.store import FileRow, Library, Root
from desktop_search.core.store.doctor import DoctorReport
from desktop_search.core.store.catalog import Catalog
from desktop_search.core.store.picture_index import PictureIndex
from desktop_search.core.store.vector_index import VectorIndex
from desktop_search.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class WordIndexStatus:
    passages: int
    catching_up: bool           # still following the catalog (caught up or rebuilt at open)
    languages: tuple[str, ...]  # those a query word is stemmed for

    def to_json(self) -> dict[str, Any]:
        return dict(passages=self.passages, catching_up=self.catching_up,
                    languages=list(self.languages))


@dataclasses.dataclass(frozen=True)
class EngineStatus:
    """What ``status`` reports: the folders, counts, files not indexed, the model."""

    data_dir: str
    roots: tuple[Root, ...]
    files: int                  # files on disk indexed (not the documents inside them)
    chunks: int
    pending: int                # passages waiting for a vector
    ocr_pending: int
    failed: tuple[FileRow, ...]
    model: str
    dim: int | None
    model_change: ModelSwitch | None
    size_bytes: int
    word_index: WordIndexStatus

    def to_json(self) -> dict[str, Any]:
        return dict(
            data_dir=self.data_dir, roots=[r.to_json() for r in self.roots],
            files=self.files, chunks=self.chunks, pending=self.pending,
            ocr_pending=self.ocr_pending,
            failed=[dict(path=f.path, inside=f.chain, state=f.state, reason=f.error)
                    for f in self.failed],
            model=self.model, dim=self.dim,
            model_change=self.model_change.to_json() if self.model_change else None,
            size_bytes=self.size_bytes, word_index=self.word_index.to_json())


class Engine:
    def __init__(self, data_dir: str | os.PathLike[str] | None = None, *,
                 settings: Settings | None = None, embedder: Embedder | None = None,
                 read_only: bool = False, conditions: Conditions | None = None,
                 filesystems: FileSystems | None = None) -> None:
        """``read_only``: for a reader next to the folder's owner (``search``, ``status``,
        ``doctor``): nothing on disk is written, repaired or cleaned up (the owner does that).
        ``conditions`` (battery, CPU load) are what a background indexer heeds (default:
        the real computer's); ``filesystems`` says which file system holds a folder
        (default: the real mount table). Tests hand in their own."""
        self.read_only = read_only
        self.data_dir = paths.ensure_data_dir(Path(data_dir) if data_dir else None)
        self.settings_path = self.data_dir / "settings.json"
        self.settings = settings if settings is not None else Settings.load(self.settings_path)
        self.settings.validate()
        self.library = Library(self.data_dir, read_only=read_only)
        self.library.picture_factory = self._make_picture_index
        self.models = ModelHost(self.library, self.settings, settings_path=self.settings_path,
                                embedder=embedder)
        self._conditions = conditions
        self.drives = Drives(filesystems, recall=self.library.root_mount,
                             remember=self.library.set_root_mount)
        self.answer_finder = AnswerFinder()
        #: searches in progress and the last key: the copies look waits for quiet
        self.foreground = Foreground()
        #: what the last look for copies and versions did (``copies_look.LookStats``)
        self.copies_stats = LookStats()
        self._folder_names: tuple[tuple[str, ...], dict[str, list[str]]] | None = None
        self._copier: SandboxedExtractor | None = None

    @property
    def notice(self) -> str | None:
        """A message for the user about something repaired at start (or None)."""
        return self.library.notice

    @property
    def catalog(self) -> Catalog:
        """The catalog, for reading (``Library`` is the way to write)."""
        return self.library.catalog

    # -- the model -------------------------------------------------------------------------
    def embedder(self) -> Embedder:
        """The answering model, loaded (seconds: never on a GUI thread)."""
        return self.models.embedder()

    def vectors(self) -> VectorIndex:
        """The answering model's vector index, opened (may load the model)."""
        return self.models.vectors()

    @property
    def model_ready(self) -> bool:
        return self.models.ready

    def switch_model(self, name: str) -> None:
        """Make ``name`` the model; its vectors are made in the background (``ModelHost.switch``)."""
        self.models.switch(name)

    def model_change(self) -> ModelSwitch | None:
        return self.models.change()

    def model_advice(self) -> ModelAdvice:
        """Whether another installed model would understand these files and searches."""
        return self.models.chooser.advice()

    # -- indexing ----------------------------------------------------------------------------
    def index_service(self, *, listener: Listener | None = None, debounce: float = 0.5,
                      **options: Any) -> IndexService:
        """The worker that keeps this index current (``start`` it, or ``run_until_idle``).
        ``options``: ``IndexService``'s own (``poll_s``)."""
        if self._conditions is None:
            self._conditions = conditions_for_app()
        return IndexService(self.library, self.models, settings=self.settings,
                            listener=listener, debounce=debounce, conditions=self._conditions,
                            drives=self.drives, **{"lowest_priority": not ignoring(), **options})

    def save(self) -> None:
        """Persist the copies of the catalog if they changed (atomic)."""
        self.library.save()

    # -- pictures by what they show ----------------------------------------------------------
    def _make_picture_index(self) -> PictureIndex | None:
        return make_picture_index(settings=self.settings, data_dir=self.data_dir,
                                  catalog=self.library.catalog)

    def picture_index(self) -> PictureIndex | None:
        return self.library.pictures()

    @property
    def picture_error(self) -> str | None:
        """Why the picture model could not be used (None: fine, or not asked for)."""
        pi = self.library.pictures() if self.settings.picture_search else None
        return pi.error if pi is not None else None

    # -- roots -------------------------------------------------------------------------------
    def add_root(self, path: str | os.PathLike[str]) -> str:
        return add_root(self.library, path)

    def remove_root(self, path: str | os.PathLike[str]) -> int:
        root = norm(path)
        if self.library.root_id(root) is None:
            raise ConfigError(f"{path} is not an indexed folder")
        dropped = self.library.remove_root(root)
        self.save()
        return dropped

    def roots(self) -> list[Root]:
        """The indexed folders; ``offline`` for one whose drive is gone (index kept)."""
        roots = self.library.roots()
        gone = self.drives.offline([r.path for r in roots])
        return [dataclasses.replace(r, offline=r.path in gone) for r in roots]

    def mark_offline(self, hits: list[Hit]) -> list[Hit]:
        """Mark the hits under a folder whose drive is gone: found, but not openable now."""
        gone = self.drives.offline([r.path for r in self.library.root_list()])
        if gone:
            for h in hits:
                h.offline = any(is_under(h.path, g) for g in gone)
        return hits

    def kinds(self) -> list[str]:
        """The file types indexed (the window's type filter)."""
        return self.library.catalog.kinds()

    def failed_files(self) -> list[FileRow]:
        return self.library.catalog.failed_files()

    # -- search ------------------------------------------------------------------------------
    def question(self, text: str) -> Question:
        """``text`` analyzed once: its language, its words (``search.question``)."""
        return ask(" ".join(text.split()), index_languages=self.library.words.index_languages(),
                   prior=self.models.chooser.documents(), common=common_word_in(self.library.words))

    def search(self, query: str, *, k: int = 10, filters: Filters | None = None,
               dense: bool = True) -> list[Hit]:
        """Ranked files. With ``dense=False`` (model not loaded yet) words alone rank."""
        query = " ".join(query.split())
        if not query:
            return []
        with self.foreground.busy():
            return self._search(query, k=k, filters=filters, dense=dense)

    def _search(self, query: str, *, k: int, filters: Filters | None, dense: bool) -> list[Hit]:
        question = self.question(query)
        self.models.chooser.note_query(question.language)
        embed, vecs, model_id = None, None, None
        if dense:
            emb, vecs = self.models.pair()
            model_id = emb.model_id
            embed = partial(emb.embed_query, query)     # made beside the word search
        hits = rank(library=self.library, query=query, question=question, query_vec=None,
                    embed=embed, vectors=vecs, k=k, filters=filters,
                    model_id=model_id or self.library.vector_model()[0],
                    documents=self.models.chooser.documents() if dense else None)
        if dense and self.settings.picture_search:
            pics = picture_hits(catalog=self.library.catalog, question=question,
                                scores=picture_scores(self.picture_index(), query, k), filters=filters,
                                min_score=self.settings.picture_min_score)
            hits = merge_pictures(hits, pics, k=k)
        return self.mark_offline(hits)

    def answers(self, hits: list[Hit], query: str, *, top: int = TOP_HITS,
                stop: Callable[[], bool] | None = None,
                on_answer: Callable[[int, Hit], None] | None = None) -> list[Hit] | None:
        """``hits`` (from ``search(query)``) with the first ``top`` given the sentence that
        answers (``Hit.answer``, ``search.answer``): a second step after the list, by the
        loaded model; ``on_answer(i, hit)`` hears each as it comes. Hits come back
        unchanged while the model is not ready; None when ``stop()`` says the answers
        are not wanted any more."""
        query = " ".join(query.split())
        if not query or not hits or not self.models.ready:
            return list(hits)
        with self.foreground.busy():
            emb = self.models.embedder()
            passages = self.library.catalog.headed_texts(h.chunk_id for h in hits[:top])
            return self.answer_finder.answer(hits=hits, passages=passages,
                                             question=self.question(query),
                                             query_vec=emb.embed_query(query), embedder=emb,
                                             top=top, stop=stop, on_answer=on_answer)

    def folder_names(self) -> dict[str, list[str]]:
        """Folder name (lowercase) -> paths: the watched folders and two levels under them
        (read again when the watched folders change)."""
        roots = tuple(r.path for r in self.library.roots())
        if self._folder_names is None or self._folder_names[0] != roots:
            self._folder_names = (roots, remembered.folders_under(list(roots)))
        return self._folder_names[1]

    def understand(self, text: str, *, today: date | None = None, literal: bool = False,
                   base: Filters | None = None) -> tuple[Understood, Filters]:
        """The filters said in ``text`` ("pdfs from 2021 about taxes"), and ``base`` (the
        boxes, the options) with them added. Folder names come from the watched folders
        (read again when the folders change)."""
        names = self.folder_names()
        u = understand(text, today=today, folders=names, literal=literal)
        return u, remembered.to_filters(u, base=base, folders=names)

    def find(self, request: SearchRequest, *, k: int = 10, dense: bool = True) -> list[Hit]:
        """Answer a typed request (what the window sends). ``dense`` as in ``search``;
        "more like this" needs the model whatever ``dense`` says. A text query of filters
        alone ("pdfs from 2021") lists the newest files that pass them."""
        if isinstance(request, TextQuery) and not request.text.strip():
            if request.filters is None or not request.filters.active():
                return []
            with self.foreground.busy():
                return self.mark_offline(remembered.newest(self.library.catalog,
                                                           request.filters, k=k))
        if isinstance(request, TextQuery):
            return self.search(request.text, k=k, filters=request.filters, dense=dense)
        if isinstance(request, SimilarTo):
            with self.foreground.busy():
                return self.more_like_this(request.path, k=k, filters=request.filters,
                                           inside=request.inside)
        raise TypeError(f"unknown search request {request!r}")

    def more_like_this(self, path: str | os.PathLike[str], *, k: int = 10,
                       filters: Filters | None = None, inside: Sequence[str] = ()) -> list[Hit]:
        """Files (and documents inside files) near this one: ``inside`` names a document
        inside the file at ``path``."""
        row = self.library.member(norm(path), list(inside))
        if row is None:
            where = f" › {' › '.join(inside)}" if inside else ""
            raise ConfigError(f"{path}{where} is not in the index")
        vecs = self.models.vectors()
        pi = self.picture_index() if row.kind == PICTURE_KIND else None
        return self.mark_offline(more_like_this(library=self.library, row=row, vectors=vecs,
                                                pictures=pi, k=k, filters=filters))

    def preview(self, hit: Hit, *, terms: list[str] | None = None,
                limit: int | None = None) -> PreviewDoc | None:
        """The hit in its file's text, ``terms`` marked (the typed query's words)."""
        question = self.question(" ".join(terms)) if terms else None
        kw = {} if limit is None else {"limit": limit}
        return build_preview(catalog=self.library.catalog, hit=hit, question=question, **kw)

    def copy_out(self, hit: Hit) -> Path:
        """The one document inside a file (an archive member, a message of a mailbox as
        ``.eml``, an attachment) written to a private temporary folder, for the desktop
        to open (``search.member_copy``)."""
        return copy_out(library=self.library, hit=hit, path=norm(hit.path),
                        read=self._read_member, max_bytes=self.settings.max_file_bytes)

    def _read_member(self, **where: Any) -> Any:
        """(name, bytes) of a document inside a file, read in the child that unpacks what
        ``copy_out`` copies (started on first use): the archive or mailbox is untrusted."""
        if self._copier is None:
            self._copier = SandboxedExtractor(timeout_s=self.settings.extract_timeout_s)
        return run_reader(self._copier, "desktop_search.core.extract.inside:item_bytes", **where)

    # -- copies and versions -----------------------------------------------------------------
    def duplicates(self, *, stop: Callable[[], bool] | None = None) -> list[DuplicateGroup]:
        """Groups of documents with the same text or near the same (``search.duplicates``),
        kept in the catalog and brought up to date (``search.copies_look``: only what
        changed since the last look is read and compared; the first look on a big library
        takes seconds, so never on a GUI thread). ``stop``: asked between two small pieces
        of work (it may wait, e.g. ``foreground.wait_quiet``); when true the work ends with
        no groups."""
        look = CopiesLook(passages=self.library.passage_rows, model_id=self.library.vector_model()[0])
        # a reader beside the owner (``desktop-search duplicates``) brings the look up to
        # date too: its tables are a cache derived from the rows, written idempotently,
        # a few hundred documents a transaction; nothing else is written
        groups = look.run(stop=stop)
        self.copies_stats = look.stats
        return groups

    # -- status and repair -------------------------------------------------------------------
    def status(self) -> EngineStatus:
        lib = self.library
        st = lib.catalog.stats()
        model_id, dim = lib.vector_model()
        size = sum(f.stat().st_size for f in self.data_dir.iterdir() if f.is_file())
        return EngineStatus(
            data_dir=str(self.data_dir), roots=tuple(self.roots()),
            files=st.files_indexed, chunks=st.chunks, pending=st.chunks_unembedded,
            ocr_pending=lib.picture_rows.count_ocr_pending(),
            failed=tuple(self.failed_files()),
            model=model_id or self.models.chooser.configured(),
            dim=dim or None,
            model_change=self.model_change(),
            size_bytes=size,
            word_index=WordIndexStatus(passages=len(lib.words),
                                       catching_up=not lib.feed.ready(timeout=0),
                                       languages=tuple(lib.words.index_languages())))

    def doctor(self, *, repair: bool = False) -> DoctorReport:
        """Check that the catalog and its copies agree (``store.doctor``)."""
        if repair and self.read_only:
            raise ValueError("a read-only engine cannot repair: take the data folder first")
        self.models.vectors()
        return self.library.doctor(repair=repair)

    def close(self) -> None:
        if self._copier is not None:
            self._copier.close()
            self._copier = None
        self.library.close()

