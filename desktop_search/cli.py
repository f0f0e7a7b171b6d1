"""desktop-search: index | search | status | watch | remove | doctor; no subcommand opens the window.

No Qt is imported unless the window is asked for. A user's mistake prints one clear
line on stderr and exits non-zero, never a traceback.
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

from desktop_search import __version__
from desktop_search.errors import DesktopSearchError

EXIT_USAGE = 2
EXIT_ERROR = 1


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="desktop-search",
                                 description="Find the files on your computer that mean what you type.")
    ap.add_argument("--data-dir", metavar="DIR",
                    help="where the index lives (default: your user data folder; "
                         "DESKTOP_SEARCH_HOME also sets it)")
    ap.add_argument("--model", help="sentence-transformers model name or folder (saved as the setting)")
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    ap.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = ap.add_subparsers(dest="cmd", metavar="COMMAND")

    p = sub.add_parser("index", help="add folders and index them to completion")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = sub.add_parser("search", help="ranked files for a query")
    p.add_argument("query", nargs="*", metavar="QUERY")
    p.add_argument("-k", type=int, default=10, help="how many files (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--queries", metavar="FILE", help="one query a line (optionally id<TAB>text)")
    p.add_argument("--folder", action="append", default=[], help="only files under this folder")
    p.add_argument("--type", action="append", default=[], dest="kinds", help="only this file type (pdf, markdown, ...)")
    p.add_argument("--after", help="only files modified on or after this date (YYYY-MM-DD)")
    p.add_argument("--before", help="only files modified before this date (YYYY-MM-DD)")
    p.add_argument("--like", metavar="FILE", help="files near this indexed file (more like this)")
    p.add_argument("--words-only", action="store_true", help="rank by words alone (no model)")

    p = sub.add_parser("status", help="what is indexed")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("watch", help="index, then keep the index in sync until stopped")
    p.add_argument("paths", nargs="*", metavar="PATH")

    p = sub.add_parser("remove", help="forget an indexed folder")
    p.add_argument("path", metavar="PATH")

    p = sub.add_parser("doctor", help="check that the catalog and the vector index agree")
    p.add_argument("--repair", action="store_true", help="rebuild what does not agree")
    p.add_argument("--json", action="store_true")

    sub.add_parser("gui", help="open the window (the default)")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.cmd in (None, "gui"):
        from desktop_search.ui.app import run_app

        return run_app(data_dir=args.data_dir, model=args.model)
    try:
        return _COMMANDS[args.cmd](args)
    except DesktopSearchError as exc:
        print(f"desktop-search: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("desktop-search: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _engine(args):
    from desktop_search.config import Settings
    from desktop_search.core.engine import Engine
    from desktop_search.paths import ensure_data_dir

    data_dir = ensure_data_dir(Path(args.data_dir) if args.data_dir else None)
    settings = Settings.load(data_dir / "settings.json")
    if args.model:
        settings.model = args.model
        settings.validate()
    eng = Engine(data_dir, settings=settings)
    if args.model:
        settings.save(eng.settings_path)
    if eng.notice:
        print(f"desktop-search: {eng.notice}", file=sys.stderr)
    if getattr(eng._model(), "needs_download", False) and sys.stderr.isatty():
        print(f"desktop-search: model {settings.model!r} is not on this computer: it will be "
              "downloaded once from the Hugging Face hub", file=sys.stderr)
    return eng


def _check_model(eng) -> None:
    """Load the model up front so a bad model name is one clear error."""
    eng.embedder()


def cmd_index(args) -> int:
    from desktop_search.core.indexing import IndexService
    from desktop_search.errors import ConfigError

    for p in args.paths:
        if not os.path.isdir(p):
            raise ConfigError(f"no such folder: {p}" if not os.path.exists(p) else f"not a folder: {p}")
    eng = _engine(args)
    try:
        # the model loads after extraction, so words are searchable while it loads
        roots = [eng.add_root(p) for p in args.paths]
        svc = IndexService(eng)
        bar = _ProgressBar(enabled=sys.stderr.isatty() and not args.json)
        t0 = time.monotonic()
        svc.run_until_idle(bar.update)
        bar.close()
        c = eng.indexer.counters
        st = eng.catalog.stats()
        summary = dict(roots=roots, indexed=c.indexed + c.moved + c.copied, unchanged=c.unchanged,
                       removed=c.deleted, skipped=c.skipped, failed=c.failed,
                       chunks=c.chunks_added, chunks_embedded=c.chunks_embedded,
                       total_files=st["files_indexed"], total_chunks=st["chunks"],
                       seconds=round(time.monotonic() - t0, 2))
        if args.json:
            print(json.dumps(summary))
        else:
            print(f"indexed {summary['indexed']} files ({c.unchanged} unchanged, {c.deleted} removed), "
                  f"skipped {c.skipped}, failed {c.failed}; {c.chunks_added} new chunks, "
                  f"{c.chunks_embedded} embedded; {st['files_indexed']} files / {st['chunks']} chunks "
                  f"in the index; {summary['seconds']:.1f} s")
        return 0
    finally:
        eng.close()


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


def cmd_search(args) -> int:
    from desktop_search.errors import ConfigError

    if args.k <= 0:
        raise ConfigError("-k must be positive")
    if not args.queries and not args.query and not args.like:
        raise ConfigError("give a query, --queries FILE or --like FILE")
    if args.queries and not os.path.isfile(args.queries):
        raise ConfigError(f"no such file: {args.queries}")
    eng = _engine(args)
    try:
        filters = _filters(args)
        dense = not args.words_only
        if dense:
            _check_model(eng)
            eng.vectors()
        if args.queries:
            with open(args.queries, encoding="utf-8") as f:
                lines = [l.rstrip("\n") for l in f if l.strip()]
            for i, line in enumerate(lines):
                qid, _, text = line.partition("\t") if "\t" in line else (str(i + 1), "", line)
                t = time.perf_counter()
                hits = eng.search(text, k=args.k, filters=filters, dense=dense)
                took = (time.perf_counter() - t) * 1000
                print(json.dumps(dict(id=qid, query=text, took_ms=round(took, 3),
                                      hits=[_hit_json(h) for h in hits])), flush=False)
            sys.stdout.flush()
            return 0
        if args.like:
            hits = eng.more_like_this(args.like, k=args.k, filters=filters)
        else:
            hits = eng.search(" ".join(args.query), k=args.k, filters=filters, dense=dense)
        if args.json:
            print(json.dumps([_hit_json(h) for h in hits], ensure_ascii=False))
        else:
            _print_hits(hits)
        return 0
    finally:
        eng.close()


def _hit_json(h) -> dict:
    return dict(path=h.path, score=h.score, snippet=h.snippet, page=h.page, line=h.line,
                highlights=[list(x) for x in h.highlights], kind=h.kind, title=h.title,
                modified=h.modified, dense=h.dense, lexical=h.lexical)


def _print_hits(hits) -> None:
    if not hits:
        print("no results")
        return
    bold = sys.stdout.isatty()
    for i, h in enumerate(hits, 1):
        where = f" p.{h.page}" if h.page else (f":{h.line}" if h.line else "")
        print(f"{i:>2}. {h.path}{where}  ({h.score:.3f})")
        snip = h.snippet
        if bold:
            for a, b in reversed(h.highlights):
                snip = snip[:a] + "\033[1m" + snip[a:b] + "\033[0m" + snip[b:]
        print(f"    {snip}")


def cmd_status(args) -> int:
    eng = _engine(args)
    try:
        st = eng.status()
        if args.json:
            print(json.dumps(st, indent=2))
            return 0
        print(f"data folder: {st['data_dir']}")
        print(f"model:       {st['model']}" + (f" ({st['dim']}-d)" if st["dim"] else ""))
        print(f"folders:     {len(st['roots'])}")
        for r in st["roots"]:
            last = time.strftime("%Y-%m-%d %H:%M", time.localtime(r["last_scan"])) if r["last_scan"] else "never"
            print(f"  {r['path']}  ({r['files']} files, scanned {last}{', paused' if r['paused'] else ''})")
        print(f"files:       {st['files']}")
        print(f"chunks:      {st['chunks']} ({st['pending']} waiting for a vector)")
        print(f"on disk:     {st['size_bytes'] / 2**20:.1f} MB")
        print(f"not indexed: {len(st['failed'])}")
        for f in st["failed"][:50]:
            print(f"  {f['path']}: {f['reason']}")
        if len(st["failed"]) > 50:
            print(f"  ... and {len(st['failed']) - 50} more (--json lists all)")
        return 0
    finally:
        eng.close()


def cmd_watch(args) -> int:
    from desktop_search.core.indexing import IndexService
    from desktop_search.errors import ConfigError

    for p in args.paths:
        if not os.path.isdir(p):
            raise ConfigError(f"no such folder: {p}")
    eng = _engine(args)
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
        svc = IndexService(eng, listener=_PrintListener())
        svc.start(watch=True)
        print(f"watching {len(eng.roots())} folder(s); Ctrl+C to stop", file=sys.stderr, flush=True)
        while not stop.wait(0.5):
            pass
        svc.stop()
        print("stopped", file=sys.stderr)
        return 0
    finally:
        eng.close()


class _PrintListener:
    """``watch`` prints each skipped file, and a line each time the work is done."""

    def __init__(self) -> None:
        self._version: int | None = None

    def snapshot_changed(self, snap) -> None:
        if snap.state == "idle" and snap.index_version != self._version:
            self._version = snap.index_version
            print("index up to date", file=sys.stderr, flush=True)

    def file_failed(self, path: str, reason: str) -> None:
        print(f"skipped {path}: {reason}", file=sys.stderr, flush=True)


def cmd_remove(args) -> int:
    eng = _engine(args)
    try:
        n = eng.remove_root(args.path)
        print(f"removed {args.path} ({n} chunks)")
        return 0
    finally:
        eng.close()


def cmd_doctor(args) -> int:
    eng = _engine(args)
    try:
        rep = eng.doctor(repair=args.repair)
        if args.json:
            print(json.dumps(rep))
        elif rep["ok"]:
            print(f"ok: {rep['vectors']} vectors match the catalog; {rep['pending']} passages waiting for a vector")
        else:
            for p in rep["problems"]:
                print(f"problem: {p}")
            print("repaired" if rep["repaired"] else "run 'desktop-search doctor --repair' to fix")
        return 0 if rep["ok"] or rep["repaired"] else EXIT_ERROR
    finally:
        eng.close()


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
        if p.state == "embedding" or (p.files_total and p.files_done >= p.files_total):
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


_COMMANDS = dict(index=cmd_index, search=cmd_search, status=cmd_status, watch=cmd_watch,
                 remove=cmd_remove, doctor=cmd_doctor)

if __name__ == "__main__":
    raise SystemExit(main())
