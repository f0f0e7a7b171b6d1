"""(b) every shipped catalog is complete against the code as it is now (re-extracted with
Babel), nothing fuzzy or obsolete; (c) every placeholder of a source string is in each of
its translations (every plural form); a damaged catalog falls back to English."""
from __future__ import annotations

import logging
import shutil

import pytest

from desktop_search import i18n, i18n_tools


@pytest.fixture(scope="module")
def template():
    return i18n_tools.extract()


def test_the_template_holds_the_window_strings(template):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    assert {"&File", "Add a folder to start", "No folders yet", "Paused on battery",
            "{count} file"} <= ids
    assert len(ids) > 300


@pytest.mark.parametrize("lang", i18n_tools.TRANSLATED)
def test_every_catalog_is_complete_and_keeps_placeholders(lang, template):
    found = i18n_tools.problems(lang, template)
    assert not found, "\n".join(map(str, found)) + (
        "\n\nre-extract and update: python -m desktop_search.i18n_tools extract && "
        "python -m desktop_search.i18n_tools update; then translate the empty msgstr")


def _copy_catalogs(tmp_path, monkeypatch):
    shutil.copytree(i18n_tools.LOCALE_DIR, tmp_path / "locale",
                    ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n_tools, "LOCALE_DIR", tmp_path / "locale")
    return tmp_path / "locale" / "de" / "LC_MESSAGES" / "desktop_search.po"


def test_a_dropped_placeholder_an_empty_or_a_fuzzy_translation_is_caught(tmp_path, monkeypatch,
                                                                        template):
    po = _copy_catalogs(tmp_path, monkeypatch)
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "Kopiert: {path}"', 'msgstr "Kopiert"')
    text = text.replace('msgstr[1] "{count} Dateien"', 'msgstr[1] "Dateien"')
    text = text.replace('msgstr "Ordner hinzufügen…"', 'msgstr ""', 1)
    po.write_text(text, encoding="utf-8")
    found = {(p.msgid, p.what.split(" ")[0]) for p in i18n_tools.problems("de", template)}
    assert ("Copied {path}", "placeholders") in found
    assert ("{count} file", "placeholders") in found
    assert any(what == "not" for _id, what in found)        # "not translated"


def test_an_obsolete_msgid_is_caught(tmp_path, monkeypatch, template):
    po = _copy_catalogs(tmp_path, monkeypatch)
    po.write_text(po.read_text(encoding="utf-8")
                  + '\nmsgid "A string the code no longer has"\nmsgstr "Weg"\n', encoding="utf-8")
    found = i18n_tools.problems("de", template)
    assert [p.what for p in found] == ["no longer in the code"]


def test_the_catalogs_compile(tmp_path):
    built = i18n_tools.compile_all(tmp_path)
    assert sorted(p.parent.parent.name for p in built) == sorted(i18n_tools.TRANSLATED)
    assert all(p.stat().st_size > 10_000 for p in built)


def test_a_damaged_catalog_falls_back_to_english_with_one_log_line(tmp_path, monkeypatch, caplog):
    folder = tmp_path / "locale" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "desktop_search.mo").write_bytes(b"\xde\x12\x04\x95 not a catalog at all")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    with caplog.at_level(logging.WARNING, logger="desktop_search.i18n"):
        assert i18n.install("de_DE.UTF-8") == i18n.ENGLISH
    assert i18n.current() == i18n.ENGLISH and i18n._("&File") == "&File"
    assert len([r for r in caplog.records if r.name == "desktop_search.i18n"]) == 1


def test_a_damaged_po_in_a_checkout_falls_back_to_english(tmp_path, monkeypatch, caplog):
    folder = tmp_path / "locale" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "desktop_search.po").write_text('msgid "x\nmsgstr broken', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    with caplog.at_level(logging.WARNING, logger="desktop_search.i18n"):
        assert i18n.install("fr") == i18n.ENGLISH
    assert len(caplog.records) == 1


def test_a_checkout_without_mo_files_loads_the_po(tmp_path, monkeypatch):
    shutil.copytree(i18n.LOCALE_DIR, tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    assert i18n.install("pt_PT") == "pt_PT"
    assert i18n._("&File") == "&Ficheiro"
    assert i18n.ngettext("{count} file", "{count} files", 2).format(count=2) == "2 ficheiros"


@pytest.mark.parametrize("lang,one,two", [
    ("pt_PT", "1 ficheiro", "2 ficheiros"), ("pt_BR", "1 arquivo", "2 arquivos"),
    ("es", "1 archivo", "2 archivos"), ("fr", "0 fichier", "2 fichiers"),
    ("de", "1 Datei", "2 Dateien")])
def test_plurals_follow_each_language(lang, one, two):
    i18n.install(lang)
    n1 = int(one.split()[0])
    assert i18n.ngettext("{count} file", "{count} files", n1).format(count=n1) == one
    assert i18n.ngettext("{count} file", "{count} files", 2).format(count=2) == two
