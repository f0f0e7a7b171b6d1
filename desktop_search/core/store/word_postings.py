"""The word index's postings: segments plus a buffer of recent passages, fed by the
catalog after each commit (``add``/``remove``), merged in the background (``maintain``),
and counted. ``WordSnapshots`` saves them; ``WordIndex`` searches them."""
from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Iterable

import numpy as np

from desktop_search.core.analyze import has_stemmer
from desktop_search.core.store.word_segments import (Segment, Source, build_segment, merge_segments,
                                                    passage_terms)

FLUSH_CHUNKS = 5000          # buffered passages before they become a segment
MAX_SEGMENTS = 8             # more than this and the smallest ones are merged...
# ...into segments of at most this many passages: a merge holds its postings in memory
# (~26 bytes each, ~50 a passage), so its peak stays near 300 MB at most
MAX_MERGED_PASSAGES = 250_000


class WordPostings:
    """Segments and the buffer, thread-safe; ``folder=None`` keeps them in memory."""


    def __init__(self, *, folder: Path | None, read_only: bool = False) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.read_only = read_only          # loads the snapshot, never writes one
        self._lock = threading.RLock()
        self._save_lock = threading.Lock()      # one save at a time
        self._segments: list[Segment] = []
        # the buffer: passages not yet in a segment
        self._buf_ids: list[int] = []
        self._buf_terms: list[list[str]] = []
        self._buf_post: dict[str, list[tuple[int, int]]] = {}
        self._buf_dl: list[int] = []
        self._buf_dead: set[int] = set()
        self.max_id = 0
        self.languages: Counter[str] = Counter()   # passages per language
        self._pending_removals: set[int] | None = None   # while a rebuild runs
        self.rebuilding = False
        self._rebuild_thread: threading.Thread | None = None
        self._merging = False
        self._release_timer: threading.Timer | None = None
        self.dirty = False

    # -- feeding -------------------------------------------------------------------------
    def add(self, sources: Iterable[Source]) -> None:
        """Index passages (called by the catalog after it committed them)."""
        analyzed = [(s.id, passage_terms(s), s.lang) for s in sources]
        with self._lock:
            for cid, terms, lang in analyzed:
                row = len(self._buf_ids)
                self._buf_ids.append(cid)
                self._buf_terms.append(terms)
                self._buf_dl.append(len(terms))
                for t, c in Counter(terms).items():
                    self._buf_post.setdefault(t, []).append((row, c))
                self.languages[lang or "und"] += 1
                if cid > self.max_id:
                    self.max_id = cid
            self.dirty = True
            if len(self._buf_ids) >= FLUSH_CHUNKS:
                self._flush()

    def remove(self, ids: Iterable[int]) -> None:
        """Forget passages (called by the catalog after it deleted them)."""
        arr = np.unique(np.fromiter((int(i) for i in ids), dtype=np.int64))
        if not len(arr):
            return
        with self._lock:
            if self._pending_removals is not None:
                self._pending_removals.update(arr.tolist())
            for s in self._segments:
                if len(s) and arr[-1] >= s.ids[0] and arr[0] <= s.ids[-1]:
                    s.kill(arr)
            buf = set(self._buf_ids)
            self._buf_dead.update(i for i in arr.tolist() if i in buf)
            self.dirty = True

    def _flush(self) -> None:
        """Buffer -> segment (under the lock)."""
        if not self._buf_ids:
            return
        order = np.argsort(np.asarray(self._buf_ids, dtype=np.int64), kind="stable")
        ids = [self._buf_ids[i] for i in order]
        terms = [self._buf_terms[i] for i in order]
        seg = build_segment(ids, terms)
        if self._buf_dead:
            seg.kill(np.array(sorted(self._buf_dead), dtype=np.int64))
        self._segments.append(seg)
        self._buf_ids, self._buf_terms, self._buf_dl = [], [], []
        self._buf_post, self._buf_dead = {}, set()

    def maintain(self) -> None:
        """Merge the smallest segments when there are too many (outside the catalog lock;
        queries keep running on the old segments meanwhile)."""
        with self._lock:
            if self._merging or len(self._segments) <= MAX_SEGMENTS:
                return
            victims: list[Segment] = []
            total = 0
            for seg in sorted(self._segments, key=len)[:len(self._segments) - MAX_SEGMENTS + 3]:
                if victims and total + len(seg) > MAX_MERGED_PASSAGES:
                    break
                victims.append(seg)
                total += len(seg)
            if len(victims) < 2:
                return              # the rest are big: more segments beat a huge merge
            self._merging = True
            alive_before = [s.alive.copy() for s in victims]
        try:
            merged = merge_segments(victims)
            with self._lock:
                # passages deleted while we merged
                lates = [s.ids[before & ~s.alive] for s, before in zip(victims, alive_before)]
                late = np.concatenate(lates) if lates else np.zeros(0, np.int64)
                if len(late):
                    merged.kill(np.sort(np.asarray(late, dtype=np.int64)))
                keep = [s for s in self._segments if all(s is not v for v in victims)]
                self._segments = keep + [merged]
                self.dirty = True
        finally:
            with self._lock:
                self._merging = False

    # -- statistics ----------------------------------------------------------------------
    def __len__(self) -> int:
        with self._lock:
            return (sum(len(s) - s.n_dead for s in self._segments)
                    + len(self._buf_ids) - len(self._buf_dead))

    def _stats(self) -> tuple[int, float]:
        n = 0
        total = 0.0
        for s in self._segments:
            n += len(s) - s.n_dead
            total += s.alive_dl
        live_buf = [dl for cid, dl in zip(self._buf_ids, self._buf_dl) if cid not in self._buf_dead] \
            if self._buf_dead else self._buf_dl
        n += len(live_buf)
        total += sum(live_buf)
        return n, (total / n if n else 1.0)

    def live_ids(self) -> np.ndarray:
        """Every chunk id the index holds (for checks)."""
        with self._lock:
            parts = [np.asarray(s.ids)[s.alive] for s in self._segments]
            parts.append(np.array([i for i in self._buf_ids if i not in self._buf_dead],
                                  dtype=np.int64))
        return np.sort(np.concatenate(parts))

    def df(self, form: str) -> int:
        with self._lock:
            b = form.encode("utf-8")
            return sum(e - a for a, e in (s.postings(b) for s in self._segments)) + \
                len(self._buf_post.get(form, ()))

    def index_languages(self, *, min_share: float = 0.01, min_passages: int = 20,
                        most: int = 6) -> list[str]:
        """Languages with a stemmer that enough passages are in, most common first: a
        query word is looked up in each one's stemmed form."""
        with self._lock:
            total = sum(self.languages.values())
            langs = [l for l, c in self.languages.most_common()
                     if l != "und" and has_stemmer(l) and (c >= min_passages or c >= min_share * total)]
        return langs[:most]
