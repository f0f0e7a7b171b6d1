"""Pictures in searches by words: a picture with no words in it is found by its name,
its camera and its date, by words alone (``--words-only``, or while the model loads) as
by meaning. (They had no passage, so the word index never saw them.)"""
from __future__ import annotations

import os

from PIL import Image

from desktop_search.config import Settings
from desktop_search.core.engine import Engine


def _exif(camera: str, when: str):
    exif = Image.Exif()
    exif[0x0110] = camera
    exif.get_ifd(0x8769)[0x9003] = when
    return exif


def test_a_wordless_picture_is_found_by_words(tmp_path, model):
    docs = tmp_path / "docs"
    docs.mkdir()
    Image.new("RGB", (320, 200), (200, 120, 40)).save(
        docs / "harbour_sunset.jpg", exif=_exif("Pixel 7", "2019:03:02 19:15:00"))
    (docs / "notes.txt").write_text("Minutes of the allotment committee about compost bins.")
    (docs / "empty.txt").write_text("   ")
    eng = Engine(tmp_path / "data", settings=Settings(read_text_in_pictures=False),
                 embedder=model)
    try:
        eng.add_root(docs)
        eng.index_service().run_until_idle()
        for query in ("harbour", "sunset", "pixel"):
            hits = eng.search(query, k=5, dense=False)
            assert [os.path.basename(h.path) for h in hits] == ["harbour_sunset.jpg"], query
        hit = eng.search("harbour", k=5, dense=False)[0]
        assert hit.kind == "picture" and hit.snippet.startswith("Picture · Pixel 7 · taken 2019-03-0")
        # by meaning too, and the empty text file is still skipped with its reason
        assert "harbour_sunset.jpg" in [os.path.basename(h.path)
                                        for h in eng.search("harbour sunset", k=5)]
        assert [os.path.basename(f.path) for f in eng.failed_files()] == ["empty.txt"]
        assert eng.doctor().ok
    finally:
        eng.close()


def test_a_picture_indexed_before_captions_gets_one_on_the_next_scan(tmp_path, model):
    docs = tmp_path / "docs"
    docs.mkdir()
    photo = docs / "lighthouse_at_dusk.png"
    Image.new("RGB", (120, 90), (40, 60, 90)).save(photo)
    eng = Engine(tmp_path / "data", settings=Settings(read_text_in_pictures=False),
                 embedder=model)
    try:
        eng.add_root(docs)
        st = photo.stat()
        # as an older version left it: listed, no passage
        eng.library.put_file(path=str(photo), root_id=eng.library.root_id(str(docs)),
                             size=st.st_size, mtime_ns=st.st_mtime_ns, digest="old",
                             kind="picture", title=None, heading="lighthouse at dusk",
                             chunks=[], ocr="none")
        assert eng.search("lighthouse", dense=False) == []
        eng.index_service().run_until_idle()
        row = eng.catalog.get_file(str(photo))
        assert row.n_chunks == 1 and row.ocr == "none" and row.hash == "old"   # not re-read
        assert [os.path.basename(h.path) for h in eng.search("lighthouse", dense=False)] == \
            ["lighthouse_at_dusk.png"]
    finally:
        eng.close()
