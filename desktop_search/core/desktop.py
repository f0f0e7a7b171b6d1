"""Being a good desktop citizen, without Qt: the menu entry, start at login, and a clear
word when the window cannot open on Linux.

Everything here writes only where the desktop's own standards say (XDG on Linux, the
``Run`` key on Windows, a LaunchAgent on macOS), so the app, the CLI and a test in a
temporary home do exactly the same thing.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import desktop_search
from desktop_search.fileio import atomic_write
from desktop_search.errors import ConfigError

APP_ID = "desktop-search"
APP_NAME = "Desktop Search"
#: the macOS LaunchAgent label (reverse DNS, as launchd expects)
MAC_LABEL = "io.github.desktop-search"
WIN_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


# -- resources --------------------------------------------------------------------------
def resources_dir() -> Path:
    """The icon and the menu entry template: the package ``desktop_search.resources`` when
    installed (setup.py ships the repository's ``resources/`` there; an editable install
    maps it back to the checkout), else ``resources/`` next to the package (a checkout)."""
    pkg = Path(desktop_search.__file__).resolve().parent
    cands = []
    try:
        spec = importlib.util.find_spec("desktop_search.resources")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        cands += [Path(p) for p in spec.submodule_search_locations]
    cands += [pkg / "resources", pkg.parent / "resources"]
    for cand in cands:
        if (cand / f"{APP_ID}.svg").exists() or (cand / f"{APP_ID}.png").exists():
            return cand
    return pkg.parent / "resources"


# -- how to start the window ------------------------------------------------------------
def launcher_command(*, data_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """The command a menu entry or the login runs: the installed GUI script when there is
    one (no console on Windows), else this Python with ``-m desktop_search gui``; the
    bundle's own executable in the bundle (not one a pip install put on the PATH)."""
    extra = ["--data-dir", str(Path(data_dir).expanduser().resolve())] if data_dir else []
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve()), *extra, "gui"]
    for name in ("desktop-search-gui", APP_ID):
        exe = shutil.which(name)
        if exe:
            return [str(Path(exe).resolve()), *extra] + ([] if name.endswith("-gui") else ["gui"])
    python = sys.executable
    if os.name == "nt":
        pyw = Path(python).with_name("pythonw.exe")   # no console window
        python = str(pyw) if pyw.exists() else python
    return [python, "-m", "desktop_search", *extra, "gui"]


