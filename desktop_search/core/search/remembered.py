"""What ``understand`` read, applied to a search: filters with real folders and times, a
list of the newest files when a query is only filters, and the sentence that says so when
the filters match nothing ("No PDFs from March 2026 · search all types")."""
from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Iterable
from datetime import date, timedelta

from desktop_search.core.analyze import make_snippet
from desktop_search.core.search.request import Filters, Hit
from desktop_search.core.search.understand import Understood
from desktop_search.i18n import N_, _

if TYPE_CHECKING:
    from desktop_search.core.store.catalog import Catalog

#: how many folder names under the watched folders are read for "in Downloads"
MAX_FOLDER_NAMES = 5000
_DEPTH = 2

_KIND_LABELS = {"pdf": N_("PDFs"), "picture": N_("photos"), "mail": N_("messages"),
                "pptx": N_("presentations"), "csv": N_("spreadsheets"),
                "docx": N_("Word documents"), "code": N_("code files"),
                "markdown": N_("notes"), "text": N_("notes")}
_MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
           N_("July"), N_("August"), N_("September"), N_("October"), N_("November"),
           N_("December"))


def folders_under(roots: list[str]) -> dict[str, list[str]]:
    """Folder name (lowercase) -> its paths: the watched folders and the folders up to two
    levels under them (at most ``MAX_FOLDER_NAMES`` read)."""
    out: dict[str, list[str]] = {}
    level = [r for r in roots if os.path.isdir(r)]
    for r in level:
        out.setdefault(os.path.basename(r.rstrip(os.sep)).lower(), []).append(r)
    seen = 0
    for _depth in range(_DEPTH):
        nxt = []
        for folder in level:
            try:
                with os.scandir(folder) as it:
                    for e in it:
                        if seen >= MAX_FOLDER_NAMES:
                            return out
                        if e.is_dir(follow_symlinks=False) and not e.name.startswith("."):
                            seen += 1
                            out.setdefault(e.name.lower(), []).append(e.path)
                            nxt.append(e.path)
            except OSError:
                continue
        level = nxt
    return out


def _stamp(d: date | None) -> float | None:
    return None if d is None else time.mktime(d.timetuple())


def to_filters(u: Understood, *, base: Filters | None = None,
               folders: dict[str, list[str]] | None = None) -> Filters:
    """``base`` (the boxes, the CLI's options) with what was understood added; an option
    given outright wins over the words."""
    base = base or Filters()
    before = _stamp(u.before)
    paths = list(base.folders)
    if u.folder and not paths:
        paths = (folders or {}).get(u.folder.lower(), [])
    return Filters(folders=paths, kinds=list(base.kinds) or list(u.kinds),
                   modified_after=base.modified_after if base.modified_after is not None
                   else _stamp(u.after),
                   modified_before=base.modified_before if base.modified_before is not None
                   else (before - 0.001 if before is not None else None),
                   sender=base.sender or u.sender, recipient=base.recipient or u.recipient)


def newest(catalog: Catalog, filters: Filters, *, k: int) -> list[Hit]:
    """The newest files that pass ``filters``, newest first: a query that is only filters."""
    rows = catalog.newest_first_passages(
        kinds=filters.kinds, after=filters.modified_after, before=filters.modified_before,
        limit=max(k * 20, 200))
    hits: list[Hit] = []
    for row in rows:
        if not filters.keep(row):
            continue
        snippet, hl, _lines = make_snippet(row.text, None)
        hits.append(Hit(path=row.path, score=0.0, snippet=snippet, highlights=hl,
                        page=row.page, line=row.line, kind=row.kind, title=row.title,
                        modified=row.mtime_ns / 1e9, size=row.size, file_id=row.file_id,
                        chunk_id=row.id, passage_start=row.start, passage_end=row.end,
                        taken=row.taken, inside=row.chain, sender=row.sender,
                        recipients=row.recipients))
        if len(hits) == k:
            break
    return hits


def kinds_label(kinds: Iterable[str]) -> str:
    """"PDFs", "notes" (Markdown and text are both notes)."""
    return ", ".join(dict.fromkeys(_(_KIND_LABELS.get(k, k)) for k in kinds))


def when_label(a: date | None, b: date | None) -> str | None:
    """"2021", "March 2026", "since 2022-01-01": a date range as a person says it."""
    if a and b and a.month == 1 and a.day == 1 and b == date(a.year + 1, 1, 1):
        return str(a.year)
    if a and b and a.day == 1 and b == date(a.year + a.month // 12, a.month % 12 + 1, 1):
        return _("{month} {year}").format(month=_(_MONTHS[a.month - 1]), year=a.year)
    if a and b and b - a == timedelta(days=1):
        return a.isoformat()  # one day ("yesterday"): the day itself
    if a and b:
        # the filter's end is exclusive; a person reads the last day included
        last = b - timedelta(days=1)
        return _("{start} to {end}").format(start=a.isoformat(), end=last.isoformat())
    if a:
        return _("since {start}").format(start=a.isoformat())
    if b:
        return _("before {end}").format(end=b.isoformat())
    return None


def nothing_found(u: Understood) -> str:
    """Why a filtered search is empty, and what to try: "No PDFs from March 2026 · search
    all types"."""
    what = kinds_label(u.kinds)
    when = when_label(u.after, u.before)
    who = u.sender or u.recipient
    if what and when:
        head = _("No {what} from {when}").format(what=what, when=when)
    elif what:
        head = _("No {what} found").format(what=what)
    elif when:
        head = _("Nothing from {when}").format(when=when)
    else:
        head = _("Nothing found")
    if who:
        head += " " + _("for {name}").format(name=who)
    if u.folder:
        head += " " + _("in {folder}").format(folder=u.folder)
    hint = _("search all types") if u.kinds else _("search without the filters")
    return f"{head} · {hint}"
