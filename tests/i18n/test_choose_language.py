"""The language from the locale: LANGUAGE, LC_ALL, LC_MESSAGES, LANG; "pt" -> pt-PT,
"C"/"POSIX"/unknown -> English."""
from __future__ import annotations

import pytest

from desktop_search import i18n


@pytest.mark.parametrize("tag,lang", [
    ("pt_PT.UTF-8", "pt_PT"), ("pt_BR.UTF-8", "pt_BR"), ("pt", "pt_PT"), ("pt_AO", "pt_PT"),
    ("es_MX.UTF-8", "es"), ("fr_CA", "fr"), ("de_AT.UTF-8@euro", "de"), ("de-CH", "de"),
    ("C", "en"), ("POSIX", "en"), ("C.UTF-8", "en"), ("ja_JP.UTF-8", "en"), ("", "en"),
    (None, "en"), ("en_GB.UTF-8", "en")])
def test_resolve(tag, lang):
    assert i18n.resolve(tag) == lang


@pytest.mark.parametrize("env,lang", [
    ({"LANG": "de_DE.UTF-8"}, "de"),
    ({"LANG": "de_DE.UTF-8", "LC_MESSAGES": "fr_FR.UTF-8"}, "fr"),
    ({"LANG": "de_DE.UTF-8", "LC_MESSAGES": "fr_FR.UTF-8", "LC_ALL": "es_ES.UTF-8"}, "es"),
    ({"LANGUAGE": "pt_BR:pt:en", "LC_ALL": "es_ES.UTF-8"}, "pt_BR"),
    ({"LANGUAGE": "ja:fr", "LANG": "de_DE.UTF-8"}, "fr"),
    ({"LANG": "C"}, "en"),
    ({}, None)])
def test_the_language_from_the_environment(env, lang):
    assert i18n.language_from_environment(env) == lang


def test_the_cli_stays_english():
    """The CLI never installs a language: the core's sentences stay English."""
    from desktop_search.core.embed.advice import ModelChoice

    said = ModelChoice(name="x", auto=True, label="about 100 languages",
                       reason="your files are 98% Portuguese").sentence()
    assert said == "Understands about 100 languages · chosen for your files: your files are 98% Portuguese"


def test_stored_reasons_are_translated_when_shown():
    from desktop_search.core.embed.advice import choice_reason_text
    from desktop_search.core.extract.reasons import reason_text

    i18n.install("pt_PT")
    assert choice_reason_text("your files are 98% Portuguese and 2% Spanish") == \
        "os seus ficheiros estão 98% em português e 2% em espanhol"
    assert reason_text("12.3 MB is over the 10.0 MB size cap") == \
        "12.3 MB ultrapassa o tamanho máximo de 10.0 MB"
    assert reason_text("a library's own words") == "a library's own words"


def test_what_the_command_line_prints_stays_english_with_a_language_installed():
    """The launcher's stderr (read by scripts) stays English; the window's dialog is translated."""
    from desktop_search.core.ownership import OwnerInfo

    i18n.install("pt_PT")
    owner = OwnerInfo(pid=42, kind="window", started=0.0)
    assert owner.describe().startswith("the Desktop Search window (pid 42, since ")
    assert owner.describe(translated=True).startswith("a janela do Desktop Search (pid 42, desde as ")
