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


def _picture_hit(path: str):
    from desktop_search.core.search import Hit

    return Hit(path=path, score=1.0, snippet="", highlights=[], page=None, line=None,
               kind="picture", title=None, modified=0.0, size=1, file_id=1, chunk_id=-1,
               passage_start=0, passage_end=0, ocr=True, taken=1_600_000_000.0)


def test_preview_shows_the_picture_scaled_and_marks_ocr(qtbot, tmp_path):
    from desktop_search.ui.preview import PreviewPane
    from desktop_search.ui.thumbnails import install
    from desktop_search.ui.results import ResultsView

    view, pane = ResultsView(), PreviewPane()
    qtbot.addWidget(view)
    qtbot.addWidget(pane)
    prov = install(results_view=view, preview=pane, parent=pane, cache_dir=tmp_path / "c")
    pane.resize(500, 700)
    pane.show()
    p = _photo(tmp_path / "big.jpg", size=(2400, 1600))
    pane.show_hit(_picture_hit(p))
    assert "OCR" in pane.where.text() and "taken" in pane.where.text()
    qtbot.waitUntil(lambda: pane.image.pixmap() is not None and not pane.image.pixmap().isNull(),
                    timeout=20_000)
    pm = pane.image.pixmap()
    assert pm.width() <= pane.image.width() and pm.height() <= pane.image.height()
    assert abs(pm.width() / pm.height() - 1.5) < 0.05          # shape kept
    pane.clear()
    assert pane.image.isHidden()
    prov.shutdown()


def test_results_row_paints_the_thumbnail(qtbot, tmp_path):
    from PySide6.QtGui import QColor

    from desktop_search.ui.results import ResultsModel, ResultsView
    from desktop_search.ui.thumbnails import install
    from desktop_search.ui.preview import PreviewPane

    view, pane = ResultsView(), PreviewPane()
    qtbot.addWidget(view)
    qtbot.addWidget(pane)
    model = ResultsModel(view)
    view.setModel(model)
    view.resize(600, 300)
    view.show()
    prov = install(results_view=view, preview=pane, parent=view, cache_dir=tmp_path / "c")
    p = _photo(tmp_path / "orange.png", size=(200, 200))
    model.set_hits([_picture_hit(p)], "x", True)
    with qtbot.waitSignal(prov.thumbnail_ready, timeout=20_000):
        view.grab()            # the first paint asks for the thumbnail
    rect = view.visualRect(model.index(0))
    img = view.viewport().grab().toImage()
    centre = img.pixelColor(rect.left() + 8 + rect.height() // 2 - 8, rect.center().y())
    orange = QColor("orange")
    assert abs(centre.red() - orange.red()) < 12 and abs(centre.green() - orange.green()) < 12
    assert abs(centre.blue() - orange.blue()) < 12
    prov.shutdown()


def test_pictures_are_decoded_in_a_sandboxed_child_not_the_window(qtbot, tmp_path):
    """A picture is untrusted: Pillow runs in a child with time, memory and CPU limits."""
    import os

    prov = ThumbnailProvider(tmp_path / "cache")
    p = _photo(tmp_path / "a.png")
    with qtbot.waitSignal(prov.thumbnail_ready, timeout=60_000):
        assert prov.pixmap(p, 64) is None
    child = prov.sandbox.pid
    assert child is not None and child != os.getpid()
    prov.shutdown()
    qtbot.waitUntil(lambda: prov.sandbox.pid is None, timeout=20_000)
