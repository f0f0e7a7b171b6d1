"""Why a file was not indexed, in the window's language.

The catalog stores the reason in English (the CLI prints it and scripts read it); the
window translates it when it shows it. Each reason the readers and the indexer give is
listed here as a template, its variable parts named: a stored reason that matches one is
shown translated with the same values; any other (a library's own message) as it is.
A reader that gives a new reason adds its template here, so the window can translate it
(tests/i18n/test_reasons.py checks each is recognised).
"""
from __future__ import annotations

from desktop_search import i18n
from desktop_search.i18n import N_, translate_stored

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
    N_("an absolute member name (refused: it points outside the archive)"),
    N_("a member name with '..' (refused: it points outside the archive)"),
    N_("names that climb out of the archive"),
    N_("and {count} more refused: {reason}"),
    # spreadsheets, RTF, old Office, Outlook, 7z and RAR (sheets, legacy, outlook,
    # sevenzip, rar)
    N_("damaged {kind} file: {error}"),
    N_("password-protected Excel file"),
    N_("password-protected OpenDocument file"),
    N_("an RTF file over {cap} MB is not read (most of a big one is pictures)"),
    N_("damaged RTF file: it does not begin as an RTF file does"),
    N_("damaged Word file: not a Word 97-2003 document"),
    N_("damaged Word file: no WordDocument stream"),
    N_("damaged Word file: its header is cut short"),
    N_("damaged Word file: not a Word document"),
    N_("damaged Word file: no table stream"),
    N_("damaged Word file: no piece table"),
    N_("a Word 6/95 document (too old a format to read)"),
    N_("password-protected Word file"),
    N_("damaged PowerPoint file: not a PowerPoint 97-2003 file"),
    N_("damaged PowerPoint file: no PowerPoint Document stream"),
    N_("password-protected PowerPoint file"),
    N_("damaged Outlook message: not an OLE file"),
    N_("damaged Outlook message: no property stream"),
    N_("damaged Outlook message: {error}"),
    N_("an encrypted Outlook message (S/MIME or IRM)"),
    N_("an attachment stored as an OLE object (not read)"),
    N_("a message nested more than {count} deep: refused"),
    N_("a damaged attached message"),
    N_("password-protected: its contents cannot be read"),
    N_("the 7z archive unpacks to more than its limit: the rest is refused as a possible "
       "decompression bomb"),
    N_("the 7z archive needs more memory than allowed to unpack"),
    N_("a password-protected 7z archive (its names are encrypted too)"),
    N_("damaged 7z archive: {error}"),
    N_("a RAR archive: reading one needs unrar, unar, 7z or bsdtar, and none is installed"),
    N_("a password-protected RAR archive (its names are encrypted too)"),
    N_("damaged RAR archive: {error}"),
    N_("damaged RAR member: {error}"),
)


def template_of(reason: str) -> tuple[str, dict[str, str]] | None:
    """The template a stored reason was made from, and its values; None when none."""
    return i18n.template_of(reason, REASONS)


def reason_text(reason: str) -> str:
    """A stored reason in the window's language (itself when no template matches)."""
    # a summary row ("and 29,900 more refused: {reason}"): the reason it holds is one too
    return translate_stored(reason, REASONS,
                            lambda field, value: reason_text(value) if field == "reason" else value)
