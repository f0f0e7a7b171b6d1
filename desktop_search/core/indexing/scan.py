"""Which files of a root are indexed: exclusions, .gitignore, symlinks, and the walk."""
from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pathspec

from desktop_search.config import Settings


def norm(path: str | os.PathLike[str]) -> str:
    """The one spelling of a path the catalog uses: absolute, normalized, not resolved
    (a symlinked root keeps the name the user chose)."""
    return os.path.normpath(os.path.abspath(os.fspath(path)))


@dataclass
class Rules:
    """Decides what under one root is indexed. Cheap to ask, caches .gitignore files."""

    root: str
    settings: Settings
    _user: pathspec.GitIgnoreSpec = field(init=False)
    _gi_cache: dict[str, tuple[float, pathspec.GitIgnoreSpec | None]] = field(
        default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._user = pathspec.GitIgnoreSpec.from_lines(self.settings.exclude_patterns)
        self._dirs = set(self.settings.exclude_dirs)

    def _gitignore(self, folder: str) -> pathspec.GitIgnoreSpec | None:
        gi = os.path.join(folder, ".gitignore")
        try:
            mtime = os.stat(gi).st_mtime
        except OSError:
            self._gi_cache[folder] = (0.0, None)
            return None
        cached = self._gi_cache.get(folder)
        if cached and cached[0] == mtime:
            return cached[1]
        try:
            with open(gi, encoding="utf-8", errors="replace") as f:
                spec = pathspec.GitIgnoreSpec.from_lines(f.read().splitlines())
        except OSError:
            spec = None
        self._gi_cache[folder] = (mtime, spec)
        return spec

    def excluded_name(self, name: str, is_dir: bool) -> bool:
        if self.settings.skip_hidden and name.startswith("."):
            return True
        if is_dir and (name in self._dirs or any(fnmatch.fnmatch(name, d) for d in self._dirs if "*" in d)):
            return True
        return False

    def excluded(self, path: str, is_dir: bool = False) -> bool:
        """Whether path (under root) is left out, checking every folder on the way."""
        rel = os.path.relpath(path, self.root)
        if rel == "." :
            return False
        if rel.startswith(".."):
            return True
        parts = rel.split(os.sep)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if self.excluded_name(part, is_dir or not last):
                return True
        rel_posix = "/".join(parts) + ("/" if is_dir else "")
        if self._user.match_file(rel_posix):
            return True
        if self.settings.respect_gitignore:
            folder = self.root
            for i in range(len(parts)):
                spec = self._gitignore(folder)
                if spec is not None:
                    sub = "/".join(parts[i:]) + ("/" if is_dir else "")
                    if spec.match_file(sub):
                        return True
                folder = os.path.join(folder, parts[i])
        return False


def walk(root: str, rules: Rules, *, errors: list[tuple[str, str]] | None = None
         ) -> Iterator[tuple[str, os.stat_result]]:
    """Yield (path, stat) of every regular file to index under root.

    Symlinks are not followed unless the settings say so; then loops are cut by
    remembering each folder's (device, inode).
    """
    follow = rules.settings.follow_symlinks
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[str, tuple[tuple[str, pathspec.GitIgnoreSpec], ...]]] = [(root, ())]
    while stack:
        folder, specs = stack.pop()
        try:
            st = os.stat(folder)
        except OSError as exc:
            if errors is not None:
                errors.append((folder, exc.strerror or str(exc)))
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            continue
        seen.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            if errors is not None:
                errors.append((folder, f"cannot list folder: {exc.strerror or exc}"))
            continue
        gi = rules._gitignore(folder) if rules.settings.respect_gitignore else None
        if gi is not None:
            specs = specs + ((folder, gi),)
        subdirs = []
        for e in entries:
            try:
                is_link = e.is_symlink()
                if is_link and not follow:
                    continue
                is_dir = e.is_dir(follow_symlinks=follow)
            except OSError:
                continue
            if _ignored(e.path, e.name, is_dir, rules, specs):
                continue
            if is_dir:
                subdirs.append(e.path)
                continue
            try:
                st = e.stat(follow_symlinks=follow)
            except OSError:
                continue  # vanished or a dangling link
            if not stat.S_ISREG(st.st_mode):
                continue  # FIFOs, sockets, devices are never opened
            if is_link and follow and not _inside(os.path.realpath(e.path), rules.root):
                continue
            yield e.path, st
        stack.extend((d, specs) for d in reversed(subdirs))


def _ignored(path: str, name: str, is_dir: bool, rules: Rules,
             specs: tuple[tuple[str, pathspec.GitIgnoreSpec], ...]) -> bool:
    """Whether the settings' exclusions, the user's patterns or a .gitignore above it
    (``specs``: (its folder, its patterns)) leave this entry out."""
    if rules.excluded_name(name, is_dir):
        return True
    rel = os.path.relpath(path, rules.root).replace(os.sep, "/") + ("/" if is_dir else "")
    if rules._user.match_file(rel):
        return True
    return bool(specs) and any(
        spec.match_file(os.path.relpath(path, base).replace(os.sep, "/")
                        + ("/" if is_dir else "")) for base, spec in specs)


def _inside(path: str, root: str) -> bool:
    root_real = os.path.realpath(root)
    return path == root_real or path.startswith(root_real.rstrip(os.sep) + os.sep)


def is_under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def file_digest(path: str) -> str:
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def root_exists(root: str) -> bool:
    return Path(root).is_dir()
