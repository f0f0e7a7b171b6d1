"""The look for copies and versions, kept in the catalog and brought up to date in steps.

A look (``CopiesLook.run``) does three things, each in small pieces, asking ``stop``
between two of them (the window's ``stop`` waits while the person types, so a look never
competes with a search; it returns True when the window closes):

1. **Read what changed.** Documents new or changed since the last look (and those read
   before all their vectors were made that have more now) are read, ``READ_PASSAGES``
   passages at a time: their passages' fingerprints and mean vector go into
   ``copy_docs``. Nothing else is read: a second look with nothing changed reads no
   document.
2. **Compare the new texts.** Only texts never compared (or compared before all their
   vectors were made) are compared against the index: by the passages they share
   (``copy_passages``, an index lookup) and by their mean vector's nearest (the stored
   means, streamed a block at a time, a numpy product that releases the GIL). When most
   of the library is new (the first look), the whole index is compared at once, exactly
   as ``duplicates`` states its rules. Each text considers at most ``PAIRS_PER_DOC``
   candidates (a mail archive of replies where every message has fifty near-copies must
   not cost the square of it); how many were left out is counted in ``LookStats``.
3. **Say the groups** from the stored texts and links (``duplicates.groups_of``).

Memory is bounded by the batch sizes plus, for a look of the whole index, one float16
mean vector, the fingerprints and the candidates per text (about 1 KB per document at
384 dims: 100 MB for 100,000 documents; the exact neighbours, up to 20,000 documents,
widen theirs to float32).
"""
from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterator

import numpy as np
from threadpoolctl import threadpool_limits

from desktop_search.core.search import duplicates as D
from desktop_search.core.search.neighbours import DOC_COSINE, NEIGHBOURS, close_rows
from desktop_search.core.store.copy_rows import CopyRows, Signature, as_hashes
from desktop_search.core.store.passage_rows import PassageRows

log = logging.getLogger(__name__)

#: passages read per step (a millisecond or two of work), in at most this many documents
READ_PASSAGES, READ_BATCH = 48, 32
#: documents written per transaction
WRITE_BATCH = 512
#: new texts compared per step against the stored means
COMPARE_BATCH = 512
#: stored mean vectors multiplied per piece
MEANS_BLOCK = 8192
#: candidates considered per text at most (the rest are counted as left out)
PAIRS_PER_DOC = 64
#: a look compares the whole index at once when at least this share of texts is new...
WHOLE_SHARE = 0.2
#: ... and at least this many
WHOLE_MIN = 2000


class Stopped(Exception):
    """``stop`` said so: the look ends (what it stored so far is kept)."""


@dataclass(frozen=True, slots=True)
class LookStats:
    """What one look did (tests count the work in it, benchmarks print it)."""

    mode: str = "changes"          # "whole": every text compared; "changes": the new ones
    documents_read: int = 0        # new or changed documents read
    texts_compared: int = 0        # texts compared against the index
    pairs_checked: int = 0         # candidate pairs checked by the rules
    pairs_left_out: int = 0        # candidates over PAIRS_PER_DOC, not considered
    groups: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _Source:
    """Passages of the texts being compared, read on demand, the last few kept."""

    def __init__(self, rows: CopyRows, texts: Callable[..., Any], keep: int = 256) -> None:
        self.rows = rows
        self._texts = texts
        self._keep = keep
        self._docs: OrderedDict[int, tuple[list[int], np.ndarray, np.ndarray]] = OrderedDict()
        self._shingles: OrderedDict[int, frozenset[int]] = OrderedDict()

    def _doc(self, t: D.Text) -> tuple[list[int], np.ndarray, np.ndarray]:
        got = self._docs.get(t.file_id)
        if got is None:
            ids, blobs = self.rows.vectors_of(t.file_id)
            if len(ids) != len(t.hashes):          # changed since it was read: words only
                blobs = [None] * len(t.hashes)
            pos = [i for i, b in enumerate(blobs) if b]
            if pos:
                m = np.frombuffer(b"".join(blobs[i] or b"" for i in pos), np.float16)
                m = m.reshape(len(pos), -1).astype(np.float32)
                m /= np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
            else:
                m = np.zeros((0, 0), np.float32)
            got = self._docs[t.file_id] = (ids, np.asarray(pos, np.int64), m)
            if len(self._docs) > self._keep:
                self._docs.popitem(last=False)
        return got

    def matrix(self, t: D.Text) -> tuple[np.ndarray, np.ndarray]:
        _, pos, m = self._doc(t)
        return pos, m

    def shingles(self, t: D.Text, i: int) -> frozenset[int]:
        cid = self._doc(t)[0][i]
        s = self._shingles.get(cid)
        if s is None:
            s = self._shingles[cid] = D.shingles(self._texts([cid]).get(cid, ""))
            if len(self._shingles) > 16 * self._keep:
                self._shingles.popitem(last=False)
        return s


