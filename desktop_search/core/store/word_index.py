"""The word index: BM25 over passages, in memory and memory-mapped, fed by the catalog.

Why not SQLite FTS5: its ``bm25()`` scores every row that matches any OR-ed word, which
took 577 ms (p95) a query at a million passages. Here a query reads only the posting
lists of its own words (contiguous numpy slices, memory-mapped from disk) and scores
them in a few vectorised passes; words too common to tell passages apart are dropped.

The catalog is the truth; this index is a copy that can always be rebuilt from it:

- the catalog feeds it (``add``/``remove``) inside its write lock, after each commit;
- it lives in immutable *segments* (sorted terms, CSR postings, chunk ids, lengths) plus
  a small in-memory buffer of recent passages; segments are merged in the background as
  they accumulate (as Lucene does); deletions are tombstones until the next merge;
- ``save`` writes new segments and a manifest atomically (temp file, fsync, rename). A
  snapshot covers every chunk id up to ``max_id``: at open, chunks above it are added
  from the catalog and chunks the catalog no longer has are dropped, so a kill at any
  moment loses nothing. Without a usable snapshot the index is rebuilt from the catalog
  on a background thread, segment by segment, and answers from what it has meanwhile.
"""
from __future__ import annotations

import json
import logging
import math
import mmap
import os
import shutil
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from desktop_search.core.analyze import QueryWord, analyze, has_stemmer
from desktop_search.fileio import atomic_write_text, fsync_dir

log = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
FORMAT = 1
FLUSH_CHUNKS = 5000          # buffered passages before they become a segment
MAX_SEGMENTS = 8             # more than this and the smallest ones are merged...
# ...into segments of at most this many passages: a merge holds its postings in memory
# (~26 bytes each, ~50 a passage), so its peak stays near 300 MB at most
MAX_MERGED_PASSAGES = 250_000
HEADING_BOOST = 2            # a file's heading counts twice in its first passage
# In a big index a query word in more than this share of passages barely moves BM25
# (idf < 0.7) but costs the most to score: skipped unless the query has nothing else.
COMMON_SHARE = 0.4
COMMON_MIN_PASSAGES = 10000
RELEASE_AFTER_S = 0.5        # after a query, mapped pages read are handed back this much later


@dataclass(frozen=True, slots=True)
class Source:
    """One passage as the catalog hands it over."""
    id: int
    text: str
    heading: str        # the file's heading for its first passage, else ""
    lang: str | None


def passage_terms(src: Source) -> list[str]:
    terms = analyze(src.text, src.lang)
    if src.heading:
        terms = analyze(src.heading, src.lang) * HEADING_BOOST + terms
    return terms


