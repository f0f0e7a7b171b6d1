"""The word index on disk: new segments and tombstones, then a manifest written
atomically (``save``); at open the snapshot is loaded and caught up with the catalog, or
the index is rebuilt from it segment by segment (``rebuild``)."""
from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections import Counter
from typing import Callable, Iterator

import numpy as np

from desktop_search.fileio import atomic_write_text

from desktop_search.core.store.word_postings import WordPostings
from desktop_search.core.store.word_segments import Segment, Source, build_segment, passage_terms

log = logging.getLogger(__name__)

FORMAT = 1


class WordSnapshots(WordPostings):
    """Save, load, catch up, rebuild: the postings' file handling."""

    def save(self) -> None:
        """Write new segments and tombstones, then the manifest (atomically)."""
        if self.folder is None or self.rebuilding or self.read_only:
            return
        with self._save_lock:
            self._save()

    def _save(self) -> None:
        folder = self.folder
        if folder is None:
            return
        with self._lock:
            if not self.dirty:
                return
            self._flush()
            segs = list(self._segments)
            dead = {id(s): (np.asarray(s.ids)[~s.alive] if s.n_dead else None) for s in segs}
            max_id = self.max_id
            langs = dict(self.languages)
            self.dirty = False
        folder.mkdir(parents=True, exist_ok=True)
        entries = []
        for s in segs:
            if s.name is None:
                name = f"seg-{uuid.uuid4().hex[:12]}"
                s.save(folder / name)
                fresh = Segment.load(folder / name)   # memory-mapped from now on
                with self._lock:
                    s.terms, s.indptr, s.rows, s.tf, s.ids = (fresh.terms, fresh.indptr,
                                                              fresh.rows, fresh.tf, fresh.ids)
                    s.name = name
            entry = {"name": s.name, "n": len(s), "dead": None}
            d = dead[id(s)]
            if d is not None and len(d):
                dname = f"dead-{uuid.uuid4().hex[:12]}.npy"
                with open(folder / dname, "wb") as f:
                    np.save(f, d)
                    f.flush()
                    os.fsync(f.fileno())
                entry["dead"] = dname
            entries.append(entry)
        manifest = {"format": FORMAT, "max_id": max_id, "segments": entries, "languages": langs}
        atomic_write_text(folder / "manifest.json", json.dumps(manifest))
        used = {e["name"] for e in entries} | {e["dead"] for e in entries if e["dead"]}
        for p in folder.iterdir():
            if p.name not in used and p.name != "manifest.json" and \
                    (p.name.startswith("seg-") or p.name.startswith("dead-")):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)

    def load(self) -> bool:
        """Open the saved snapshot; False when there is none or it is unusable."""
        if self.folder is None:
            return False
        if not (self.folder / "manifest.json").exists():
            return False
        try:
            manifest = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT:
                return False
            segs = []
            for e in manifest["segments"]:
                s = Segment.load(self.folder / e["name"])
                if e.get("dead"):
                    s.kill(np.sort(np.load(self.folder / e["dead"]).astype(np.int64)))
                    s.dead_saved = s.n_dead
                segs.append(s)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("word index snapshot unusable (%s): rebuilding it", exc)
            return False
        with self._lock:
            self._segments = segs
            self.max_id = int(manifest["max_id"])
            self.languages = Counter({k: int(v) for k, v in manifest.get("languages", {}).items()})
            self.dirty = False
        return True

    def catch_up(self, *, newer: Callable[[int], Iterator[list[Source]]],
                 ids_upto: Callable[[int], np.ndarray], count_upto: Callable[[int], int]) -> None:
        """Bring a loaded snapshot level with the catalog: add what is newer than it, drop
        what the catalog no longer has."""
        m = self.max_id
        if count_upto(m) != len(self):
            have = np.sort(np.asarray(ids_upto(m), dtype=np.int64))
            with self._lock:
                gones = [np.asarray(s.ids)[s.alive][~np.isin(np.asarray(s.ids)[s.alive], have)]
                     for s in self._segments]
            gone = np.concatenate(gones) if gones else np.zeros(0, np.int64)
            if len(gone):
                self.remove(gone.tolist())
        for batch in newer(m):
            self.add(batch)
        self.maintain()

    def rebuild(self, batches: Iterator[list[Source]], *, on_done: Callable[[], None] | None = None
                ) -> None:
        """Index everything the catalog holds, segment by segment (queries see each one)."""
        with self._lock:
            self._segments = []
            self._buf_ids, self._buf_terms, self._buf_dl = [], [], []
            self._buf_post, self._buf_dead = {}, set()
            self.languages = Counter()
            self._pending_removals = set()
            self.rebuilding = True
        try:
            for batch in batches:
                ids = [s.id for s in batch]
                terms = [passage_terms(s) for s in batch]
                seg = build_segment(ids, terms)
                with self._lock:
                    if self._pending_removals:
                        seg.kill(np.array(sorted(self._pending_removals), dtype=np.int64))
                    self._segments.append(seg)
                    for s in batch:
                        self.languages[s.lang or "und"] += 1
                    if ids and ids[-1] > self.max_id:
                        self.max_id = ids[-1]
                self.maintain()
        finally:
            with self._lock:
                self._pending_removals = None
                self.rebuilding = False
                self.dirty = True
        self.save()
        if on_done is not None:
            on_done()
