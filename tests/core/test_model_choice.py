"""The model is chosen for the user before the first vector: an English library keeps the
English model, anything else gets the multilingual one; the user's own choice is never
overridden; a library that changes later is offered the switch, with its cost. Real
files, the real packaged models, a fresh data folder each time."""
from __future__ import annotations

import pytest

from desktop_search.config import Settings
from desktop_search.core.embed import PACKAGED_ID, registry
from desktop_search.core.embed import advice as advice_mod
from desktop_search.core.engine import Engine

pytestmark = pytest.mark.slow

PT = {
    "manguezais.txt": "Os manguezais da costa brasileira perderam grande parte da sua área nas "
                      "últimas décadas por causa da ocupação urbana e da criação de camarão.",
    "recifes.txt": "Os recifes de coral do Nordeste abrigam centenas de espécies de peixes e "
                   "sofrem com o aquecimento da água do mar e o branqueamento.",
    "petroleo.txt": "A produção de petróleo na Bacia de Campos cresceu com as plataformas em "
                    "águas profundas e os novos poços do pré-sal.",
}
EN = {
    "whales.txt": "Humpback whales migrate thousands of kilometres every year between cold "
                  "feeding waters and warm breeding grounds near the equator.",
    "taxes.txt": "The income tax return must be filed by April, listing wages, deductions and "
                 "any interest earned on savings accounts.",
    "bread.txt": "Knead the dough for ten minutes, let it rise overnight in the fridge, then bake "
                 "the sourdough loaf in a very hot oven until the crust is dark.",
}


def _write(folder, docs):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")


def test_a_portuguese_library_gets_the_multilingual_model_before_any_vector(data_dir, tmp_path):
    docs = _write(tmp_path / "docs", {**PT, **EN})
    eng = Engine(data_dir)
    assert eng.settings.model == "auto"
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    multilingual = registry.multilingual()
    model_id, _ = eng.library.vector_model()
    assert registry.by_model_id(model_id) is multilingual
    assert eng.library.vector_rows.count_embedded() == eng.catalog.count_chunks() > 0
    choice = eng.models.chooser.choice()
    assert choice.auto and choice.name == multilingual.name
    assert "Portuguese" in choice.reason and multilingual.languages_label in choice.sentence()
    # the English question finds the Portuguese file about mangroves
    assert eng.search("mangrove forest loss", k=1)[0].path.endswith("manguezais.txt")
    assert eng.settings.model == "auto", "the app's choice is not written over the setting"
    eng.close()
    # the next start answers with the same model, without deciding again
    again = Engine(data_dir)
    assert again.models.chooser.configured() == multilingual.name
    assert again.models.model().model_id == model_id
    # a file added later is cut into passages by that model's tokenizer, and embedded
    (docs / "dunas.txt").write_text("As dunas dos Lençóis Maranhenses formam lagoas de água "
                                    "doce na estação das chuvas.", encoding="utf-8")
    again.index_service().run_until_idle()
    assert again.library.vector_rows.count_embedded() == again.catalog.count_chunks()
    assert again.search("freshwater lagoons between sand dunes", k=1)[0].path.endswith("dunas.txt")
    again.close()


def test_an_english_library_keeps_the_english_model(data_dir, tmp_path):
    docs = _write(tmp_path / "docs", EN)
    eng = Engine(data_dir)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    assert eng.library.vector_model()[0] == PACKAGED_ID
    assert eng.models.chooser.choice().reason == "your files are in English"
    assert eng.model_advice().suggested is None
    eng.close()


def test_the_users_choice_is_never_overridden(data_dir, tmp_path):
    docs = _write(tmp_path / "docs", PT)
    eng = Engine(data_dir, settings=Settings(model="all-MiniLM-L6-v2"))
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    assert eng.library.vector_model()[0] == PACKAGED_ID
    assert not eng.models.chooser.choice().auto
    # ... but the advice still says what the switch would bring, and what it costs
    advice = eng.model_advice()
    assert advice.suggested == registry.multilingual().name
    assert advice.passages == eng.catalog.count_chunks() and advice.cost_s > 0
    assert "searching keeps working" in advice.cost_text()
    eng.close()