def _exec_quote(arg: str) -> str:
    """Quote one argument of a desktop entry's Exec key (Desktop Entry spec, 'The Exec key')."""
    arg = arg.replace("%", "%%")
    if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`='):
        return arg
    out = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{out}"'


def _escape_value(text: str) -> str:
    """A desktop entry string value: backslashes are escapes there, so double them."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def desktop_entry(*, command: list[str], autostart: bool = False) -> str:
    """The text of ``desktop-search.desktop`` for this installation."""
    try:
        template = (resources_dir() / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"the desktop entry template is missing from this installation "
                          f"({exc.filename})") from None
    exec_line = " ".join(_exec_quote(a) for a in command)
    text = template.replace("@EXEC@", _escape_value(exec_line)).replace(
        "@TRYEXEC@", _escape_value(command[0]))
    if autostart:
        text = text.rstrip("\n") + "\nX-GNOME-Autostart-enabled=true\n"
    return text


# -- XDG locations ----------------------------------------------------------------------
def _xdg(env: str, default: str) -> Path:
    value = os.environ.get(env, "")
    # the spec: a relative path is invalid and must be ignored
    return Path(value) if value and os.path.isabs(value) else Path.home() / default


def xdg_data_home() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share")


def xdg_config_home() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config")


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """A menu never reads half an entry."""
    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)

    atomic_write(path, write)


# -- the applications menu --------------------------------------------------------------
def install_desktop_entry(*, data_dir: str | os.PathLike[str] | None = None,
                          command: list[str] | None = None) -> list[Path]:
    """Put Desktop Search in the Linux applications menu (XDG: the entry under
    ``$XDG_DATA_HOME/applications``, the icon in the hicolor theme). Returns the files
    written; the desktop picks them up by itself."""
    if not sys.platform.startswith("linux") and "XDG_DATA_HOME" not in os.environ:
        raise ConfigError("the applications menu entry is for Linux desktops (on Windows "
                          "and macOS, pip's desktop-search-gui launcher is the app)")
    home = xdg_data_home()
    res = resources_dir()
    command = command or launcher_command(data_dir=data_dir)
    written = []
    entry = home / "applications" / f"{APP_ID}.desktop"
    _write(entry, desktop_entry(command=command).encode("utf-8"))
    written.append(entry)
    for src, dest in ((res / f"{APP_ID}.svg", home / "icons/hicolor/scalable/apps"),
                      (res / f"{APP_ID}.png", home / "icons/hicolor/256x256/apps")):
        if src.exists():
            _write(dest / src.name, src.read_bytes())
            written.append(dest / src.name)
    _refresh_menus(home)
    return written


def uninstall_desktop_entry() -> list[Path]:
    home = xdg_data_home()
    removed = []
    for p in (home / "applications" / f"{APP_ID}.desktop",
              home / "icons/hicolor/scalable/apps" / f"{APP_ID}.svg",
              home / "icons/hicolor/256x256/apps" / f"{APP_ID}.png"):
        if p.exists():
            p.unlink()
            removed.append(p)
    _refresh_menus(home)
    return removed


def desktop_entry_installed() -> bool:
    return (xdg_data_home() / "applications" / f"{APP_ID}.desktop").exists()


def _refresh_menus(home: Path) -> None:
    """Menus watch these folders; the caches are refreshed too where the tools exist."""
    import subprocess

    for cmd in (["update-desktop-database", "-q", str(home / "applications")],
                ["gtk-update-icon-cache", "-q", "-t", str(home / "icons/hicolor")]):
        if shutil.which(cmd[0]) and Path(cmd[-1]).is_dir():
            try:
                subprocess.run(cmd, capture_output=True, timeout=20, check=False)
            except (OSError, subprocess.SubprocessError):
                pass


# -- start at login ---------------------------------------------------------------------
def autostart_path() -> Path | None:
    """Where the start-at-login entry lives on this system (None on Windows: a registry value)."""
    if os.name == "nt":
        return None
    if sys.platform == "darwin":
        return Path.home() / "Library/LaunchAgents" / f"{MAC_LABEL}.plist"
    return xdg_config_home() / "autostart" / f"{APP_ID}.desktop"


def start_at_login_enabled() -> bool:
    if sys.platform == "win32":
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, WIN_RUN_KEY) as key:
                winreg.QueryValueEx(key, APP_NAME)
            return True
        except OSError:
            return False
    path = autostart_path()
    return path is not None and path.exists()


def set_start_at_login(*, enabled: bool, data_dir: str | os.PathLike[str] | None = None,
                       command: list[str] | None = None) -> Path | None:
    """Start the window when the user logs in (or stop doing so): an XDG autostart entry
    on Linux, the ``Run`` registry value on Windows, a LaunchAgent on macOS."""
    if sys.platform == "win32":
        import subprocess
        import winreg

        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, WIN_RUN_KEY) as key:
            if enabled:
                cmd = subprocess.list2cmdline(command or launcher_command(data_dir=data_dir))
                winreg.SetValueEx(key, APP_NAME, 0, winreg.REG_SZ, cmd)
            else:
                try:
                    winreg.DeleteValue(key, APP_NAME)
                except FileNotFoundError:
                    pass
        return None
    path = autostart_path()
    if path is None:
        return None
    if not enabled:
        path.unlink(missing_ok=True)
        return path
    command = command or launcher_command(data_dir=data_dir)
    if sys.platform == "darwin":
        import plistlib

        data = plistlib.dumps({"Label": MAC_LABEL, "ProgramArguments": command,
                               "RunAtLoad": True, "ProcessType": "Interactive"})
        _write(path, data)
    else:
        _write(path, desktop_entry(command=command, autostart=True).encode("utf-8"))
    return path


# -- can a window open at all? ----------------------------------------------------------
#: What Qt's xcb platform plugin links against (readelf -d libqxcb.so / libQt6XcbQpa.so),
#: with the Debian/Ubuntu package that ships each library.
XCB_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
}


def _uses_xcb() -> bool:
    """Whether Qt will pick its X11 (xcb) plugin: Linux, and not told otherwise."""
    if not sys.platform.startswith("linux"):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0].split(";")[0] == "xcb"
    return not (os.environ.get("WAYLAND_DISPLAY")
                and os.environ.get("XDG_SESSION_TYPE", "").lower() == "wayland")


def missing_xcb_libraries() -> dict[str, str]:
    """The libraries Qt's xcb plugin needs that the dynamic loader cannot find,
    mapped to their Debian package (empty when none is missing)."""
    import ctypes

    missing = {}
    for soname, package in XCB_LIBRARIES.items():
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing[soname] = package
    return missing


def window_problem() -> str | None:
    """Why Qt would abort on opening the window, in words the user can act on; None when
    nothing stands in the way that can be seen from here. Qt itself only says that it
    "could not load the Qt platform plugin" and aborts the process."""
    if not _uses_xcb():
        return None
    missing = missing_xcb_libraries()
    if missing:
        return ("the window cannot open: Qt's X11 (xcb) platform plugin needs system "
                f"libraries that are missing ({', '.join(missing)}). Install them with\n"
                f"    sudo apt install {' '.join(dict.fromkeys(missing.values()))}\n"
                "(Debian/Ubuntu; on Fedora: sudo dnf install xcb-util-cursor xcb-util-wm "
                "xcb-util-keysyms xcb-util-image xcb-util-renderutil). The command line "
                "(desktop-search index/search/status) works without them.")
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        return ("the window cannot open: no display (DISPLAY is not set). Run it inside your "
                "desktop session, or use the command line (desktop-search index/search/status).")
    return None
