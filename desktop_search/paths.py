"""Where desktop_search keeps its data; overridable for tests and power users."""
from __future__ import annotations

import os
from pathlib import Path

from desktop_search.errors import ConfigError
from desktop_search.i18n import _

APP_NAME = "desktop-search"
ENV_HOME = "DESKTOP_SEARCH_HOME"


def default_data_dir() -> Path:
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


#: written in every data folder we make: a folder with it (or a catalog) is ours
MARKER = ".desktop-search"
#: files only a data folder of ours holds (folders made before the marker existed)
_OURS = (MARKER, "catalog.sqlite3", "settings.json", "roots.json", "owner.lock")


def private_files() -> None:
    """Every file this process creates is private to the user (umask 077): the catalog and
    its ``-wal``/``-shm`` hold the full text of mail and documents."""
    if os.name == "posix":
        os.umask(0o077)


def ensure_data_dir(path: Path | None = None) -> Path:
    """Create the data folder private to the user (0700) and check it is writable. An
    existing folder that holds other things and none of ours is refused, never chmodded
    (``--data-dir ~/Documents`` would make the user's documents private to them)."""
    private_files()
    path = Path(path).expanduser() if path is not None else default_data_dir()
    if _foreign(path):
        raise ConfigError(_("{path} already holds other files and is not a desktop-search data "
                            "folder; choose an empty or new folder").format(path=path))
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.name == "posix":
            os.chmod(path, 0o700)
        marker = path / MARKER
        if not marker.exists():
            marker.write_bytes(b"")
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"cannot use data folder {path}: {exc.strerror or exc}") from None
    if not path.is_dir():
        raise ConfigError(f"data folder {path} is not a folder")
    return path


def _foreign(path: Path) -> bool:
    try:
        names = {p.name for p in path.iterdir()}
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return False                      # the mkdir below says what is wrong
    return bool(names) and not names.intersection(_OURS)


ENV_CACHE = "DESKTOP_SEARCH_CACHE"


def cache_dir(data_dir: Path | None = None) -> Path:
    """Derived artefacts that can always be rebuilt (exported model graphs).

    Shared by every data folder of the user (an exported model does not depend on
    the index): the platform's cache folder, or DESKTOP_SEARCH_CACHE.
    """
    env = os.environ.get(ENV_CACHE)
    if env:
        p = Path(env).expanduser()
    else:
        import platformdirs

        p = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    p.mkdir(parents=True, exist_ok=True, mode=0o700)
    return p
