"""Which documents are close: rows of a matrix of unit vectors (each document's mean
passage vector) whose cosine is at least ``DOC_COSINE``, each row's ``NEIGHBOURS``
nearest. Exact (blocked matrix products) up to ``EXACT_DOCS`` rows; past that, by
random-hyperplane hashing, whose buckets are compared exactly."""
from __future__ import annotations

from typing import Callable

import numpy as np

#: nearest documents (by mean vector) looked at for each document
NEIGHBOURS = 8
#: cosine of two documents' mean passage vectors for them to be looked at together
DOC_COSINE = 0.85
#: up to this many documents the nearest are found exactly; past it, by hashing
EXACT_DOCS = 20_000
#: random-hyperplane hashing: bands of bits (a pair at cosine 0.97 meets in one of 40
#: bands of 18 bits with probability 0.99997, at 0.95 with 0.998, at 0.9 with 0.92)
LSH_BANDS, LSH_BITS = 40, 18
#: a hashing bucket larger than this is skipped (it is not a few versions)
LSH_BUCKET_MAX = 64


def close_rows(m: np.ndarray, *, check: Callable[[], None] = lambda: None) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols): pairs of close rows of ``m`` (unit vectors, float32 or float16). ``check`` is
    called between two pieces of the work (a few milliseconds each): background work
    that must give way raises or waits there."""
    if len(m) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if len(m) <= EXACT_DOCS:
        return _nearest_exact(m.astype(np.float32, copy=False), check)
    return _nearest_hashed(m, check)       # float16 rows are widened a block at a time


def _nearest_exact(m: np.ndarray, check: Callable[[], None],
                   block: int = 32) -> tuple[np.ndarray, np.ndarray]:
    k = min(NEIGHBOURS, len(m) - 1)
    rows, cols = [], []
    for a in range(0, len(m), block):
        check()
        s = m[a:a + block] @ m.T
        s[np.arange(len(s)), np.arange(a, a + len(s))] = -1.0      # not itself
        close = s >= DOC_COSINE
        many = close.sum(axis=1) > k          # only these rows need their k nearest
        r, c = np.nonzero(close & ~many[:, None])
        rows.append(r + a)
        cols.append(c)
        if many.any():
            which = np.flatnonzero(many)
            top = np.argpartition(-s[which], k - 1, axis=1)[:, :k]
            good = np.take_along_axis(s[which], top, axis=1) >= DOC_COSINE
            r, c = np.nonzero(good)
            rows.append(which[r] + a)
            cols.append(top[r, c])
    return np.concatenate(rows), np.concatenate(cols)


def _band_keys(m: np.ndarray, check: Callable[[], None], block: int = 1024) -> np.ndarray:
    """Each row's bucket in each band (rows x bands, int32), a block of rows at a time
    (the bits of all rows at once would be rows x 720 bytes)."""
    gen = np.random.default_rng(17)
    planes = gen.standard_normal((m.shape[1], LSH_BANDS * LSH_BITS)).astype(np.float32)
    weights = (1 << np.arange(LSH_BITS, dtype=np.int64))
    keys = np.empty((len(m), LSH_BANDS), np.int32)
    for a in range(0, len(m), block):
        check()
        bits = (m[a:a + block].astype(np.float32) @ planes) > 0
        keys[a:a + block] = bits.reshape(-1, LSH_BANDS, LSH_BITS).astype(np.int64) @ weights
    return keys


def _nearest_hashed(m: np.ndarray, check: Callable[[], None],
                    piece: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Random-hyperplane hashing: documents that fall in one bucket of some band are
    compared exactly (a fixed seed: the same library gives the same groups)."""
    all_keys = _band_keys(m, check)
    found = []
    for band in range(LSH_BANDS):
        check()
        keys = all_keys[:, band].astype(np.int64)
        order = np.argsort(keys, kind="stable")
        sk = keys[order]
        # a bucket too big to be a few versions is left out
        starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
        sizes = np.diff(np.r_[starts, len(sk)])
        size_of = np.repeat(sizes, sizes)
        sk = np.where(size_of <= LSH_BUCKET_MAX, sk, -1 - np.arange(len(sk)))
        # the members of a bucket are neighbours in sorted order: pair each with the ones
        # d places after it, for every d up to the biggest bucket kept
        for d in range(1, min(LSH_BUCKET_MAX, len(sk))):
            same = sk[:-d] == sk[d:]
            if not same.any():
                break
            a, b = order[:-d][same], order[d:][same]
            found.append(np.minimum(a, b) * len(m) + np.maximum(a, b))
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pair = np.unique(np.concatenate(found))
    rows, cols = [], []
    for i in range(0, len(pair), piece):          # a piece at a time: bounded memory
        check()
        p = pair[i:i + piece]
        r, c = p // len(m), p % len(m)
        keep = np.einsum("ij,ij->i", m[r].astype(np.float32), m[c].astype(np.float32)) >= DOC_COSINE
        rows.append(r[keep])
        cols.append(c[keep])
    return np.concatenate(rows), np.concatenate(cols)
