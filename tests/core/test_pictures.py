"""Pictures by what they show, with a tiny randomly initialised CLIP built here (no download).

The tiny model's vectors mean nothing, so the tests check the plumbing with facts that
hold for any model: a picture's own vector is its nearest neighbour, the query vector
is the model's text side, the index survives a reopen, and a deleted picture is gone.
"""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from desktop_search.core.store.tables import RootRows
from desktop_search.core.store.catalog import Catalog
from desktop_search.core.embed.clip import ClipEmbedder, build_tiny_clip
from desktop_search.core.store.picture_index import PictureIndex
from desktop_search.core.search import Filters, Hit, merge_pictures, picture_hits


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory):
    return build_tiny_clip(tmp_path_factory.mktemp("clip"))


def _pictures(folder, catalog):
    folder.mkdir()
    colours = {"red.png": (220, 30, 30), "blue.jpg": (20, 40, 210), "green.webp": (30, 200, 40)}
    rid = RootRows(catalog).add(str(folder))
    ids = {}
    for name, rgb in colours.items():
        p = folder / name
        arr = np.zeros((64, 96, 3), dtype=np.uint8) + np.array(rgb, dtype=np.uint8)
        arr[::8] = 255  # a little structure
        Image.fromarray(arr).save(p)
        st = p.stat()
        fid, _ = catalog.put_file(path=str(p), root_id=rid, size=st.st_size, mtime_ns=st.st_mtime_ns,
                                  digest=name, kind="picture", title=None, heading=name, chunks=[],
                                  ocr="none", taken=1_600_000_000.0)
        ids[name] = fid
    return ids


def test_tiny_clip_loads_offline_and_embeds_both_sides(tiny_clip):
    emb = ClipEmbedder(str(tiny_clip))
    assert not emb.needs_download
    img = emb.embed_images([Image.new("RGB", (40, 30), "red")])
    q = emb.embed_query("a red square")
    assert img.shape == (1, emb.dim) and q.shape == (emb.dim,)
    assert np.isclose(np.linalg.norm(img[0]), 1, atol=1e-3) and np.isclose(np.linalg.norm(q), 1, atol=1e-3)


def test_named_model_is_not_downloaded_unless_allowed():
    from desktop_search.errors import ModelError

    emb = ClipEmbedder("clip-ViT-B-32")
    assert emb.needs_download
    with pytest.raises(ModelError, match="not on this computer"):
        emb.load()


def test_store_search_similar_reopen_and_remove(tiny_clip, tmp_path):
    cat = Catalog(tmp_path / "c.sqlite3")
    ids = _pictures(tmp_path / "pics", cat)
    pi = PictureIndex(data_dir=tmp_path, catalog=cat, model=str(tiny_clip))
    assert pi.pending() == 3
    assert pi.embed_some() == 3 and pi.pending() == 0
    assert len(pi.vectors()) == 3
    # the text side ranks every picture; the scores are the model's own cosines
    found = pi.search("a red square", k=10)
    assert sorted(f for f, _ in found) == sorted(ids.values())
    q = pi.embedder.embed_query("a red square")
    for fid, s in found:
        v = pi.rows.vector(fid).astype(np.float32)
        assert s == pytest.approx(float(v @ q / np.linalg.norm(v)), abs=2e-2)
    # more like this: every other picture, never the picture itself
    sim = pi.similar(ids["red.png"], k=5)
    assert ids["red.png"] not in [f for f, _ in sim] and len(sim) == 2
    pi.save()
    # reopen: the saved index is used and still matches the catalog
    pi2 = PictureIndex(data_dir=tmp_path, catalog=cat, model=str(tiny_clip))
    assert sorted(pi2.vectors().keys().tolist()) == sorted(ids.values())
    # a deleted picture is gone from the catalog and from the index
    cat.delete_file(str(tmp_path / "pics" / "blue.jpg"))
    pi2.remove([ids["blue.jpg"]])
    assert ids["blue.jpg"] not in [f for f, _ in pi2.search("blue", k=10)]
    # and a stale key (a crash before remove) never surfaces as a hit
    stale = picture_hits(catalog=cat, scores=[(ids["blue.jpg"], 0.9), (ids["red.png"], 0.5)],
                         min_score=0.0)
    assert [h.path.rsplit("/", 1)[-1] for h in stale] == ["red.png"]
    cat.close()


