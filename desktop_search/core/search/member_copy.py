"""One document inside a file (an archive member, a message of a mailbox as ``.eml``, an
attachment) written to a private temporary folder, for the desktop to open."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from desktop_search.core.extract import inside
from desktop_search.core.extract.handout import mark_as_downloaded
from desktop_search.core.search.request import Hit
from desktop_search.errors import ConfigError
from desktop_search.fileio import private_temp_folder

if TYPE_CHECKING:
    from desktop_search.core.store import Library


def copy_out(*, library: Library, hit: Hit, path: str, read: Callable[..., Any],
             max_bytes: int) -> Path:
    """The document ``hit`` names (its file at ``path``, the catalog's spelling of
    ``hit.path``), copied out. ``read(path=, inside=, locator=, max_bytes=)`` gives its
    (name, bytes): the engine's sandboxed child, for the file is untrusted. Nothing is
    written anywhere else, whatever the member's own name."""
    row = library.member(path, list(hit.inside))
    if row is None:
        raise ConfigError(f"{' › '.join([hit.path, *hit.inside])} is not in the index")
    name, data = read(path=hit.path, inside=list(hit.inside),
                      locator=json.loads(row.locator) if row.locator else None,
                      max_bytes=max_bytes)
    # mode 0700; the copies handed out more than a day ago are removed first
    folder = private_temp_folder("desktop-search-open-")
    out = folder / inside.safe_name(name)
    out.write_bytes(data)
    mark_as_downloaded(out)        # Windows' zone mark, macOS' quarantine
    return out
