"""What a newcomer gets from ``pip install .`` or ``pipx install .``: the sdist and the wheel
carry every package and ``resources/``, and an installed (not editable) copy finds its icon.

Built offline with the setuptools in this environment (the PEP 517 hooks, as
``pip wheel --no-build-isolation`` calls them), from a copy of just the files a build reads.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ["desktop-search.desktop", "desktop-search.png", "desktop-search.svg"]
BUILD_INPUTS = ["pyproject.toml", "setup.py", "README.md", "desktop_search", "resources"]


def _hook(src: Path, hook: str, out: Path) -> Path:
    """Run one of setuptools' PEP 517 hooks in ``src``; the path of what it built."""
    out.mkdir(parents=True, exist_ok=True)
    p = subprocess.run([sys.executable, "-c",
                        f"from setuptools import build_meta as b; print(b.{hook}({str(out)!r}))"],
                       cwd=src, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return out / p.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sdist built from the checkout, then the wheel built from that sdist (as pip
    does for a download), so both are checked at once."""
    tmp = tmp_path_factory.mktemp("pkg")
    src = tmp / "src"
    src.mkdir()
    for name in BUILD_INPUTS:
        p = ROOT / name
        if p.is_dir():
            shutil.copytree(p, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(p, src / name)
    sdist = _hook(src, "build_sdist", tmp / "dist")
    with tarfile.open(sdist) as tf:
        # the safe filter where this Python has it (3.10.12+, 3.11.4+)
        tf.extractall(tmp / "unpacked", **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    (unpacked,) = (tmp / "unpacked").iterdir()
    wheel = _hook(unpacked, "build_wheel", tmp / "dist")
    return tmp, sdist, wheel


def test_the_sdist_carries_resources(built):
    _, sdist, _ = built
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    for name in RESOURCES:
        assert f"resources/{name}" in names


def test_the_wheel_carries_resources_and_every_package(built):
    _, _, wheel = built
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in RESOURCES:
        assert f"desktop_search/resources/{name}" in names
    # every package of the checkout, also ones added later (setup.py finds them)
    for init in (ROOT / "desktop_search").rglob("__init__.py"):
        assert init.relative_to(ROOT).as_posix() in names


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG is Linux's")
def test_an_installed_wheel_finds_its_icon_and_menu_entry(built):
    """``pip install .`` (not editable), then ``desktop-search install-desktop``."""
    tmp, _, wheel = built
    site = tmp / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(site), str(wheel)], check=True, timeout=300,
                   capture_output=True)
    assert not (site / "resources").exists(), "resources/ belongs inside the package"
    xdg = tmp / "xdg-data"
    # the installed copy first on the path, and not run from the checkout
    env = dict(os.environ, PYTHONPATH=str(site), XDG_DATA_HOME=str(xdg))
    run = dict(cwd=tmp, env=env, capture_output=True, text=True, timeout=120)
    p = subprocess.run([sys.executable, "-c", "from desktop_search.core.desktop import "
                        "resources_dir; print(resources_dir())"], **run)
    assert p.returncode == 0, p.stderr
    assert Path(p.stdout.strip()) == site / "desktop_search" / "resources"
    p = subprocess.run([sys.executable, "-m", "desktop_search", "--data-dir", str(tmp / "d"),
                        "install-desktop"], **run)
    assert p.returncode == 0, p.stdout + p.stderr
    assert (xdg / "applications/desktop-search.desktop").is_file()
    for rel in ("icons/hicolor/scalable/apps/desktop-search.svg",
                "icons/hicolor/256x256/apps/desktop-search.png"):
        assert (xdg / rel).read_bytes() == (ROOT / "resources" / Path(rel).name).read_bytes()


def test_the_sdist_carries_the_catalogs_and_the_wheel_their_compiled_form(built):
    """The .po catalogs are the source (in the sdist); the wheel carries them compiled
    (setup.py's build_py, with Babel), and an installed copy speaks Portuguese from the .mo."""
    tmp, sdist, wheel = built
    langs = [p.parent.parent.name for p in (ROOT / "desktop_search/locale").glob("*/LC_MESSAGES/*.po")]
    assert sorted(langs) == ["de", "es", "fr", "pt_BR", "pt_PT"]
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    names_whl = set(zipfile.ZipFile(wheel).namelist())
    for lang in langs:
        assert f"desktop_search/locale/{lang}/LC_MESSAGES/desktop_search.po" in names
        assert f"desktop_search/locale/{lang}/LC_MESSAGES/desktop_search.mo" in names_whl
    site = tmp / "site-i18n"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(site), str(wheel)], check=True, timeout=300, capture_output=True)
    p = subprocess.run([sys.executable, "-c", "from desktop_search import i18n; "
                        "print(i18n.install('pt_PT'), i18n._('&File'))"],
                       cwd=tmp, env=dict(os.environ, PYTHONPATH=str(site)), capture_output=True,
                       text=True, timeout=120)
    assert p.stdout.split() == ["pt_PT", "&Ficheiro"], p.stdout + p.stderr
