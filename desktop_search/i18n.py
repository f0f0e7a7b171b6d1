"""One translation mechanism for the window and for the sentences the core builds for it:
GNU gettext (the standard library reads the catalogs; Babel extracts and compiles them).

Every string a person reads goes through ``_()`` (or ``ngettext()`` when it holds a count)
from its first commit; ``N_()`` only marks a string for extraction where the translation
must happen later (a table of labels built at import time). Placeholders are named
(``_("{count} files").format(count=n)`` is wrong: use ``ngettext``), so a translation can
move them.

The window calls ``install()`` once at start with the language chosen from the system
locale or Settings; the core never chooses a language. The CLI never installs one, so its
messages stay English (scripts parse them).
"""
from __future__ import annotations

import gettext
import logging
import os
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

DOMAIN = "desktop_search"
#: where the catalogs live: <lang>/LC_MESSAGES/desktop_search.po (source) and .mo (built)
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENGLISH = "en"
#: the languages shipped, English (the source strings) first
LANGUAGES: tuple[str, ...] = (ENGLISH, "pt_PT", "pt_BR", "es", "fr", "de")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_current: str = ENGLISH


def _(message: str) -> str:
    """The translation of ``message`` in the installed language (the message itself in English)."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or the plural form for ``n``, by the installed language's plural rule."""
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``_()`` for a word whose translation depends on where it stands (a menu vs a button)."""
    return _translation.pgettext(context, message)


def N_(message: str) -> str:
    """Marks ``message`` for extraction only; translate it with ``_()`` where it is shown."""
    return message


def resolve(tag: str | None) -> str:
    """The shipped language for a locale tag: "pt_BR.UTF-8" -> pt_BR, "pt" -> pt_PT,
    "es_MX" -> es, "C"/"POSIX"/unknown/empty -> English."""
    if not tag:
        return ENGLISH
    base = tag.split(".", 1)[0].split("@", 1)[0].replace("-", "_")
    if base in ("C", "POSIX", ""):
        return ENGLISH
    lang, _sep, region = base.partition("_")
    lang = lang.lower()
    if lang == "pt":
        return "pt_BR" if region.upper() == "BR" else "pt_PT"
    return lang if lang in LANGUAGES else ENGLISH


def language_from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the system asks for, by gettext's order (LANGUAGE, LC_ALL, LC_MESSAGES,
    LANG), or None when none is set (the window then asks Qt's QLocale)."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        if name == "LANGUAGE":
            # a priority list ("pt_BR:pt:en"): its first entry we ship wins
            for item in value.split(":"):
                lang = resolve(item)
                if lang != ENGLISH or item.lower().startswith(ENGLISH):
                    return lang
            continue
        return resolve(value)
    return None


def install(language: str) -> str:
    """Translate from now on into ``language`` (a tag ``resolve`` understands); returns the
    language installed. A missing or damaged catalog falls back to English with one log line."""
    global _translation, _current
    lang = resolve(language)
    if lang == ENGLISH:
        _translation, _current = gettext.NullTranslations(), ENGLISH
        return ENGLISH
    mo = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with mo.open("rb") as fh:
            _translation = gettext.GNUTranslations(fh)
        _current = lang
    except (OSError, ValueError, IndexError, KeyError, UnicodeDecodeError) as exc:
        log.warning("translations for %s could not load (%s): English instead", lang, exc)
        _translation, _current = gettext.NullTranslations(), ENGLISH
    return _current


def current() -> str:
    """The language installed now."""
    return _current