class _Links:
    """Texts found to be versions so far (union-find), and the new links to store."""

    def __init__(self, pairs: list[tuple[int, int]]) -> None:
        self.parent: dict[int, int] = {}
        self.new: list[tuple[int, int]] = []
        for a, b in pairs:
            self.join(a, b)

    def find(self, x: int) -> int:
        p = self.parent
        p.setdefault(x, x)
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        self.parent[max(ra, rb)] = min(ra, rb)


class CopiesLook:
    """One look at the library (see the module's docstring)."""

    def __init__(self, *, passages: PassageRows, model_id: str | None = None) -> None:
        self.passages = passages
        self.rows = CopyRows(passages.catalog)
        self.model_id = model_id if model_id is not None else passages.catalog.get_meta("model_id")
        self.stats = LookStats()
        self._stop: Callable[[], bool] = lambda: False
        self._counts = dict(documents_read=0, texts_compared=0, pairs_checked=0, pairs_left_out=0)

    def run(self, *, stop: Callable[[], bool] | None = None) -> list[D.DuplicateGroup]:
        """Bring the stored look up to date and say the groups ([] when stopped)."""
        self._stop = stop or (lambda: False)
        t0 = time.perf_counter()
        try:
            with threadpool_limits(limits=1, user_api="blas"):
                mode = self._steps()
        except Stopped:
            return []
        groups = self.groups()
        self.stats = LookStats(mode=mode, groups=len(groups),
                               seconds=round(time.perf_counter() - t0, 3), **self._counts)
        log.info("copies and versions: %s", self.stats.to_json())
        return groups

    def _steps(self) -> str:
        """A look's steps (products on one BLAS thread: a few more milliseconds for the
        look, none of a search's CPU taken by spinning threads)."""
        self._check()
        self.rows.start(self.model_id)
        self._read_changed()
        self.rows.let_go_vanished()
        mode = self._compare()
        self._check()
        return mode

    def groups(self) -> list[D.DuplicateGroup]:
        """The groups as stored (no comparing: a reader beside the window's owner)."""
        docs = [(row, key, as_hashes(blob).tolist()) for row, key, blob in self.rows.grouped()]
        return D.groups_of(docs, self.rows.links())

    def _check(self) -> None:
        if self._stop():
            raise Stopped

    # -- 1. read what changed ------------------------------------------------------------
    def _read_changed(self) -> None:
        self.rows.drop_gone()
        changed = self.rows.changed()
        sigs: list[Signature] = []
        try:
            for batch in _batches(changed):
                self._check()
                stamps, rows = self.passages.of_files(batch)
                sigs += _signatures(stamps, rows)
                self._counts["documents_read"] += len(stamps)
                if len(sigs) >= WRITE_BATCH:      # fewer commits: each one cools the
                    self.rows.put(sigs)           # searches' page cache
                    sigs = []
        finally:
            self.rows.put(sigs)               # stopped: what was read is kept

    # -- 2. compare the new texts ------------------------------------------------------
    def _compare(self) -> str:
        todo = self.rows.texts_to_compare()
        if not todo:
            return "changes"
        texts, looked = self.rows.counts()
        source = _Source(self.rows, self.passages.catalog.texts)
        if not looked or len(todo) >= max(WHOLE_MIN, WHOLE_SHARE * texts):
            self.rows.forget_looks()
            self._compare_whole(source)
            return "whole"
        for i in range(0, len(todo), COMPARE_BATCH):
            self._compare_new(todo[i:i + COMPARE_BATCH], source)
        return "changes"

    def _verify(self, a: D.Text, b: D.Text, links: _Links, source: _Source) -> None:
        if links.find(a.key) == links.find(b.key):
            return                    # already one group: no need to look
        self._check()
        self._counts["pairs_checked"] += 1
        if D.are_versions(a, b, source):
            links.join(a.key, b.key)
            links.new.append((a.key, b.key))

    def _cap(self, cands: set[int]) -> list[int]:
        out = sorted(cands)
        if len(out) > PAIRS_PER_DOC:
            self._counts["pairs_left_out"] += len(out) - PAIRS_PER_DOC
            out = out[:PAIRS_PER_DOC]
        return out

    def _compare_whole(self, source: _Source) -> None:
        """Every text against every other at once (the first look): the rules as stated."""
        whole = _Whole.read(self.rows, self._check)
        cands = whole.candidates(self._check)
        self._check()
        links = _Links([])
        done: list[tuple[int, bool]] = []
        for i in range(len(whole.keys)):
            mine = cands.get(i, set())
            a = whole.text(i)
            for j in self._cap(mine):
                if j > i or i not in cands.get(j, ()):
                    self._verify(a, whole.text(j), links, source)
            done.append((a.key, whole.complete[i]))
            if len(done) >= 4 * COMPARE_BATCH:
                self.rows.mark_looked(done, links.new)
                done, links.new = [], []
        self.rows.mark_looked(done, links.new)
        self._counts["texts_compared"] += len(whole.keys)

    def _compare_new(self, todo: list[int], source: _Source) -> None:
        """These new texts against the stored index: shared passages, nearest means."""
        self._check()
        reps = list(self.rows.reps(todo))
        posted = self.rows.postings({int(h) for r in reps for h in as_hashes(r[2])})
        cands = {r[0]: {t for h in set(as_hashes(r[2]).tolist())
                        for t in posted.get(h, ()) if 2 <= len(posted[h]) <= D.MAX_POSTING} - {r[0]}
                 for r in reps}
        for key, near in self._nearest(reps).items():
            cands[key] |= near
        others = {t for c in cands.values() for t in c} - set(cands)
        reps += list(self.rows.reps(others))
        posted.update(self.rows.postings(
            {int(h) for r in reps for h in as_hashes(r[2]) if int(h) not in posted}))
        texts = {r[0]: _text(r, posted) for r in reps}
        links = _Links(self.rows.links())
        for key in todo:
            if key in cands:
                for other in self._cap(cands[key]):
                    self._verify(texts[key], texts[other], links, source)
        self.rows.mark_looked([(r[0], bool(r[4])) for r in reps if r[0] in cands], links.new)
        self._counts["texts_compared"] += len(cands)

    def _nearest(self, reps: list[tuple[Any, ...]]) -> dict[int, set[int]]:
        """Each new text's ``NEIGHBOURS`` nearest stored texts by mean vector (cosine at
        least ``DOC_COSINE``), over the stored means a block at a time."""
        mine = [r for r in reps if r[3]]
        if not mine:
            return {}
        keys = np.array([r[0] for r in mine], np.int64)
        q = np.frombuffer(b"".join(r[3] for r in mine), np.float16).reshape(len(mine), -1)
        q = q.astype(np.float32)
        best_s = np.full((len(mine), NEIGHBOURS), -2.0, np.float32)
        best_t = np.zeros((len(mine), NEIGHBOURS), np.int64)
        for block_keys, block in self.rows.means(MEANS_BLOCK):
            self._check()
            if block.shape[1] != q.shape[1]:
                continue
            s = q @ block.astype(np.float32).T
            s[keys[:, None] == block_keys[None, :]] = -2.0        # not itself
            s = np.concatenate([best_s, s], axis=1)
            t = np.concatenate([best_t, np.broadcast_to(block_keys, (len(mine), len(block_keys)))], axis=1)
            top = np.argpartition(-s, NEIGHBOURS - 1, axis=1)[:, :NEIGHBOURS]
            best_s, best_t = np.take_along_axis(s, top, 1), np.take_along_axis(t, top, 1)
        return {int(k): {int(t) for t, s in zip(ts, ss) if s >= DOC_COSINE}
                for k, ts, ss in zip(keys, best_t, best_s)}