def test_the_computers_language_counts_for_english_files(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "pt_BR.UTF-8")
    docs = _write(tmp_path / "docs", EN)
    eng = Engine(data_dir)
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    assert registry.by_model_id(eng.library.vector_model()[0]) is registry.multilingual()
    assert "Portuguese" in eng.models.chooser.choice().reason
    eng.close()


def test_a_library_that_changes_later_is_offered_the_switch(data_dir, tmp_path):
    eng = Engine(data_dir)
    eng.add_root(_write(tmp_path / "en", EN))
    eng.index_service().run_until_idle()
    assert eng.library.vector_model()[0] == PACKAGED_ID
    eng.add_root(_write(tmp_path / "pt", {**PT, **{f"b{n}.txt": t for n, t in enumerate(PT.values())}}))
    eng.index_service().run_until_idle()
    # the vectors keep their model (no switch behind the user's back) ...
    assert eng.library.vector_model()[0] == PACKAGED_ID
    advice = eng.model_advice()
    assert advice.suggested == registry.multilingual().name and "Portuguese" in advice.reason
    # ... one click (the window's offer) switches, in the background, and keeps "auto"
    eng.models.switch(advice.suggested, chosen_by_user=False)
    assert registry.by_model_id(eng.model_change().to) is registry.multilingual()
    eng.index_service().run_until_idle()
    assert registry.by_model_id(eng.library.vector_model()[0]) is registry.multilingual()
    assert eng.settings.model == "auto"
    eng.close()


def test_choose_in_plain_words():
    prof = advice_mod.LanguageProfile(shares={"pt": 0.6, "en": 0.4}, sampled=10, unsure=0.0)
    info, why = advice_mod.choose(documents=prof)
    assert info is registry.multilingual() and why == "your files are 60% Portuguese"
    en = advice_mod.LanguageProfile(shares={"en": 1.0}, sampled=10, unsure=0.0)
    assert advice_mod.choose(documents=en)[0] is registry.ENGLISH
    assert advice_mod.choose(documents=en, queries={"de": 3, "en": 1})[1] == "you search in German"
    assert advice_mod.choose(documents=en, system="fr")[1] == "your computer's language is French"
    said = advice_mod.ModelChoice(name="x", auto=True, label="English", reason="").sentence()
    assert said == "Understands English for now · chosen for your files once they are read"
    mine = advice_mod.ModelChoice(name="x", auto=False, label="English", reason="").sentence()
    assert mine == "Understands English · your choice in Settings"


def test_a_multilingual_model_that_cannot_load_leaves_english_working(data_dir, tmp_path,
                                                                      monkeypatch):
    """The multilingual weights damaged, no fallback engine (int8 asked for): the library
    is read once, by the English model, and the window says why."""
    from desktop_search.core.embed import e5_weights

    good = e5_weights.default_weights_path()
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(good.read_bytes()[:4096])
    monkeypatch.setattr(e5_weights, "default_weights_path", lambda: bad)
    docs = _write(tmp_path / "docs", {**PT, **EN})
    eng = Engine(data_dir, settings=Settings(backend="onnx-int8"))
    eng.add_root(docs)
    eng.index_service().run_until_idle()
    model_id, _ = eng.library.vector_model()
    assert registry.by_model_id(model_id) is registry.ENGLISH
    assert eng.library.vector_rows.count_embedded() == eng.catalog.count_chunks() > 0
    choice = eng.models.chooser.choice()
    assert choice.name == registry.ENGLISH.name and "could not load" in choice.reason
    assert eng.search("sourdough bread baking", k=1)[0].path.endswith("bread.txt")
    eng.close()
