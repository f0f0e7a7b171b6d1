"""The word index's segments: immutable postings of a set of passages (sorted terms, CSR
postings, chunk ids, lengths, alive flags), how one is built from passages and how several
are merged into one. ``WordPostings`` holds them."""
from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from desktop_search.core.analyze import analyze
from desktop_search.fileio import fsync_dir

HEADING_BOOST = 2            # a file's heading counts twice in its first passage


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


class Segment:
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
    def load(cls, folder: Path) -> "Segment":
        arr = {k: np.load(folder / f"{k}.npy", mmap_mode="r")
               for k in ("terms", "indptr", "rows", "tf", "ids")}
        dl = np.load(folder / "dl.npy")
        if len(arr["indptr"]) != len(arr["terms"]) + 1 or len(dl) != len(arr["ids"]) \
                or int(arr["indptr"][-1]) != len(arr["rows"]) or len(arr["tf"]) != len(arr["rows"]):
            raise ValueError(f"segment {folder.name} is inconsistent")
        return cls(arr["terms"], arr["indptr"], arr["rows"], arr["tf"], arr["ids"], dl,
                   name=folder.name)


def build_segment(ids: Sequence[int], term_lists: Sequence[list[str]]) -> Segment:
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
    return Segment(terms, indptr, (keys % max(n, 1)).astype(np.int32),
                    np.minimum(counts, 65535).astype(np.uint16),
                    np.asarray(ids, dtype=np.int64), lengths.astype(np.float32))


def merge_segments(segs: Sequence[Segment]) -> Segment:
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
    return Segment(vocab[used], indptr, r.astype(np.int32), f, np.concatenate(ids),
                    np.concatenate(dls))


def drop_pages(arr: object) -> None:
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
