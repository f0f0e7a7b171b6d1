"""A real change of model: every passage is embedded again by the new model, and the
catalog never mixes vectors of two models. fp32 -> int8 is a different model (its own
id: its vectors differ), exported and quantized offline like a user's switch."""
from __future__ import annotations

import numpy as np
import pytest

from desktop_search.config import Settings
from desktop_search.core.engine import Engine

pytestmark = pytest.mark.slow

DOCS = {
    "cats.txt": "My cat sleeps most of the afternoon on the warm windowsill.",
    "rocket.txt": "The rocket reached orbit after its second stage burned for six minutes.",
    "bread.md": "# Sourdough\n\nFeed the starter, fold the dough, and bake it in a hot oven.",
}


def test_changing_the_model_reembeds_everything(data_dir, model, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    eng = Engine(data_dir, embedder=model)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    n = eng.catalog.stats().chunks
    ids, before = eng.library.vector_rows.of([c for c in eng.library.vector_rows.embedded_ids()])
    assert eng.catalog.get_meta("model_id") == model.model_id
    eng.close()

    # the user picks another model in Settings: the engine builds it as the app does
    settings = Settings.load(data_dir / "settings.json")
    settings.backend = "onnx-int8"
    settings.save(data_dir / "settings.json")
    eng2 = Engine(data_dir)
    new_id = eng2.embedder().model_id
    assert new_id != model.model_id
    eng2.index_service().run_until_idle()
    assert eng2.catalog.get_meta("model_id") == new_id
    assert eng2.library.count_unembedded() == 0
    ids2, after = eng2.library.vector_rows.of(list(ids))
    assert sorted(ids2.tolist()) == sorted(ids.tolist()) and len(ids2) == n
    order = np.argsort(ids2)
    after = after[order].astype(np.float32)
    before = before[np.argsort(ids)].astype(np.float32)
    # new vectors, made by the new model (close to fp32's, never the same bytes)
    assert not np.array_equal(after, before)
    cos = (after * before).sum(axis=1) / (np.linalg.norm(after, axis=1) * np.linalg.norm(before, axis=1))
    assert cos.min() > 0.95
    assert len(eng2.vectors()) == n and eng2.doctor().ok
    assert eng2.search("pets napping", k=1)[0].path == str(docs / "cats.txt")
    eng2.close()
