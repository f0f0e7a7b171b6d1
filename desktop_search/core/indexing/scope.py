"""Which files of which folder are indexed, and what a folder's reconcile has to do:
each path's owning root, its rules (exclusions, .gitignore), and the plan that compares
a folder on disk with the catalog."""
from __future__ import annotations

import os

from desktop_search.config import Settings
from desktop_search.core import extract as ex
from desktop_search.core.indexing.scan import Rules, is_under, walk
from desktop_search.core.store import INDEXED, OCR_PENDING, FileRow, Library


class Scope:
    """The roots of a library and their rules (call from the indexing thread)."""

    def __init__(self, *, library: Library, settings: Settings) -> None:
        self.library = library
        self.catalog = library.catalog
        self.settings = settings
        self._rules: dict[str, Rules] = {}

    def rules_for(self, root: str) -> Rules:
        r = self._rules.get(root)
        if r is None:
            r = self._rules[root] = Rules(root, self.settings)
        return r

    def root_of(self, path: str) -> tuple[str, int] | None:
        best = None
        for r in self.library.root_list():
            if is_under(path, r.path) and (best is None or len(r.path) > len(best[0])):
                best = (r.path, r.id)
        return best

    def wanted(self, path: str, *, is_dir: bool = False) -> tuple[str, int] | None:
        """The root that owns path if path should be indexed, else None."""
        owner = self.root_of(path)
        if owner is None:
            return None
        if self.rules_for(owner[0]).excluded(path, is_dir=is_dir):
            return None
        return owner

    def plan(self, root: str, root_id: int, under: str | None = None
             ) -> tuple[list[tuple[str, os.stat_result]], list[str]]:
        """Compare a root (or one folder in it) with the catalog:
        (files to look at, catalog paths now gone)."""
        known = self.catalog.files_of_root(root_id)
        if under is not None and under != root:
            known = {p: r for p, r in known.items() if is_under(p, under)}
        todo: list[tuple[str, os.stat_result]] = []
        seen: set[str] = set()
        start = under or root
        rules = self.rules_for(root)
        if start != root and rules.excluded(start, is_dir=True):
            return [], list(known)
        for path, st in walk(start, rules):
            if not ex.is_supported(path):
                continue
            seen.add(catalog_path(path))
            row = known.get(catalog_path(path))
            if (row is not None and row.size == st.st_size and row.mtime_ns == st.st_mtime_ns
                    and not needs_caption(row)):
                continue
            todo.append((path, st))
        gone = [p for p in known if p not in seen]
        # pictures last: a folder of photos never holds back the text files beside it
        todo.sort(key=lambda item: _is_picture(item[0]))
        return todo, gone


def catalog_path(path: str) -> str:
    """The path as the catalog stores it: itself, or for a name with undecodable bytes
    a readable spelling (those bytes as \\xNN escapes)."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def needs_caption(row: FileRow) -> bool:
    """A picture listed without any passage (indexed before pictures had a caption) and
    no OCR on its way: it gets its caption on the next scan."""
    return (row.kind == ex.PICTURE_KIND and row.state == INDEXED and not row.n_chunks
            and row.ocr != OCR_PENDING)


def _is_picture(path: str) -> bool:
    from desktop_search.core.extract.images import is_picture

    return is_picture(path)
