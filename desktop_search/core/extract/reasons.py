"""Why a file was not indexed, in the window's language.

The catalog stores the reason in English (the CLI prints it and scripts read it); the
window translates it when it shows it. Each reason the readers and the indexer give is
listed here as a template, its variable parts named: a stored reason that matches one is
shown translated with the same values; any other (a library's own message) as it is.
A reader that gives a new reason adds its template here, so the window can translate it
(tests/i18n/test_reasons.py checks that the templates parse).
"""
from __future__ import annotations

import functools
import re

from desktop_search.i18n import N_, _

#: the reasons, as the catalog stores them (English), variable parts named
REASONS: tuple[str, ...] = (
    N_("permission denied"),
    N_("could not read the file: {error}"),
    N_("cannot read: {error}"),
    N_("OCR is not available: {error}"),
    N_("OCR error: {error}"),
    N_("reader ran out of memory"),
    N_("document nested too deeply"),
    N_("no text found in this file"),
    N_("not read"),
    N_("binary content, not text"),
    N_("not a regular file"),
    N_("not a searchable file"),
    N_("{kind} files are not searchable"),
    N_("{kind} file too large to open in memory"),
    N_("{size} is over the {cap} size cap"),
    N_("the file name is not valid text; rename the file to index it"),
    N_("HEIC pictures need the pillow-heif package"),
    N_("the picture decodes to far more pixels than it should (a decompression bomb); skipped"),
    N_("{width} × {height} pixels ({megapixels} megapixels) is over the {cap}-megapixel cap"),
    N_("the picture is over the size cap"),
    N_("the picture needs more memory than allowed to decode"),
    N_("reading the words in this picture needs more memory than allowed"),
    N_("the reader stopped unexpectedly"),
    N_("the reader crashed on this file (out of memory?)"),
    N_("reading took longer than {seconds} s; skipped"),
    N_("PostScript is a page description, not text: it is not read"),
    N_("{count} pages is over the {limit}-page cap for scanned pictures"),
    N_("{count} scanned pages is over the {limit}-page cap for OCR"),
    N_("only pictures and PDFs are read by OCR"),
    N_("DRM-protected EPUB"),
    N_("password-protected PDF"),
    N_("password-protected (or old-format) Office file"),
    N_("a picture inside a file: not read (no OCR engine is installed)"),
    N_("a picture inside a file: not read (more than {count} pictures in one file)"),
    N_("{name} is no longer in the archive"),
    N_("{name} is no longer in {container}"),
    N_("unpacks to {size}, over the cap"),
    N_("unpacks to more than the {cap} size cap"),
    N_("unpacks to more than {ratio} times its size: refused as a possible decompression bomb"),
    N_("the file unpacks to more than {ratio} times its size: the rest is refused as a "
       "possible decompression bomb"),
    N_("the file unpacks to more than {cap} in all: the rest is not read"),
    N_("more than {count} documents in one file: the rest is not read"),
)

_FIELD = re.compile(r"\{(\w+)\}")


@functools.lru_cache(maxsize=None)
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each template as a pattern; the most specific (the most literal text) first."""
    out = []
    for template in REASONS:
        parts = _FIELD.split(template)
        rx = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        out.append((re.compile(rx + r"\Z", re.DOTALL), template))
    out.sort(key=lambda pt: -len(_FIELD.sub("", pt[1])))
    return tuple(out)


def template_of(reason: str) -> tuple[str, dict[str, str]] | None:
    """The template a stored reason was made from, and its values; None when none."""
    for rx, template in _patterns():
        m = rx.match(reason)
        if m is not None:
            return template, m.groupdict()
    return None


def reason_text(reason: str) -> str:
    """A stored reason in the window's language (itself when no template matches)."""
    found = template_of(reason)
    if found is None:
        return reason
    template, values = found
    try:
        return _(template).format(**values)
    except (KeyError, IndexError, ValueError):
        return reason