def test_date_filter_uses_date_taken(tiny_clip, tmp_path):
    cat = Catalog(tmp_path / "c.sqlite3")
    ids = _pictures(tmp_path / "pics", cat)
    scores = [(fid, 0.5) for fid in ids.values()]
    # taken in 2020 (the files themselves are from today)
    assert len(picture_hits(catalog=cat, scores=scores, min_score=0,
                            filters=Filters(modified_before=1_700_000_000.0))) == 3
    assert picture_hits(catalog=cat, scores=scores, min_score=0,
                        filters=Filters(modified_after=1_700_000_000.0)) == []
    hits = picture_hits(catalog=cat, scores=scores, min_score=0, filters=Filters(kinds=["picture"]))
    assert len(hits) == 3
    # a picture without words shows what it is instead of a passage
    assert all(h.snippet.startswith("Picture") and "taken 2020" in h.snippet for h in hits)
    cat.close()


def _hit(fid: int, score: float, kind="text") -> Hit:
    return Hit(path=f"/x/{fid}", score=score, snippet="", highlights=[], page=None, line=None,
               kind=kind, title=None, modified=0.0, size=1, file_id=fid, chunk_id=fid,
               passage_start=0, passage_end=0)


def test_fusion_calibrates_each_kind():
    text = [_hit(1, 1.2), _hit(2, 0.9), _hit(3, 0.3)]
    pics = [_hit(10, 0.31, "picture"), _hit(11, 0.22, "picture")]
    out = merge_pictures(text, pics, k=10)
    order = [h.file_id for h in out]
    # the best of each kind leads; a weak text hit falls below a good picture
    assert order[:2] == [1, 10] and order.index(11) < order.index(3)
    assert merge_pictures(text, [], k=2) == text[:2]
    # a file in both lists appears once, with its better score and its picture score
    both = merge_pictures(text, [_hit(3, 0.31, "picture")], k=10)
    assert [h.file_id for h in both].count(3) == 1
    assert next(h for h in both if h.file_id == 3).picture == pytest.approx(0.31)


def test_whole_path_through_the_engine(tiny_clip, tmp_path, model):
    """Setting on -> the indexing worker embeds pictures -> a text query finds them among
    text hits -> more like this on a picture -> a deleted picture leaves both indexes."""
    import os

    from desktop_search.config import Settings
    from desktop_search.core.engine import Engine

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text("A note about red paint for the garden fence.")
    for name, rgb in (("red.png", (220, 30, 30)), ("blue.jpg", (20, 40, 210)),
                      ("green.webp", (30, 200, 40))):
        Image.new("RGB", (64, 48), rgb).save(docs / name)
    cut = docs / "cut.jpg"   # header intact, pixels truncated: decoded in the sandbox, refused
    Image.new("RGB", (640, 480), "white").save(cut, quality=95)
    cut.write_bytes(cut.read_bytes()[:800])
    # the random model's cosines can be anything: let every picture through
    settings = Settings(picture_search=True, picture_model=str(tiny_clip),
                        read_text_in_pictures=False, picture_min_score=-1.0)
    eng = Engine(tmp_path / "data", settings=settings, embedder=model)
    try:
        eng.add_root(docs)
        eng.index_service().run_until_idle()
        assert eng.picture_index().pending() == 0
        ids = {os.path.basename(p): f.id for p, f in eng.catalog.files_of_root(
            eng.library.root_id(str(docs))).items()}
        hits = eng.search("red paint", k=10)
        names = [os.path.basename(h.path) for h in hits]
        assert names[0] == "note.txt"                     # the best text hit leads
        assert {"red.png", "blue.jpg", "green.webp"} <= set(names)
        # the picture the model could not read matches by its caption's words alone
        assert [h.picture for h in hits if h.path.endswith("cut.jpg")] == [None]
        assert all(h.picture is not None for h in hits if h.kind == "picture"
                   and not h.path.endswith("cut.jpg"))
        like = eng.more_like_this(str(docs / "red.png"), k=5)
        assert {os.path.basename(h.path) for h in like} == {"blue.jpg", "green.webp"}
        # deleted: gone from the catalog and from the picture index at once
        os.remove(docs / "blue.jpg")
        eng.index_service().ingest.delete_path(str(docs / "blue.jpg"))
        assert ids["blue.jpg"] not in eng.picture_index().vectors().keys().tolist()
        assert eng.library.picture_rows.vector(ids["blue.jpg"]) is None
        assert eng.doctor().ok
    finally:
        eng.close()
