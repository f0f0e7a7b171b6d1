"""Opening a data folder's catalog: a damaged one is set aside and rebuilt from the
folders it listed (``roots.json``); a reader never migrates under a running owner."""
from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from desktop_search.core.store.catalog import Catalog
from desktop_search.core.store.schema import CatalogNeedsUpgrade
from desktop_search.core.store.tables import RootRows
from desktop_search.errors import IndexCorrupt
from desktop_search.i18n import _

log = logging.getLogger(__name__)


def open_catalog(data_dir: Path, *, read_only: bool) -> tuple[Catalog, str | None]:
    """Open the catalog (and what the user must be told about it, or None); a damaged one
    is set aside and rebuilt, never used silently."""
    path = data_dir / "catalog.sqlite3"
    if read_only:
        return _open_for_reading(data_dir, path), None
    try:
        return Catalog(path), None
    except IndexCorrupt as exc:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            f = Path(str(path) + suffix)
            if f.exists():
                os.replace(f, Path(f"{path}{suffix}.damaged-{stamp}"))
        for f in [*data_dir.glob("vectors*.usearch"), *data_dir.glob("vectors*.json"),
                  *data_dir.glob("vectors*.npz")]:
            f.unlink(missing_ok=True)
        log.warning("%s; set it aside and rebuilding the index", exc)
        cat = Catalog(path)
        for root in _saved_roots(data_dir):
            RootRows(cat).add(root)
        return cat, _("The index was damaged ({error}); it was set aside and is being "
                      "rebuilt from your folders.").format(error=exc)


def _open_for_reading(data_dir: Path, path: Path) -> Catalog:
    """A reader never migrates under a running owner; with no owner it upgrades an
    older catalog under the folder's lock, then reads it like anyone else."""
    try:
        return Catalog(path, migrate=False)
    except CatalogNeedsUpgrade:
        from desktop_search.core.ownership import Ownership

        with Ownership.acquire(data_dir, kind="upgrade",
                               hint="it upgrades the catalog; try again when it is done"):
            Catalog(path).close()
        return Catalog(path, migrate=False)
    except IndexCorrupt as exc:
        raise IndexCorrupt(f"{exc}; opening the window or running `desktop-search index` "
                           "sets it aside and rebuilds it") from None


def _saved_roots(data_dir: Path) -> list[str]:
    try:
        return list(json.loads((data_dir / "roots.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return []
