"""Thumbnails are made off the GUI thread, cached on disk, upright, and never retried forever."""
from __future__ import annotations

import threading

from PIL import Image

from desktop_search.ui.thumbnails import ThumbnailProvider


def _photo(path, size=(300, 150), orientation=1):
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.new("RGB", size, "orange").save(path, exif=exif)
    return str(path)


def test_thumbnail_arrives_by_signal_and_is_cached(qtbot, tmp_path):
    prov = ThumbnailProvider(tmp_path / "cache")
    p = _photo(tmp_path / "a.jpg", orientation=6)   # stored landscape, shown portrait
    gui = threading.current_thread()
    seen_threads = []
    orig = prov._load
    prov._load = lambda path, px: (seen_threads.append(threading.current_thread()), orig(path, px))[1]
    with qtbot.waitSignal(prov.thumbnail_ready, timeout=20_000) as sig:
        assert prov.pixmap(p, 64) is None          # not ready: made in the background
    assert sig.args == [p, 64]
    assert seen_threads and seen_threads[0] is not gui
    pm = prov.pixmap(p, 64)
    assert pm is not None and (pm.width(), pm.height()) == (32, 64)
    assert list((tmp_path / "cache").rglob("*.png"))     # on disk for the next start
    prov.shutdown()


def test_damaged_picture_fails_once(qtbot, tmp_path):
    prov = ThumbnailProvider(tmp_path / "cache")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    assert prov.pixmap(str(bad)) is None
    qtbot.waitUntil(lambda: not prov._pending, timeout=20_000)
    assert prov.pixmap(str(bad)) is None and not prov._pending   # not queued again
    prov.shutdown()
