"""The Linux bundle (packaging/build-linux.sh) where there is no Python: unpacked into a
folder whose name has a space and a non-ASCII letter, run with ``env -i`` and a PATH of
/usr/bin:/bin behind a ``python``/``python3`` that fails loudly (the bundle must never
run a Python of the system's), it indexes a folder of text, a PDF, an mbox and a photo,
finds what the pip install finds, opens its window, puts itself in the menu, and fails
with a message on a damaged graph and on a catalog a newer version wrote.

Slow lane, and skipped when dist/ holds no bundle: CI does not build it (minutes of CPU).
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = sorted((ROOT / "dist").glob("desktop-search-*-linux-x86_64.tar.gz"),
                 key=lambda p: p.stat().st_mtime)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not BUNDLES or not sys.platform.startswith("linux"),
                                 reason="no bundle in dist/ (packaging/build-linux.sh makes it)")]

QUERIES = {
    "the tenant waters the roses": ("lease.pdf", []),
    "sail to the island with new ropes": ("Inbox", ["Boat trip"]),
    "invoice for the roof repair": ("roof.png", []),
    "cats dozing in the sunlight": ("felines.txt", []),
}


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """Where the bundle runs: a home of its own, and shims that fail loudly if a Python
    of the system is ever run."""
    base = tmp_path_factory.mktemp("bundle")
    shims = base / "shims"
    shims.mkdir()
    for name in ("python", "python3", f"python3.{sys.version_info.minor}"):
        shim = shims / name
        shim.write_text(f"#!/bin/sh\necho \"$0 $*\" >> '{base}/python-was-run'\nexit 97\n")
        shim.chmod(0o755)
    (base / "home").mkdir()
    return base


@pytest.fixture(scope="module")
def exe(home) -> Path:
    where = home / "Meus Programas ção"
    where.mkdir()
    with tarfile.open(BUNDLES[-1]) as tf:
        tf.extractall(where, filter="data")
    (top,) = where.iterdir()
    exe = top / "desktop-search"
    assert os.access(exe, os.X_OK)
    return exe


def bundle(exe: Path, home: Path, *args: str, env_extra: dict | None = None, timeout=600):
    env = {"PATH": f"{home / 'shims'}:/usr/bin:/bin", "HOME": str(home / "home"),
           "LANG": "C.UTF-8", **(env_extra or {})}
    return subprocess.run(["env", "-i", *(f"{k}={v}" for k, v in env.items()), str(exe), *args],
                          capture_output=True, text=True, timeout=timeout)


def ok(p: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert p.returncode == 0, f"exit {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    assert "Traceback" not in p.stderr, p.stderr
    return p


@pytest.fixture(scope="module")
def folder(home) -> Path:
    import mailbox

    from tests.core.test_extract import make_pdf
    from tests.core.test_mail import message
    from tests.core.test_ocr_indexing import render

    docs = home / "Documentos e fotos"
    docs.mkdir()
    (docs / "felines.txt").write_text("Cats spend the afternoon dozing in a warm patch of sunlight.")
    make_pdf(docs / "lease.pdf", ["Page one of the lease: the parties.",
                                  "Page two: the tenant waters the roses weekly."])
    box = mailbox.mbox(docs / "Inbox")           # no extension, no .msf: told by content
    box.add(message("Boat trip", "We sail to the island on Saturday with the new ropes."))
    box.add(message("Lunch", "The canteen serves soup on Fridays."))
    box.flush()
    box.close()
    render(["Invoice 4417 for the roof repair"]).save(docs / "roof.png")
    return docs


@pytest.fixture(scope="module")
def indexed(exe, home, folder) -> Path:
    data = home / "data bundle"
    p = ok(bundle(exe, home, "--data-dir", str(data), "index", str(folder)))
    assert "indexed 4 files" in p.stdout
    return data


def hits(p) -> list[tuple[str, list[str]]]:
    return [(Path(h["path"]).name, h.get("inside") or []) for h in json.loads(p.stdout)]


def test_version_needs_no_python(exe, home):
    from desktop_search import __version__

    p = ok(bundle(exe, home, "--version"))
    assert p.stdout.strip() == f"desktop-search {__version__}"
    assert f"desktop-search-{__version__}-linux-x86_64" in BUNDLES[-1].name


def test_it_indexes_and_finds_what_the_pip_install_finds(exe, home, folder, indexed, tmp_path):
    pip_data = tmp_path / "data pip"
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    env.pop("DESKTOP_SEARCH_HOME", None)

    def pip(*args):
        p = subprocess.run([sys.executable, "-m", "desktop_search", "--data-dir", str(pip_data),
                            *args], capture_output=True, text=True, timeout=600, env=env)
        return ok(p)

    pip("index", str(folder))
    for query, (name, inside) in QUERIES.items():
        ours = hits(ok(bundle(exe, home, "--data-dir", str(indexed), "search", "--json", "-k",
                              "5", query)))
        theirs = hits(pip("search", "--json", "-k", "5", query))
        assert ours[0] == (name, inside), query
        assert ours == theirs, query
    assert not (home / "python-was-run").exists()
    # the first run built no graph: the bundle's own were run
    assert not list((home / "home").rglob("*.onnx"))


def test_the_window_opens(exe, home, indexed):
    p = ok(bundle(exe, home, "--data-dir", str(indexed),
                  env_extra={"QT_QPA_PLATFORM": "offscreen", "DESKTOP_SEARCH_STARTUP_PROBE": "1"},
                  timeout=120))
    assert "first-paint-s" in p.stderr
    assert not (home / "python-was-run").exists()


def test_install_desktop_points_the_menu_at_the_bundle(exe, home):
    xdg = home / "xdg data"
    ok(bundle(exe, home, "install-desktop", env_extra={"XDG_DATA_HOME": str(xdg)}))
    entry = (xdg / "applications" / "desktop-search.desktop").read_text(encoding="utf-8")
    lines = entry.splitlines()
    assert f'Exec="{exe}" gui' in lines                # quoted: the folder has a space
    assert f"TryExec={exe}" in lines
    assert (xdg / "icons" / "hicolor" / "scalable" / "apps" / "desktop-search.svg").is_file()


def test_a_damaged_graph_fails_with_a_message(exe, home, indexed, tmp_path):
    copy = tmp_path / "damaged"
    subprocess.run(["cp", "-al", str(exe.parent), str(copy)], check=True)   # hard links: cheap
    (graph,) = (copy / "_internal" / "graphs").glob("sentence-transformers*/model.onnx")
    graph.unlink()                                     # the original keeps its copy
    graph.write_bytes(b"not a graph")
    data = tmp_path / "data"
    shutil.copytree(indexed, data)
    p = bundle(copy / "desktop-search", home, "--data-dir", str(data), "search", "roses")
    assert p.returncode != 0 and "Traceback" not in p.stderr, p.stderr
    assert "is damaged" in p.stderr and "download the app again" in p.stderr


def test_a_catalog_of_a_newer_version_is_refused_untouched(exe, home, indexed, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(indexed, data)
    catalog = data / "catalog.sqlite3"
    db = sqlite3.connect(catalog)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    db.execute(f"PRAGMA user_version={version + 7}")
    db.commit()
    db.close()
    before = catalog.read_bytes()
    p = bundle(exe, home, "--data-dir", str(data), "search", "roses")
    assert p.returncode != 0 and "Traceback" not in p.stderr, p.stderr
    assert "newer desktop-search" in p.stderr
    assert catalog.read_bytes() == before


def test_without_the_xcb_libraries_it_says_which_are_missing(exe, home):
    """As the pip install does: Qt's own message is only that it could not load its
    platform plugin, and then it aborts."""
    from desktop_search.core.desktop import missing_xcb_libraries

    missing = missing_xcb_libraries()
    if not missing:
        pytest.skip("this machine has every library Qt's xcb plugin needs")
    p = bundle(exe, home, env_extra={"DISPLAY": ":0"}, timeout=120)
    assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
    assert "the window cannot open" in p.stderr
    for soname, package in missing.items():
        assert soname in p.stderr and package in p.stderr
