"""Where desktop_search keeps its data; overridable for tests and power users."""
from __future__ import annotations

import os
from pathlib import Path

from desktop_search.errors import ConfigError

APP_NAME = "desktop-search"
ENV_HOME = "DESKTOP_SEARCH_HOME"


def default_data_dir() -> Path:
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def ensure_data_dir(path: Path | None = None) -> Path:
    """Create the data folder private to the user (0700) and check it is writable."""
    path = Path(path).expanduser() if path is not None else default_data_dir()
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if os.name == "posix":
            os.chmod(path, 0o700)
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"cannot use data folder {path}: {exc.strerror or exc}") from None
    if not path.is_dir():
        raise ConfigError(f"data folder {path} is not a folder")
    return path


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
