"""Copies and versions: documents with the same text, and documents that are near the same.

Everything comes from what the index already holds (each passage's text and stored
vector); nothing is read from disk again:

1. **Copies.** Every passage's text is hashed (spaces folded); documents whose passage
   hashes are the same sequence have the same text, whatever their names or formats.
   Each set of copies is then handled as one document (its newest member).
2. **Candidates.** Two documents are looked at together when they share a passage word
   for word, or when their mean passage vectors are close (``neighbours.close_rows``).
   A passage found in ``COMMON_DOCS`` documents or more
   is *common* (a letterhead, a footer, a form's headings); one in more than
   ``MAX_POSTING`` documents is boilerplate by any measure and proposes no pair.
3. **Changed passages.** Between two candidates, passages whose vectors are close
   (cosine >= ``NEAR_COSINE``) and whose words (3-word shingles) are >= ``NEAR_WORDS``
   the same are one passage with a few sentences changed.
4. **Versions.** Two documents are versions of each other when (a) at least ``COVER`` of
   the passages of *both* are matched (word for word, or as changed passages, one to
   one), and (b) at least ``OWN`` of their own passages (those not common) are matched
   too: twenty letters with the same letterhead and footer share their common passages,
   but their bodies match nothing, so they are not versions. Versions of versions form
   one group.

How much differs is said per member against the group's newest: the share of passages
that are not word for word the same.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np

from desktop_search.i18n import _
from desktop_search.core.store.passage_rows import DocumentRow, PassageRows

log = logging.getLogger(__name__)

IDENTICAL = "identical"
VERSIONS = "versions"

#: a passage in this many different documents (copies counted once) is common
COMMON_DOCS = 3
#: a passage in more documents than this proposes no pair (boilerplate by any measure)
MAX_POSTING = 50
#: cosine of two passages' vectors for them to be candidates for "the same, changed"
NEAR_COSINE = 0.85
#: share of 3-word shingles two passages must have in common (Dice) to be "the same, changed"
NEAR_WORDS = 0.6
#: share of the passages of both documents that must match for them to be versions
COVER = 0.75
#: share of their own (not common) passages that must match
OWN = 0.5

_WORD = re.compile(r"\w+")


def inside_of(doc: DocumentRow) -> list[str]:
    """The chain inside the file a document is (archive member, mail message), outermost
    first; ``[]`` for a plain file. The one place that names it for copies and versions."""
    return list(json.loads(doc.inside)) if doc.inside else []


def doc_key(path: str, inside: list[str] | tuple[str, ...] = ()) -> str:
    """What names one document in ``copies_by_path``: its path, and for a document inside
    a file (sharing that path with its siblings) the chain inside it too."""
    return "\x1f".join([path, *inside]) if inside else path


@dataclass(frozen=True, slots=True)
class Member:
    """One document of a group."""

    file_id: int
    path: str
    inside: list[str]
    modified: float            # unix seconds
    size: int
    newest: bool = False
    changed: int = 0           # % of passages not word for word the same as the newest's
    same_as: int = 0           # the file id of the newest member with this very text

    def to_json(self) -> dict[str, Any]:
        return dict(path=self.path, inside=list(self.inside), modified=self.modified,
                    size=self.size, newest=self.newest, changed=self.changed)


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Documents that are the same (``identical``) or near the same (``versions``); the
    newest first."""

    kind: str
    members: tuple[Member, ...]

    @property
    def changed(self) -> int:
        """The most any member differs from the newest (% of passages)."""
        return max((m.changed for m in self.members), default=0)

    @property
    def newest(self) -> Member:
        return self.members[0]

    def describe(self) -> str:
        """"identical" or "up to n% of passages changed"."""
        if self.kind == IDENTICAL:
            return _("identical")
        return _("up to {percent}% of passages changed").format(percent=self.changed)

    def to_json(self) -> dict[str, Any]:
        return dict(kind=self.kind, changed=self.changed,
                    members=[m.to_json() for m in self.members])


def copies_by_path(groups: list[DuplicateGroup]) -> dict[str, tuple[Member, ...]]:
    """For each document that has copies (the same text elsewhere): the others, the
    newest first. What a result list folds into one row."""
    sets: dict[tuple[int, int], list[Member]] = defaultdict(list)
    for gi, g in enumerate(groups):
        for m in g.members:
            sets[(gi, m.same_as)].append(m)
    out: dict[str, tuple[Member, ...]] = {}
    for same in sets.values():
        if len(same) > 1:
            same.sort(key=lambda m: (-m.modified, m.path))
            for m in same:
                out[doc_key(m.path, m.inside)] = tuple(o for o in same if o is not m)
    return out


@dataclass
class _Doc:
    """A text as grouped: its newest document, its fingerprints, the others with it."""

    row: DocumentRow
    hashes: list[int]
    copies: list[DocumentRow] = field(default_factory=list)


@dataclass(slots=True)
class Text:
    """One text as the look compares it: its newest document, its passages' fingerprints
    and which of them are common (in ``COMMON_DOCS`` texts or more)."""

    key: int                  # the text's fingerprint (``copy_rows.text_hash``)
    file_id: int
    hashes: list[int]
    common: list[bool]


class PassageSource(Protocol):
    """The passages of a text, read when a pair needs them (not held for the library)."""

    def matrix(self, t: Text) -> tuple[np.ndarray, np.ndarray]:
        """(positions, unit vectors float32) of the passages that have a vector."""
        ...

    def shingles(self, t: Text, i: int) -> frozenset[int]:
        """The 3-word shingles of passage ``i``."""
        ...


def passage_digest(text: str) -> int:
    """A passage's text, spaces folded, as a 64-bit number."""
    norm = " ".join(text.split()).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(norm, digest_size=8).digest(), "little", signed=True)


