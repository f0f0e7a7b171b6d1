"""The window's language: chosen from Settings or the system, installed once at start for
the app's own strings (gettext, ``desktop_search.i18n``), Qt's own (the qtbase catalogs
PySide6 ships: standard buttons, the folder picker) and numbers and dates (QLocale)."""
from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop_search import i18n

log = logging.getLogger(__name__)

#: each language named in itself, for Settings -> Language (never translated)
NATIVE_NAMES: dict[str, str] = {
    "en": "English",
    "pt_PT": "Português (Portugal)",
    "pt_BR": "Português (Brasil)",
    "es": "Español",
    "fr": "Français",
    "de": "Deutsch",
}
#: qtbase catalogs to try for a language, best first (Qt ships no pt_PT: pt_BR's is near)
_QT_CATALOGS = {"pt_PT": ("pt_PT", "pt", "pt_BR"), "pt_BR": ("pt_BR", "pt")}

_translators: list[QTranslator] = []


def system_language() -> str:
    """The language the system asks for: the locale variables, else the desktop's locale."""
    from_env = i18n.language_from_environment()
    if from_env is not None:
        return from_env
    return i18n.resolve(QLocale.system().name())


def chosen(setting: str) -> str:
    """The language to show: the setting when it names one, else the system's."""
    return i18n.resolve(setting) if setting else system_language()


def install(setting: str = "") -> str:
    """Install the language for the whole app (before any window is made); returns it."""
    lang = i18n.install(chosen(setting))
    QLocale.setDefault(_number_locale(lang))
    _install_qt_catalog(lang)
    return lang


def _number_locale(lang: str) -> QLocale:
    """Numbers and dates: the system's conventions when it speaks this language (es_MX
    stays Mexican), else the language's own; English on a "C" system: en_US."""
    system = QLocale.system()
    if lang == i18n.ENGLISH:
        if system.language() == QLocale.Language.English:
            return system
        return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    if i18n.resolve(system.name()) == lang:
        return system
    return QLocale(lang)


def _install_qt_catalog(lang: str) -> None:
    app = QCoreApplication.instance()
    for t in _translators:
        if app is not None:
            app.removeTranslator(t)
    _translators.clear()
    if lang == i18n.ENGLISH or app is None:
        return
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in _QT_CATALOGS.get(lang, (lang,)):
        t = QTranslator()
        if t.load(f"qtbase_{name}", folder):
            app.installTranslator(t)
            _translators.append(t)
            return
    log.info("no Qt catalog for %s in %s: Qt's own words stay English", lang, folder)
