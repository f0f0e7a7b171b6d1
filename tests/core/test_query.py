"""The analyzer: folding, per-language stemming, Chinese/Japanese pairs, highlights."""
from __future__ import annotations

from desktop_search.core.analyze import analyze, fold, matcher, query_words


def spans_text(text, query, languages=("en",)):
    return [text[s:e] for s, e in matcher(query, languages=languages).spans(text)]


def test_portuguese_folded_and_stemmed():
    terms = analyze("As mudanças climáticas afetam os oceanos", "pt")
    assert "mudanc" in terms and "climat" in terms and "ocean" in terms
    assert "as" not in terms and "os" not in terms            # Portuguese stop words
    # typed without accents, as OCR or a hurried person writes: same terms
    assert analyze("As mudancas climaticas afetam os oceanos", "pt") == terms


def test_english_stemmer_does_not_touch_portuguese():
    assert analyze("actions of nations", "en") == ["action", "nation"]
    # English rules would cut "boas" to "boa" and "universidade" to "universidad"
    pt = analyze("boas universidades", "pt")
    assert pt == ["boas", "univers"]
    assert analyze("boas universidades", "en") == ["boa", "universidad"]
    # a text whose language is unknown is folded, never stemmed
    assert analyze("ações boas", None) == ["acoes", "boas"]


def test_query_word_has_its_forms_in_each_index_language():
    (w,) = query_words("mudanças", languages=["en", "pt"])
    assert w.word == "mudancas"
    assert "mudanc" in w.forms and "mudancas" in w.forms


def test_chinese_word_found_inside_a_sentence():
    sentence = "我们在北京大学学习中文"
    doc = set(analyze(sentence, "zh"))
    (q,) = query_words("北京", languages=["en"])
    assert set(q.forms) <= doc
    assert spans_text(sentence, "北京大学") == ["北京大学"]
    assert spans_text(sentence, "上海") == []


def test_japanese_word_inside_a_sentence():
    sentence = "東京都に住んでいます"
    assert "京都" in analyze(sentence, "ja")
    assert spans_text(sentence, "京都") == ["京都"]


def test_arabic_vowel_marks_and_alef_forms_folded():
    voweled = "ذَهَبَ الوَلَدُ إلى المَدْرَسَةِ"
    plain = "ذهب الولد الى المدرسة"
    assert fold("إلى") == fold("الى")
    assert analyze(voweled, "ar") == analyze(plain, "ar")
    assert spans_text(voweled, "المدرسة", ["ar"]) == ["المَدْرَسَةِ"]


def test_hindi_vowel_signs_do_not_split_words():
    assert analyze("किताबें", None) == ["किताबें"]


def test_highlight_maps_folded_and_stemmed_matches_to_the_original_text():
    text = "As Mudanças Climáticas e o oceano."
    assert spans_text(text, "mudanca climatica", ["en", "pt"]) == ["Mudanças", "Climáticas"]
    assert spans_text("He was running home", "runs") == ["running"]
    assert spans_text("naïve café", "cafe naive") == ["naïve", "café"]