class _Whole:
    """Every text at once, lean: fingerprints in one flat array, means in one matrix."""

    def __init__(self) -> None:
        self.keys: list[int] = []
        self.file_ids: list[int] = []
        self.complete: list[bool] = []
        self.flat = np.zeros(0, np.int64)
        self.offsets = np.zeros(1, np.int64)
        self.common = np.zeros(0, bool)
        self.with_mean: list[int] = []
        self.means = np.zeros((0, 0), np.float16)

    @classmethod
    def read(cls, rows: CopyRows, check: Callable[[], None]) -> "_Whole":
        w = cls()
        parts: list[np.ndarray] = []
        means: list[np.ndarray] = []
        for n, (key, fid, blob, mean, complete) in enumerate(rows.reps()):
            if n % 256 == 0:
                check()
            w.keys.append(key)
            w.file_ids.append(fid)
            w.complete.append(bool(complete))
            parts.append(as_hashes(blob))
            if mean and (not means or len(mean) // 2 == len(means[0])):
                w.with_mean.append(n)
                means.append(np.frombuffer(mean, np.float16))
        if parts:
            w.flat = np.concatenate(parts)
            w.offsets = np.cumsum([0] + [len(p) for p in parts])
        if means:
            w.means = np.stack(means)          # float16: widened a block at a time
        return w

    def text(self, i: int) -> D.Text:
        a, b = self.offsets[i], self.offsets[i + 1]
        return D.Text(self.keys[i], self.file_ids[i], self.flat[a:b].tolist(),
                      self.common[a:b].tolist())

    def candidates(self, check: Callable[[], None]) -> dict[int, set[int]]:
        """Texts sharing a passage (not boilerplate), and each text's nearest by mean."""
        owner = np.repeat(np.arange(len(self.keys)), np.diff(self.offsets))
        pairs = np.unique(np.stack([self.flat, owner], axis=1), axis=0)   # (hash, text) once
        hashes, start, count = np.unique(pairs[:, 0], return_index=True, return_counts=True)
        self.common = np.isin(self.flat, hashes[count >= D.COMMON_DOCS])
        cands: dict[int, set[int]] = {}
        shared = (count >= 2) & (count <= D.MAX_POSTING)
        for n, (s, c) in enumerate(zip(start[shared].tolist(), count[shared].tolist())):
            if n % 256 == 0:
                check()
            members = pairs[s:s + c, 1].tolist()
            for m in members:
                cands.setdefault(m, set()).update(members)
        for m, c in cands.items():
            c.discard(m)
        if len(self.with_mean) >= 2:
            rows, cols = close_rows(self.means, check=check)
            idx = np.asarray(self.with_mean)
            for r, c in zip(idx[rows].tolist(), idx[cols].tolist()):
                cands.setdefault(r, set()).add(c)
                cands.setdefault(c, set()).add(r)
        self.means = np.zeros((0, 0), np.float32)          # done with: let it go
        return cands


def _batches(changed: list[tuple[int, int]]) -> Iterator[list[int]]:
    """File ids, ``READ_PASSAGES`` passages or ``READ_BATCH`` documents a batch."""
    batch: list[int] = []
    passages = 0
    for fid, n in changed:
        batch.append(fid)
        passages += n
        if passages >= READ_PASSAGES or len(batch) >= READ_BATCH:
            yield batch
            batch, passages = [], 0
    if batch:
        yield batch


def _text(rep: tuple[Any, ...], posted: dict[int, set[int]]) -> D.Text:
    hashes = as_hashes(rep[2]).tolist()
    return D.Text(rep[0], rep[1], hashes,
                  [len(posted.get(h, ())) >= D.COMMON_DOCS for h in hashes])


def _signatures(stamps: dict[int, Any], rows: list[tuple[int, int, str, bytes | None]]
                ) -> list[Signature]:
    """Each document's signature from its passages (in reading order)."""
    out: list[Signature] = []
    cur: Any = None
    hashes: list[Any] = []
    vecs: list[bytes] = []

    def flush() -> None:
        if cur in stamps and hashes:
            dims = {len(v) for v in vecs}
            mean = None
            if vecs and len(dims) == 1:
                total = np.frombuffer(b"".join(vecs), np.float16).reshape(len(vecs), -1)
                total = total.astype(np.float32).sum(axis=0)
                mean = total / max(float(np.linalg.norm(total)), 1e-12)
            mtime, n_chunks, indexed_at = stamps[cur]
            out.append(Signature(cur, mtime, n_chunks, indexed_at, len(vecs),
                                 np.asarray(hashes, np.int64), mean))

    for _cid, fid, text, blob in rows:
        if fid != cur:
            flush()
            cur, hashes, vecs = fid, [], []
        hashes.append(D.passage_digest(text))
        if blob:
            vecs.append(blob)
    flush()
    return out
