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

import functools
import gettext
import io
import logging
import os
import re
from collections.abc import Callable, Mapping
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
    try:
        translation = gettext.GNUTranslations(io.BytesIO(_catalog_bytes(lang)))
        if len(getattr(translation, "_catalog", {})) < 2:      # the header alone: damaged
            raise ValueError("the catalog holds no translations")
        _translation, _current = translation, lang
    except Exception as exc:  # noqa: BLE001 - any damage: English, never a crash
        log.warning("translations for %s could not load (%s): English instead", lang, exc)
        _translation, _current = gettext.NullTranslations(), ENGLISH
    return _current


def catalog_path(lang: str, suffix: str = ".mo") -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def _catalog_bytes(lang: str) -> bytes:
    """The compiled catalog: the .mo an installed copy carries (the wheel build compiles
    them), else the .po of a checkout compiled now by Babel (editable installs, tests)."""
    mo = catalog_path(lang)
    if mo.is_file():
        return mo.read_bytes()
    po = catalog_path(lang, ".po")
    if not po.is_file():
        raise FileNotFoundError(mo)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        cat = read_po(fh, locale=lang, abort_invalid=True)
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def current() -> str:
    """The language installed now."""
    return _current


def language_name(code: str) -> str | None:
    """The name of a language (ISO 639-1 ``code``) in the installed language ("portugiesisch"
    for "pt" in German), from the Unicode CLDR data Babel carries; None when unknown."""
    try:
        from babel import Locale

        return Locale.parse(_current).languages.get(code)
    except Exception:  # noqa: BLE001 - a name is a nicety: the caller has its own
        return None


def number(n: float, *, decimals: int | None = None) -> str:
    """A number as the installed language writes it ("12,345.6", "12 345,6", "12.345,6")."""
    if _current != ENGLISH:
        try:
            from babel.numbers import format_decimal

            fmt = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
            return format_decimal(n, format=fmt, locale=_current)
        except Exception:  # noqa: BLE001 - English digits rather than no number
            pass
    return f"{n:,.{decimals}f}" if decimals is not None else f"{n:,}"


_FIELD = re.compile(r"\{(\w+)\}")


@functools.lru_cache(maxsize=64)
def _template_patterns(templates: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for template in templates:
        parts = _FIELD.split(template)
        rx = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        out.append((re.compile(rx + r"\Z", re.DOTALL), template))
    # the most specific (the most literal text) first
    out.sort(key=lambda pt: -len(_FIELD.sub("", pt[1])))
    return tuple(out)


def template_of(text: str, templates: tuple[str, ...]) -> tuple[str, dict[str, str]] | None:
    """Which of ``templates`` (English, ``{name}`` fields) made ``text``, and its values."""
    for rx, template in _template_patterns(templates):
        m = rx.match(text)
        if m is not None:
            return template, m.groupdict()
    return None


def translate_stored(text: str, templates: tuple[str, ...],
                     convert: Callable[[str, str], str] | None = None) -> str:
    """A sentence stored in English (a catalog keeps English: the CLI prints it) in the
    installed language: the template that made it, translated, with the same values
    (``convert(field, value)`` may translate a value too). Itself when no template fits."""
    found = template_of(text, templates)
    if found is None:
        return text
    template, values = found
    if convert is not None:
        values = {k: convert(k, v) for k, v in values.items()}
    try:
        return _(template).format(**values)
    except (KeyError, IndexError, ValueError):
        return text