class _Segment:
    """Immutable postings of a set of passages (alive flags aside)."""

    __slots__ = ("terms", "indptr", "rows", "tf", "ids", "dl", "alive", "n_dead", "name",
                 "dead_saved", "_dl_sum", "_k")

    def __init__(self, terms: np.ndarray, indptr: np.ndarray, rows: np.ndarray, tf: np.ndarray,
                 ids: np.ndarray, dl: np.ndarray, name: str | None = None) -> None:
        self.terms = terms          # S bytes, sorted (utf-8 keeps code point order)
        self.indptr = indptr        # int64, len(terms) + 1
        self.rows = rows            # int32, row of each posting, ascending within a term
        self.tf = tf                # uint16
        self.ids = ids              # int64 chunk ids, ascending
        self.dl = np.asarray(dl, dtype=np.float32)
        self.alive = np.ones(len(ids), dtype=bool)
        self.n_dead = 0
        self.name = name            # folder name once saved
        self.dead_saved = 0         # n_dead at the last save
        self._dl_sum: tuple[int, float] | None = None
        self._k: tuple[float, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def postings(self, term: bytes) -> tuple[int, int]:
        i = int(np.searchsorted(self.terms, term))
        if i < len(self.terms) and self.terms[i] == term:
            return int(self.indptr[i]), int(self.indptr[i + 1])
        return 0, 0

    def kill(self, ids: np.ndarray) -> int:
        """Tombstone the rows of these chunk ids (sorted); returns how many were alive."""
        ids = np.asarray(ids, dtype=np.int64)
        own = np.asarray(self.ids)
        pos = np.searchsorted(own, ids)
        ok = pos < len(own)
        pos, ids = pos[ok], ids[ok]
        pos = pos[own[pos] == ids]
        pos = pos[self.alive[pos]]
        self.alive[pos] = False
        self.n_dead += len(pos)
        return len(pos)

    @property
    def alive_dl(self) -> float:
        if self._dl_sum is None or self._dl_sum[0] != self.n_dead:
            total = float(self.dl[self.alive].sum()) if self.n_dead else float(self.dl.sum())
            self._dl_sum = (self.n_dead, total)
        return self._dl_sum[1]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for key in ("terms", "indptr", "rows", "tf", "ids", "dl"):
            path = folder / f"{key}.npy"
            with open(path, "wb") as f:
                np.save(f, np.ascontiguousarray(getattr(self, key)))
                f.flush()
                os.fsync(f.fileno())
        fsync_dir(folder)

    @classmethod
    def load(cls, folder: Path) -> "_Segment":
        arr = {k: np.load(folder / f"{k}.npy", mmap_mode="r")
               for k in ("terms", "indptr", "rows", "tf", "ids")}
        dl = np.load(folder / "dl.npy")
        if len(arr["indptr"]) != len(arr["terms"]) + 1 or len(dl) != len(arr["ids"]) \
                or int(arr["indptr"][-1]) != len(arr["rows"]) or len(arr["tf"]) != len(arr["rows"]):
            raise ValueError(f"segment {folder.name} is inconsistent")
        return cls(arr["terms"], arr["indptr"], arr["rows"], arr["tf"], arr["ids"], dl,
                   name=folder.name)


def build_segment(ids: Sequence[int], term_lists: Sequence[list[str]]) -> _Segment:
    """Postings of passages (ids ascending) from their analyzed terms."""
    n = len(ids)
    vocab: dict[str, int] = {}
    setdefault = vocab.setdefault
    flat = [setdefault(t, len(vocab)) for tl in term_lists for t in tl]
    lengths = np.fromiter((len(tl) for tl in term_lists), dtype=np.int64, count=n)
    words = sorted(vocab)
    rank = np.empty(len(vocab), dtype=np.int64)
    rank[np.fromiter((vocab[w] for w in words), dtype=np.int64, count=len(words))] = \
        np.arange(len(words), dtype=np.int64)
    tid = rank[np.asarray(flat, dtype=np.int64)] if flat else np.zeros(0, np.int64)
    row = np.repeat(np.arange(n, dtype=np.int64), lengths)
    keys, counts = np.unique(tid * max(n, 1) + row, return_counts=True)
    term_of = keys // max(n, 1)
    indptr = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(np.bincount(term_of, minlength=len(words)), out=indptr[1:])
    terms = np.array([w.encode("utf-8") for w in words], dtype=bytes) if words \
        else np.zeros(0, dtype="S1")
    return _Segment(terms, indptr, (keys % max(n, 1)).astype(np.int32),
                    np.minimum(counts, 65535).astype(np.uint16),
                    np.asarray(ids, dtype=np.int64), lengths.astype(np.float32))


def merge_segments(segs: Sequence[_Segment]) -> _Segment:
    """One segment holding the live passages of several (ids stay ascending)."""
    segs = sorted(segs, key=lambda s: int(s.ids[0]) if len(s) else 0)
    vocab = np.unique(np.concatenate([np.asarray(s.terms) for s in segs]))
    parts_t, parts_r, parts_f, ids, dls = [], [], [], [], []
    offset = 0
    for s in segs:
        keep = np.asarray(s.alive)
        newrow = np.cumsum(keep) - 1 + offset
        tmap = np.searchsorted(vocab, np.asarray(s.terms)).astype(np.int32)
        t = np.repeat(tmap, np.diff(np.asarray(s.indptr)))
        r = np.asarray(s.rows)
        live = keep[r]
        parts_t.append(t[live])
        parts_r.append(newrow[r[live]].astype(np.int32))
        parts_f.append(np.asarray(s.tf)[live])
        ids.append(np.asarray(s.ids)[keep])
        dls.append(np.asarray(s.dl)[keep])
        offset += int(keep.sum())
    t = np.concatenate(parts_t)
    r = np.concatenate(parts_r)
    f = np.concatenate(parts_f)
    # each part is sorted by (term, row) and the parts' rows ascend: a stable sort by term
    # alone leaves rows ascending within each term
    order = np.argsort(t, kind="stable")
    t, r, f = t[order], r[order], f[order]
    del order
    counts = np.bincount(t, minlength=len(vocab))
    used = counts > 0
    indptr = np.zeros(int(used.sum()) + 1, dtype=np.int64)
    np.cumsum(counts[used], out=indptr[1:])
    return _Segment(vocab[used], indptr, r.astype(np.int32), f, np.concatenate(ids),
                    np.concatenate(dls))


class WordIndex:
    """BM25 over passages (chunk ids), thread-safe; ``folder=None`` keeps it in memory."""

    def __init__(self, *, folder: Path | None, read_only: bool = False) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.read_only = read_only          # loads the snapshot, never writes one
        self._lock = threading.RLock()
        self._save_lock = threading.Lock()      # one save at a time
        self._segments: list[_Segment] = []
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
            victims: list[_Segment] = []
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

    def _norm(self, seg: _Segment, avgdl: float) -> np.ndarray:
        """k1 * (1 - b + b * dl / avgdl) per row, cached while avgdl stays put."""
        hit = seg._k
        if hit is not None and abs(hit[0] - avgdl) <= 0.01 * avgdl:
            return hit[1]
        k = (K1 * (1 - B + B * np.asarray(seg.dl) / avgdl)).astype(np.float32)
        seg._k = (avgdl, k)
        return k

    # -- search --------------------------------------------------------------------------
    def search(self, words: Sequence[QueryWord], limit: int) -> list[tuple[int, float]]:
        """Top passages by BM25 (Lucene's idf, k1=1.2, b=0.75): (chunk id, score)."""
        if not words or limit <= 0:
            return []
        with self._lock:
            segs = list(self._segments)
            n, avgdl = self._stats()
            if n == 0:
                return []
            forms: list[tuple[bytes, str]] = []
            for w in words:
                for f in w.forms:
                    forms.append((f.encode("utf-8"), f))
            forms = list(dict.fromkeys(forms))
            spans = [[s.postings(b) for s in segs] for b, _ in forms]
            df = [sum(e - a for a, e in sp) + len(self._buf_post.get(f, ()))
                  for sp, (_, f) in zip(spans, forms)]
            common = COMMON_SHARE * n if n >= COMMON_MIN_PASSAGES else n
            keep = [i for i, d in enumerate(df) if d and d <= common]
            if not keep:
                keep = [i for i, d in enumerate(df) if d]
            if not keep:
                return []
            idf = {i: math.log(1.0 + (n - df[i] + 0.5) / (df[i] + 0.5)) for i in keep}
            buf = None
            if self._buf_ids:
                buf = ([list(self._buf_post.get(forms[i][1], ())) for i in keep],
                       list(self._buf_ids), list(self._buf_dl), set(self._buf_dead))
            norms = [self._norm(s, avgdl) for s in segs]
        cands_ids: list[np.ndarray] = []
        cands_sc: list[np.ndarray] = []
        for si, s in enumerate(segs):
            sl = [(i, spans[i][si]) for i in keep if spans[i][si][1] > spans[i][si][0]]
            if not sl:
                continue
            k = norms[si]
            total = sum(e - a for _, (a, e) in sl)
            if total * 4 < len(s):          # few postings: score them sparsely
                rows = np.concatenate([np.asarray(s.rows[a:e]) for _, (a, e) in sl])
                sc = np.concatenate([_bm25(np.asarray(s.tf[a:e]), k[np.asarray(s.rows[a:e])], idf[i])
                                     for i, (a, e) in sl])
                urows, inv = np.unique(rows, return_inverse=True)
                acc = np.bincount(inv, weights=sc).astype(np.float32)
                if s.n_dead:
                    live = s.alive[urows]
                    urows, acc = urows[live], acc[live]
                top = _top(acc, limit)
                cands_ids.append(np.asarray(s.ids)[urows[top]])
                cands_sc.append(acc[top])
            else:
                acc = np.zeros(len(s), dtype=np.float32)
                for i, (a, e) in sl:
                    r = np.asarray(s.rows[a:e])
                    acc[r] += _bm25(np.asarray(s.tf[a:e]), k[r], idf[i])
                if s.n_dead:
                    acc[~s.alive] = 0.0
                nz = np.flatnonzero(acc)
                top = nz[_top(acc[nz], limit)]
                cands_ids.append(np.asarray(s.ids)[top])
                cands_sc.append(acc[top])
        if buf is not None:
            lists, bids, bdl, bdead = buf
            sums: dict[int, float] = {}
            for i, plist in zip(keep, lists):
                for row, tf in plist:
                    kk = K1 * (1 - B + B * bdl[row] / avgdl)
                    sums[row] = sums.get(row, 0.0) + idf[i] * tf * (K1 + 1) / (tf + kk)
            items = [(bids[r], v) for r, v in sums.items() if bids[r] not in bdead]
            if items:
                cands_ids.append(np.array([c for c, _ in items], dtype=np.int64))
                cands_sc.append(np.array([v for _, v in items], dtype=np.float32))
        self._schedule_release()
        if not cands_ids:
            return []
        ids = np.concatenate(cands_ids)
        sc = np.concatenate(cands_sc)
        top = _top(sc, limit)
        top = top[np.argsort(-sc[top], kind="stable")]
        return [(int(ids[t]), float(sc[t])) for t in top]

    def live_ids(self) -> np.ndarray:
        """Every chunk id the index holds (for checks)."""
        with self._lock:
            parts = [np.asarray(s.ids)[s.alive] for s in self._segments]
            parts.append(np.array([i for i in self._buf_ids if i not in self._buf_dead],
                                  dtype=np.int64))
        return np.sort(np.concatenate(parts))

    def release_pages(self) -> None:
        """Drop the mapped posting pages queries have read (see ``_drop_pages``)."""
        with self._lock:
            segs = list(self._segments)
            self._release_timer = None
        for seg in segs:
            for arr in (seg.rows, seg.tf, seg.terms, seg.indptr, seg.ids):
                _drop_pages(arr)

    def _schedule_release(self) -> None:
        with self._lock:
            if self._release_timer is not None or self.folder is None:
                return
            t = threading.Timer(RELEASE_AFTER_S, self.release_pages)
            t.daemon = True
            self._release_timer = t
        t.start()

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

    # -- persistence ---------------------------------------------------------------------
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
                fresh = _Segment.load(folder / name)   # memory-mapped from now on
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
                s = _Segment.load(self.folder / e["name"])
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


def _drop_pages(arr: object) -> None:
    """Let the kernel take back the pages of a memory-mapped array we read (they stay in
    the page cache: the next query that needs them maps them again for the cost of a minor
    fault). Keeps an idle process's resident memory to what it holds, not what it read."""
    mm = getattr(arr, "_mmap", None)
    if mm is None or not hasattr(mm, "madvise") or not hasattr(mmap, "MADV_DONTNEED"):
        return
    try:
        mm.madvise(mmap.MADV_DONTNEED)
    except (OSError, ValueError):
        pass


def _bm25(tf: np.ndarray, k: np.ndarray, idf: float) -> np.ndarray:
    f = tf.astype(np.float32)
    out: np.ndarray = (idf * (K1 + 1)) * f / (f + k)
    return out


def _top(scores: np.ndarray, limit: int) -> np.ndarray:
    if len(scores) <= limit:
        return np.arange(len(scores))
    return np.argpartition(-scores, limit - 1)[:limit]
