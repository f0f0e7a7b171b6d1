"""The word index kept level with the catalog: opened from its snapshot and caught up, or
rebuilt, and fed by each commit.

The word index is never the truth: its snapshot records the highest passage id it holds,
so at open the passages added or deleted since (a kill included) are caught up from the
catalog, and a missing or damaged snapshot is rebuilt from it (on a background thread
above ``SYNC_WORDS_LIMIT`` passages, answering from the segments built so far).
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from desktop_search.core import lang
from desktop_search.core.store.catalog import Catalog
from desktop_search.core.store.word_index import Source, WordIndex

log = logging.getLogger(__name__)

# Below this many passages the word index is rebuilt or caught up before the catalog
# opens (milliseconds); above, on a background thread while queries are answered.
SYNC_WORDS_LIMIT = 20000


class WordFeed:
    """Owns the word index of one catalog; ``Library`` opens and closes it."""

    def __init__(self, catalog: Catalog, *, folder: Path) -> None:
        self.catalog = catalog
        self.words = WordIndex(folder=folder, read_only=catalog.read_only)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: how the word index opened: from its snapshot, or rebuilt from the catalog
        self.opened_from = "snapshot"
        catalog.on_commit = self._on_commit
        catalog.after_commit = self.words.maintain

    def open(self) -> None:
        """Load the snapshot and bring it level with the catalog, or rebuild it; big gaps
        are closed on a background thread (queries see what is there)."""
        loaded = self.words.load()
        self.opened_from = "snapshot" if loaded else "rebuilt"
        job: Callable[[], None]
        if loaded:
            gap = self.catalog.count_chunks() - self._count_upto(self.words.max_id)
            small = gap < SYNC_WORDS_LIMIT and len(self.words) < SYNC_WORDS_LIMIT
            job = self._catch_up
        else:
            small = self.catalog.count_chunks() < SYNC_WORDS_LIMIT
            job = self.rebuild
        if small:
            job()
        else:
            self._thread = threading.Thread(target=self._run, args=(job,), name="word-index",
                                            daemon=True)
            self._thread.start()

    def _run(self, job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:  # noqa: BLE001 - a failed rebuild leaves words missing, not the app
            if not self._stop.is_set():
                log.exception("word index: catching up with the catalog failed")

    def _catch_up(self) -> None:
        with self.catalog.write_lock:
            self.words.catch_up(newer=self._sources, ids_upto=self._ids_upto,
                                count_upto=self._count_upto)
        self.words.save()

    def rebuild(self) -> None:
        """Build the word index again from the catalog."""
        with self.catalog.write_lock:
            self.words.rebuild(self._sources(0))

    def _sources(self, after: int, batch: int = 20000) -> Iterator[list[Source]]:
        """Passages with an id above ``after``, as the word index needs them, in id order.
        Files from before languages were recorded get theirs now (from their first passage)."""
        last = after
        while not self._stop.is_set():
            rows = self._passages_after(last, batch)
            if not rows:
                return
            last = rows[-1][0]
            guessed: dict[int, str] = {}
            out = []
            for cid, text, heading, code, fid in rows:
                if code is None:
                    code = guessed.get(fid)
                    if code is None:
                        code = guessed[fid] = lang.text_language([text])
                out.append(Source(cid, text, heading, code))
            if guessed and not self.catalog.read_only:
                self._set_languages(guessed)
            yield out

    def _ids_upto(self, max_id: int) -> np.ndarray:
        rows = self.catalog.connection().execute("SELECT id FROM chunks WHERE id <= ?", (max_id,)).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def _count_upto(self, max_id: int) -> int:
        return int(self.catalog.connection().execute("SELECT COUNT(*) FROM chunks WHERE id <= ?",
                                    (max_id,)).fetchone()[0])

    def _set_languages(self, langs: dict[int, str]) -> None:
        """Record files' languages (file id -> ISO 639-1): files indexed before they were."""
        with self.catalog.transaction() as c:
            c.executemany("UPDATE files SET lang=? WHERE id=?", [(v, k) for k, v in langs.items()])

    def _passages_after(self, after: int, limit: int) -> list[tuple[int, str, str, str | None, int]]:
        """(id, text, heading if first, file language, file id) above ``after``, in id order."""
        return self.catalog.connection().execute(
            "SELECT c.id, c.text, CASE WHEN c.ord=0 THEN f.heading ELSE '' END, f.lang, f.id "
            "FROM chunks c JOIN files f ON f.id=c.file_id WHERE c.id > ? ORDER BY c.id LIMIT ?",
            (after, limit)).fetchall()

    def _on_commit(self, added: list[Source], dropped: list[int]) -> None:
        """After a commit (still holding the write lock): the word index follows."""
        if dropped:
            self.words.remove(dropped)
        if added:
            self.words.add(added)

    @property
    def in_background(self) -> bool:
        """Whether the open handed catching up or rebuilding to a background thread."""
        return self._thread is not None

    def ready(self, timeout: float | None = None) -> bool:
        """Whether the word index holds the whole catalog (waits up to ``timeout``)."""
        t = self._thread
        if t is not None:
            t.join(timeout)
            return not t.is_alive()
        return True

    def save(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self.words.save()

    def mismatch(self) -> tuple[int, int]:
        """(word-index entries without a passage, passages missing from the word index);
        (0, 0) while the word index is still being built."""
        if not self.ready(timeout=0):
            return 0, 0
        with self.catalog.write_lock:
            have = self.words.live_ids()
            want = self._ids_upto(2**62)
        return int(len(np.setdiff1d(have, want))), int(len(np.setdiff1d(want, have)))

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30.0)
        try:
            self.save()
        except OSError as exc:
            log.warning("could not save the word index: %s", exc)
