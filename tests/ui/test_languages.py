"""(d) The window speaks the system's language: under pt_PT, pt_BR, es, fr and de its
menus, empty page, status bar and dialogs show no English sentence of the source, and
Qt's own buttons match. Each test goes back to English after (the ``language`` fixture)."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import (QAbstractButton, QComboBox, QLabel, QLineEdit, QMenu,
                               QTreeWidget, QWidget)

from desktop_search import i18n, i18n_tools
from desktop_search.ui.widgets import ElidedLabel
from tests.ui.conftest import CORPUS, Harness, write_corpus

LANGS = ("pt_PT", "pt_BR", "es", "fr", "de")


@pytest.fixture(scope="module")
def english_sources():
    """The English source strings (accelerators and ellipses as written)."""
    out = set()
    for m in i18n_tools.extract():
        if m.id:
            out.update([m.id] if isinstance(m.id, str) else m.id)
    return out


@pytest.fixture
def harness(qtbot, tmp_path, hash_embedder):
    """Real windows on a real index, with the fast fake model (the words on screen are the
    point, not the ranking): these tests stay in the fast lane."""
    h = Harness(qtbot, tmp_path, hash_embedder)
    yield h
    for w in list(h.windows):
        w.controller.shutdown()


@pytest.fixture
def language(monkeypatch):
    """Install a language for the whole app as the window's start does; English after."""
    from desktop_search.ui import language as ui_language

    saved = QLocale()

    def use(lang: str) -> str:
        monkeypatch.setenv("LANGUAGE", "")
        monkeypatch.setenv("LC_ALL", "")
        monkeypatch.setenv("LC_MESSAGES", "")
        monkeypatch.setenv("LANG", f"{lang}.UTF-8")
        return ui_language.install("")          # "" in Settings: the system's language

    yield use
    ui_language.install("en")
    QLocale.setDefault(saved)
    assert i18n.current() == i18n.ENGLISH


def shown_texts(root: QWidget) -> list[str]:
    """Every text a person reads in a widget tree: labels, buttons, menus, lists, fields."""
    out = [root.windowTitle()]
    for w in [root, *root.findChildren(QWidget)]:
        if isinstance(w, (QLabel, QAbstractButton, ElidedLabel)):
            out.append(w.text())
        if isinstance(w, QLineEdit):
            out.append(w.placeholderText())
        if isinstance(w, QComboBox):
            out.extend(w.itemText(i) for i in range(w.count()))
        if isinstance(w, QTreeWidget):
            head = w.headerItem()
            out.extend(head.text(i) for i in range(head.columnCount()))
        if isinstance(w, QMenu):
            out.append(w.title())
            out.extend(a.text() for a in w.actions())
        out.append(w.toolTip())
    return [t for t in out if t]


def english_in(texts: list[str], sources: set[str]) -> list[str]:
    """The texts that are an English source string the language translates differently
    (the languages' own names in Settings -> Language excepted)."""
    from desktop_search.ui.language import NATIVE_NAMES

    return [t for t in texts if t in sources and i18n._(t) != t and t not in NATIVE_NAMES.values()]


@pytest.mark.parametrize("lang", LANGS)
def test_the_main_window_speaks_the_language(lang, language, harness, qtbot,
                                             english_sources):
    assert language(lang) == lang
    w = harness.open_window()
    # the empty page, before any folder
    qtbot.waitUntil(lambda: w.status_label.text() == i18n._("No folders yet"))
    assert w.empty_state.title.text() == i18n._("Add a folder to start") != "Add a folder to start"
    assert w.empty_state.button.text() == i18n._("Add a Folder…")
    menus = [a.text() for a in w.menuBar().actions()]
    assert menus == [i18n._(t) for t in ("&File", "&Result", "&Index", "&Help")]
    assert not set(menus) & {"&File", "&Result", "&Help"}
    # each menu's access keys are distinct (Alt+letter picks one item)
    for bar_action in w.menuBar().actions():
        keys = [re.search(r"&(\w)", a.text()).group(1).lower()
                for a in bar_action.menu().actions() if not a.isSeparator()]
        assert len(keys) == len(set(keys)), (bar_action.text(), keys)
    texts = shown_texts(w) + [a.text() for a in w.actions()]
    assert not english_in(texts, english_sources), english_in(texts, english_sources)
    # a folder indexed: the status bar counts in the language, numbers in its locale
    harness.add_folder_and_wait(w, write_corpus(harness.tmp_path / "docs"))
    n = len(CORPUS)
    in_folders = i18n.ngettext("in {count} folder", "in {count} folders", 1).format(count=1)
    assert w.status_label.text() == i18n.ngettext(
        "{count} file {in_folders}, up to date", "{count} files {in_folders}, up to date",
        n).format(count=n, in_folders=in_folders)
    assert "up to date" not in w.status_label.text()
    assert not english_in(shown_texts(w), english_sources)


def test_the_dialogs_speak_portuguese(language, harness, qtbot, english_sources):
    language("pt_PT")
    w = harness.open_window()
    w.show_folders()
    w.show_failed()
    copies = w.show_copies()
    settings = w.show_settings()
    for dlg in (w.dialogs.folders, w.dialogs.failed, copies, settings):
        texts = shown_texts(dlg)
        assert not english_in(texts, english_sources), (dlg.windowTitle(), english_in(texts, english_sources))
    assert settings.windowTitle() == "Definições" and w.dialogs.folders.windowTitle() == "Pastas"
    # Qt's own buttons come from its qtbase catalog
    buttons = [b.text().replace("&", "") for b in settings.buttons.buttons()]
    assert "Cancel" not in buttons and "Cancelar" in buttons, buttons
    # Settings -> Language names each language in itself
    items = [settings.language.itemText(i) for i in range(settings.language.count())]
    assert items[1:] == ["English", "Português (Portugal)", "Português (Brasil)", "Español",
                         "Français", "Deutsch"]
    assert items[0] == "Predefinição do sistema (Português (Portugal))"
    settings.reject()


def test_the_language_setting_is_saved_and_wins_over_the_system(language, harness, qtbot):
    from desktop_search.config import Settings
    from desktop_search.ui import language as ui_language

    language("pt_PT")
    w = harness.open_window()
    dlg = w.show_settings()
    dlg.language.setCurrentIndex(dlg.language.findData("de"))
    with qtbot.waitSignal(w.controller.settings_saved, timeout=30_000):
        dlg.buttons.button(dlg.buttons.StandardButton.Ok).click()
    assert Settings.load(harness.data_dir / "settings.json").language == "de"
    assert ui_language.chosen("de") == "de" and ui_language.chosen("") == "pt_PT"
