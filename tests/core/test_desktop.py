"""Desktop integration: the menu entry, start at login, and the xcb libraries check."""
from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop_search.core import desktop

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is Linux's")


@pytest.fixture
def xdg(tmp_path, monkeypatch):
    data, config = tmp_path / "xdg-data", tmp_path / "xdg-config"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return data, config


def parse_entry(path: Path) -> dict:
    cp = configparser.ConfigParser(interpolation=None, strict=True)
    cp.optionxform = str
    cp.read_string(path.read_text(encoding="utf-8"))
    assert cp.sections() == ["Desktop Entry"]
    return dict(cp["Desktop Entry"])


def exec_argv(value: str) -> list[str]:
    """Undo the Desktop Entry spec's escaping: string escapes first, then the quoting
    (which is the POSIX shell's double-quote rule)."""
    text = re.sub(r"\\(.)", lambda m: {"n": "\n", "s": " "}.get(m.group(1), m.group(1)), value)
    args, cur, quoted, started, i = [], "", False, False, 0
    while i < len(text):
        c = text[i]
        if quoted and c == "\\" and text[i + 1:i + 2] in ('"', "`", "$", "\\"):
            cur, i = cur + text[i + 1], i + 2
            continue
        if c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if cur or started:
                args.append(cur)
            cur, started = "", False
        else:
            cur += c
        i += 1
    assert not quoted, value
    if cur or started:
        args.append(cur)
    return [a.replace("%%", "%") for a in args]


def validate(path: Path) -> None:
    tool = shutil.which("desktop-file-validate")
    if tool:   # Debian's desktop-file-utils, when installed: the reference checker
        p = subprocess.run([tool, str(path)], capture_output=True, text=True)
        assert p.returncode == 0 and not p.stdout.strip(), p.stdout + p.stderr


def test_menu_entry_and_icons_installed_where_xdg_says(xdg):
    data, _ = xdg
    cmd = ["/opt/my apps/desktop-search", "--data-dir", '/home/me/a "quoted" $folder 100%', "gui"]
    written = desktop.install_desktop_entry(command=cmd)
    entry = data / "applications" / "desktop-search.desktop"
    svg = data / "icons/hicolor/scalable/apps/desktop-search.svg"
    png = data / "icons/hicolor/256x256/apps/desktop-search.png"
    assert written[:3] == [entry, svg, png]
    validate(entry)
    e = parse_entry(entry)
    assert e["Type"] == "Application" and e["Name"] == "Desktop Search"
    assert e["Icon"] == svg.stem == png.stem and e["Terminal"] == "false"
    assert exec_argv(e["Exec"]) == cmd          # every odd character survives the quoting
    assert e["TryExec"] == cmd[0]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in svg.read_bytes()
    assert desktop.desktop_entry_installed()
    assert set(desktop.uninstall_desktop_entry()) == {entry, svg, png}
    assert not desktop.desktop_entry_installed()


def test_default_launcher_is_a_real_command(xdg):
    desktop.install_desktop_entry()
    e = parse_entry(xdg[0] / "applications" / "desktop-search.desktop")
    argv = exec_argv(e["Exec"])
    assert os.access(argv[0], os.X_OK)
    if Path(argv[0]).name == "desktop-search-gui":   # the GUI script is the window itself
        assert argv[1:] == []
        return
    assert argv[-1] == "gui"
    if argv[1:3] == ["-m", "desktop_search"]:
        return
    assert Path(argv[0]).name == "desktop-search"


def test_start_at_login_on_and_off(xdg):
    _, config = xdg
    assert not desktop.start_at_login_enabled()
    path = desktop.set_start_at_login(enabled=True, command=["/usr/bin/desktop-search", "gui"])
    assert path == config / "autostart" / "desktop-search.desktop"
    assert desktop.start_at_login_enabled()
    validate(path)
    e = parse_entry(path)
    assert exec_argv(e["Exec"]) == ["/usr/bin/desktop-search", "gui"]
    assert e["X-GNOME-Autostart-enabled"] == "true"
    desktop.set_start_at_login(enabled=False)
    assert not path.exists() and not desktop.start_at_login_enabled()


def test_relative_xdg_paths_are_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")
    assert desktop.autostart_path() == tmp_path / ".config/autostart/desktop-search.desktop"


def test_cli_install_desktop_and_autostart(xdg, tmp_path):
    env = dict(os.environ)
    p = subprocess.run([sys.executable, "-m", "desktop_search", "--data-dir", str(tmp_path / "d"),
                        "install-desktop"], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    entry = xdg[0] / "applications" / "desktop-search.desktop"
    assert str(entry) in p.stdout
    argv = exec_argv(parse_entry(entry)["Exec"])
    data_args = ["--data-dir", str(tmp_path / "d")]
    if Path(argv[0]).name == "desktop-search-gui":   # installed: the GUI script, no "gui"
        assert argv[1:] == data_args
    else:
        assert argv[-3:] == data_args + ["gui"]
    p = subprocess.run([sys.executable, "-m", "desktop_search", "autostart", "on"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0 and "start at login: on" in p.stdout, p.stderr
    assert (xdg[1] / "autostart" / "desktop-search.desktop").exists()


# -- the xcb check ----------------------------------------------------------------------
def _xcb_plugin() -> Path:
    import PySide6

    return Path(PySide6.__file__).parent / "Qt/plugins/platforms/libqxcb.so"


def _ldd(path: Path) -> dict[str, str | None]:
    out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=True).stdout
    libs = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+) => (not found|\S+)", line)
        if m:
            libs[m.group(1)] = None if m.group(2) == "not found" else m.group(2)
    return libs


def test_the_table_covers_what_the_xcb_plugin_links():
    plugin = _xcb_plugin()
    assert plugin.exists()
    needed = set(_ldd(plugin)) | set(_ldd(plugin.parent.parent.parent / "lib/libQt6XcbQpa.so.6"))
    system = {n for n in needed if re.match(r"lib(xcb|X11|xkbcommon|GL\.)", n)}
    assert system and system <= set(desktop.XCB_LIBRARIES), system - set(desktop.XCB_LIBRARIES)


def test_missing_libraries_match_what_the_loader_reports():
    not_found = {n for n, where in _ldd(_xcb_plugin()).items() if where is None}
    assert set(desktop.missing_xcb_libraries()) == not_found & set(desktop.XCB_LIBRARIES)


def test_gui_without_the_xcb_libraries_says_what_to_install(tmp_path):
    """Whatever this machine has: one library the loader cannot find (a name no system has)
    stands for the missing ones, through the real check and the real CLI."""
    code = textwrap.dedent(f"""
        import sys
        from desktop_search.core import desktop
        desktop.XCB_LIBRARIES["libdesktop-search-absent.so.9"] = "libdesktop-search-absent9"
        from desktop_search import cli
        sys.exit(cli.main(["--data-dir", {str(tmp_path / "d")!r}, "gui"]))
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=":0")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    missing = desktop.missing_xcb_libraries()
    packages = [*dict.fromkeys(missing.values()), "libdesktop-search-absent9"]
    assert f"sudo apt install {' '.join(packages)}" in p.stderr, p.stderr
    assert "libdesktop-search-absent.so.9" in p.stderr
    assert "could not load the Qt platform plugin" not in p.stderr


def test_no_check_when_qt_is_told_another_platform(monkeypatch):
    monkeypatch.setitem(desktop.XCB_LIBRARIES, "libdesktop-search-absent.so.9", "x")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert desktop.window_problem() is None
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":0")
    assert "libdesktop-search-absent.so.9" in desktop.window_problem()
