"""The translation catalogs' upkeep, with Babel (a maintainer's and a build's tool; the app
never imports it):

    python -m desktop_search.i18n_tools extract   # the code's strings -> locale/desktop_search.pot
    python -m desktop_search.i18n_tools update    # the .pot -> each language's .po (new msgids empty)
    python -m desktop_search.i18n_tools check     # every .po complete, placeholders kept (exit 1 if not)
    python -m desktop_search.i18n_tools compile   # .po -> .mo beside it (the wheel build does this)

The same as ``pybabel extract -k _ -k ngettext:1,2 -k pgettext:1c,2 -k N_ --no-default-keywords
-o desktop_search/locale/desktop_search.pot desktop_search`` and ``pybabel update|compile -D
desktop_search -d desktop_search/locale``.
"""
from __future__ import annotations

import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
LOCALE_DIR = PACKAGE / "locale"
DOMAIN = "desktop_search"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
#: the translation calls (i18n.py's), as Babel's extractor names them
KEYWORDS = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}
#: the shipped languages beyond English (i18n.LANGUAGES less "en")
TRANSLATED = ("pt_PT", "pt_BR", "es", "fr", "de")
#: what a translation must keep: {name}, %n, %s, %d, %(name)s
_PLACEHOLDER = re.compile(r"\{\w*\}|%\(\w+\)[sd]|%[nsd]")


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract():
    """The strings the code marks for translation, as a Babel catalog (the template)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    cat = Catalog(project="desktop-search", charset="utf-8", fuzzy=False)
    method_map = [("**/locale/**", "ignore"), ("**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), method_map=method_map, keywords=KEYWORDS, comment_tags=("Translators:",),
            strip_comment_tags=True):
        path = f"desktop_search/{filename}".replace("\\", "/")
        cat.add(message, None, [(path, lineno)], auto_comments=comments, context=context)
    return cat


def write_template() -> Path:
    from babel.messages.pofile import write_po

    cat = extract()
    with TEMPLATE.open("wb") as fh:
        write_po(fh, cat, width=100, omit_header=False, sort_output=True, no_location=False)
    return TEMPLATE


def update() -> list[Path]:
    """Merge the template into each language's .po: new msgids come in empty, gone ones
    are dropped (not kept as obsolete), changed ones are left for a translator."""
    from babel.messages.pofile import read_po, write_po

    with TEMPLATE.open("rb") as fh:
        template = read_po(fh)
    out = []
    for lang in TRANSLATED:
        path = po_path(lang)
        with path.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        cat.update(template, no_fuzzy_matching=True)
        cat.obsolete.clear()
        with path.open("wb") as fh:
            write_po(fh, cat, width=100, sort_output=True, ignore_obsolete=True)
        out.append(path)
    return out


def mo_bytes(po_file: Path) -> bytes:
    """A .po compiled to .mo in memory (Babel's pure-Python compiler)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_file.open("rb") as fh:
        cat = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def compile_all(dest: Path | None = None) -> list[Path]:
    """Every language's .po -> .mo, beside it or under ``dest`` (a build's package folder)."""
    out = []
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        target = (dest / po.relative_to(LOCALE_DIR) if dest is not None else po).with_suffix(".mo")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(mo_bytes(po))
        out.append(target)
    return out


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


@dataclass(frozen=True)
class Problem:
    lang: str
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"{self.lang}: {self.what}: {self.msgid!r}"


def problems(lang: str, template=None) -> list[Problem]:
    """What keeps ``lang``'s catalog from being complete against the code as it is now:
    a msgid untranslated, fuzzy, missing or no longer in the code, or a placeholder
    dropped or added (in any plural form)."""
    from babel.messages.pofile import read_po

    template = template if template is not None else extract()
    with po_path(lang).open("rb") as fh:
        cat = read_po(fh, locale=lang)
    out: list[Problem] = []
    wanted = {m.id if isinstance(m.id, str) else m.id[0]: m for m in template if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0]: m for m in cat if m.id}
    for key in wanted:
        if key not in have:
            out.append(Problem(lang, key, "missing"))
    for key, m in have.items():
        if key not in wanted:
            out.append(Problem(lang, key, "no longer in the code"))
            continue
        if m.fuzzy:
            out.append(Problem(lang, key, "fuzzy"))
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strs = [m.string] if isinstance(m.string, str) else list(m.string or ())
        if not all(strs) or len(strs) != (1 if isinstance(m.id, str) else cat.num_plurals):
            out.append(Problem(lang, key, "not translated"))
            continue
        # every form keeps every placeholder of the source (of its plural where it has one):
        # a form that drops {count} says "files" for any number
        source = set(placeholders(ids[-1]))
        for s in strs:
            got = set(placeholders(s))
            if got != source:
                out.append(Problem(lang, key, f"placeholders {sorted(source)} became {sorted(got)}"))
    if cat.obsolete:
        out.extend(Problem(lang, k if isinstance(k, str) else k[0], "obsolete") for k in cat.obsolete)
    return out


def check() -> list[Problem]:
    template = extract()
    return [p for lang in TRANSLATED for p in problems(lang, template)]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    what = args[0] if args else "check"
    if what == "extract":
        print(write_template())
    elif what == "update":
        for p in update():
            print(p)
    elif what == "compile":
        for p in compile_all():
            print(p)
    elif what == "check":
        found = check()
        for problem in found:
            print(problem)
        print(f"{len(found)} problem(s)" if found else "every catalog is complete")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