def shingles(text: str) -> frozenset[int]:
    """The 3-word shingles of a text (words folded to lower case), hashed."""
    words = _WORD.findall(text.casefold())
    if len(words) < 3:
        return frozenset([hash(tuple(words))]) if words else frozenset()
    return frozenset(hash((words[i], words[i + 1], words[i + 2])) for i in range(len(words) - 2))


def dice(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def find_duplicates(*, passages: PassageRows,
                    stop: Callable[[], bool] | None = None) -> list[DuplicateGroup]:
    """Every group of copies and of versions in the index, the largest first (the look
    of ``copies_look``, comparing only what changed since the last one).

    Passages without a vector yet (the model is still reading them) are matched word for
    word only. ``stop`` is asked now and then (and may wait while the person types):
    when it says so, the work ends at once with no groups (the window is closing)."""
    from desktop_search.core.search.copies_look import CopiesLook

    return CopiesLook(passages=passages).run(stop=stop)


def are_versions(a: Text, b: Text, source: PassageSource) -> bool:
    """Rule 4: most passages of both match, and so do most of their own ones."""
    matched_a = [False] * len(a.hashes)
    matched_b = [False] * len(b.hashes)
    free_b: dict[int, list[int]] = defaultdict(list)
    for j, h in enumerate(b.hashes):
        free_b[h].append(j)
    for i, h in enumerate(a.hashes):
        if free_b.get(h):
            matched_a[i] = matched_b[free_b[h].pop()] = True
    need_a, need_b = COVER * len(a.hashes), COVER * len(b.hashes)
    short_a, short_b = len(a.hashes) - sum(matched_a), len(b.hashes) - sum(matched_b)
    if short_a > len(a.hashes) - need_a or short_b > len(b.hashes) - need_b:
        _match_changed(a, b, matched_a, matched_b, source)
    if sum(matched_a) < need_a or sum(matched_b) < need_b:
        return False
    own = [m for m, c in zip(matched_a, a.common) if not c]
    own += [m for m, c in zip(matched_b, b.common) if not c]
    return not own or sum(own) >= OWN * len(own)


def _match_changed(a: Text, b: Text, matched_a: list[bool], matched_b: list[bool],
                   source: PassageSource) -> None:
    """Pair the passages left over on both sides that are one passage with a few
    sentences changed (close vectors, mostly the same words), one to one, closest first."""
    pa, ma = source.matrix(a)
    pb, mb = source.matrix(b)
    if not len(pa) or not len(pb) or ma.shape[1] != mb.shape[1]:
        return
    left_a = np.fromiter((not matched_a[i] for i in pa), bool, count=len(pa))
    left_b = np.fromiter((not matched_b[j] for j in pb), bool, count=len(pb))
    pa, ma, pb, mb = pa[left_a], ma[left_a], pb[left_b], mb[left_b]
    if not len(pa) or not len(pb):
        return
    sims = ma @ mb.T
    order = np.argsort(-sims, axis=None)
    for flat in order.tolist():
        r, c = divmod(flat, sims.shape[1])
        if sims[r, c] < NEAR_COSINE:
            break
        i, j = int(pa[r]), int(pb[c])
        if matched_a[i] or matched_b[j]:
            continue
        if dice(source.shingles(a, i), source.shingles(b, j)) >= NEAR_WORDS:
            matched_a[i] = matched_b[j] = True


def groups_of(docs: list[tuple[DocumentRow, int, list[int]]],
              links: list[tuple[int, int]]) -> list[DuplicateGroup]:
    """The groups, from every document that has a copy or a version: (document, its
    text, the text's fingerprints), and the pairs of texts that are versions."""
    by_text: dict[int, list[tuple[DocumentRow, list[int]]]] = defaultdict(list)
    for row, key, hashes in docs:
        by_text[key].append((row, hashes))
    parent = {t: t for t in by_text}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            parent[max(ra, rb)] = min(ra, rb)
    components: dict[int, list[_Doc]] = defaultdict(list)
    for key, same in by_text.items():
        same.sort(key=lambda d: (-d[0].mtime_ns, d[0].path))
        doc = _Doc(same[0][0], same[0][1], [row for row, _ in same[1:]])
        components[find(key)].append(doc)
    groups = [_group(texts) for texts in components.values()
              if len(texts) > 1 or texts[0].copies]
    groups.sort(key=lambda g: (-len(g.members), g.newest.path))
    return groups


def _group(docs: list[_Doc]) -> DuplicateGroup:
    docs = sorted(docs, key=lambda d: (-d.row.mtime_ns, d.row.path))
    newest = docs[0]
    kind = IDENTICAL if len(docs) == 1 else VERSIONS
    members = [_member(newest.row, newest.row.id, newest=True)]
    members += [_member(c, newest.row.id) for c in newest.copies]
    for d in docs[1:]:
        changed = _changed_share(d.hashes, newest.hashes)
        members += [_member(r, d.row.id, changed=changed) for r in (d.row, *d.copies)]
    members[1:] = sorted(members[1:], key=lambda m: (m.changed, -m.modified, m.path))
    return DuplicateGroup(kind=kind, members=tuple(members))


def _changed_share(a: list[int], b: list[int]) -> int:
    """% of passages not word for word the same (of the longer of the two)."""
    same = sum((Counter(a) & Counter(b)).values())
    return max(1, round(100 * (1 - same / max(len(a), len(b)))))


def _member(row: DocumentRow, same_as: int, *, newest: bool = False, changed: int = 0) -> Member:
    return Member(file_id=row.id, path=row.path, inside=inside_of(row),
                  modified=row.mtime_ns / 1e9, size=row.size, newest=newest, changed=changed,
                  same_as=same_as)
