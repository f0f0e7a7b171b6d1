"""Keystroke-to-painted-results latency of the real window on a large index.

    python3 benchmarks/latency.py [--chunks 12000] [--queries 50] [--json]
    python3 benchmarks/latency.py --data-dir D --queries-file Q   # an index built by
        `benchmarks/scale.py build --n N --dir D` (100k, 1M passages), queries one a line
    python3 benchmarks/latency.py --while-indexing english|multilingual [--files 300]
        # types while a folder of real files is read and embedded (see while_indexing)

Fills a fresh data folder with real files whose passages are stored straight into the
catalog (embedding 10,000+ passages would take minutes here): each passage is a few
sentences from a pool embedded with the real model, its vector the normalized sum of
theirs, so meaning search behaves. Queries are embedded for real, as the window does.

For each query the field already holds all but its last character (and shows that
query's results); the clock starts when the last key event is sent and stops when the
results list has painted the new rows. The window has no debounce (latest query wins: a
query goes at once when none is in flight), so both passes measure what a user feels;
the second uses new spellings, so the query-vector cache cannot help.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import rss_mb, rss_parts_mb  # noqa: E402


def _rss_mb_rounded() -> float | None:
    mb = rss_mb()
    return None if mb is None else round(mb, 1)


SUBJECTS = ["the harbour committee", "our research group", "the night shift", "a small bakery",
            "the city library", "my grandmother", "the football club", "the lighthouse keeper",
            "the orchestra", "a software team", "the village council", "two hikers",
            "the school board", "a local farmer", "the museum curator", "the fire brigade"]
VERBS = ["discussed", "repaired", "documented", "celebrated", "measured", "postponed",
         "photographed", "rebuilt", "studied", "painted", "recorded", "planned", "cancelled",
         "inspected", "funded", "translated"]
OBJECTS = ["the leaking roof", "a new budget", "the spring festival", "migrating birds",
           "the broken clock tower", "a fleet of fishing boats", "the winter timetable",
           "an ancient map", "the solar panels", "a recipe for plum cake", "the river bridge",
           "the election results", "the flooded basement", "a vintage motorcycle",
           "the school playground", "the apple harvest", "a rare orchid", "the train station"]
DETAILS = ["after a long debate.", "despite the heavy rain.", "before the deadline.",
           "with help from volunteers.", "for the third time this year.", "using borrowed tools.",
           "while the town slept.", "to everyone's surprise.", "on a shoestring budget.",
           "during the summer holidays."]

QUERIES = [
    "fixing a roof that leaks", "money plan for next year", "birds flying south", "clock repair",
    "boats used for fishing", "train timetable changes", "old maps", "solar energy on the roof",
    "cake recipe with plums", "bridge over the river", "who won the vote", "water in the cellar",
    "old motorbike restoration", "kids play area", "harvesting apples", "exotic flowers",
    "railway station works", "orchestra concert", "library opening hours", "firefighters training",
    "farm produce", "museum exhibition", "school governors meeting", "hiking in the mountains",
    "festival in spring", "volunteers helping out", "work done at night", "bakery bread",
    "council decisions", "lighthouse by the sea", "software project planning", "football match",
    "grandmother stories", "funding for repairs", "translation of documents", "inspection report",
    "cancelled events", "photographs of the town", "measuring the rainfall", "painting walls",
    "recording music", "postponed meeting", "celebration party", "studying wildlife",
    "rebuilding after the storm", "tight budget", "summer holiday plans", "heavy rain damage",
    "deadline approaching", "borrowed tools for the job",
]


def _sentence_pool(rng: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < n:
        seen.add(f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
                 f"{rng.choice(DETAILS)}")
    return sorted(seen)


def build_index(data_dir: Path, docs_dir: Path, *, n_chunks: int, embedder, per_file: int = 10,
                seed: int = 1) -> dict:
    """Real files on disk whose passages and vectors go straight into the catalog."""
    import numpy as np

    from desktop_search.core.store.catalog import NewChunk
    from desktop_search.core.engine import Engine

    rng = random.Random(seed)
    pool = _sentence_pool(rng, 600)
    t = time.perf_counter()
    pool_vecs = np.asarray(embedder.embed_documents(pool), dtype=np.float32)
    embed_s = time.perf_counter() - t
    docs_dir.mkdir(parents=True, exist_ok=True)
    eng = Engine(data_dir, embedder=embedder)
    try:
        root = eng.add_root(docs_dir)
        rid = eng.library.root_id(root)
        ids: list[int] = []
        vecs: list[np.ndarray] = []
        n_files = (n_chunks + per_file - 1) // per_file
        for i in range(n_files):
            texts, chunk_vecs = [], []
            for _ in range(per_file):
                picks = rng.sample(range(len(pool)), rng.randint(3, 6))
                texts.append(" ".join(pool[j] for j in picks))
                v = pool_vecs[picks].sum(axis=0)
                chunk_vecs.append(v / (np.linalg.norm(v) or 1.0))
            body = "\n\n".join(texts) + "\n"
            path = docs_dir / f"minutes-{i:05d}.txt"
            path.write_text(body, encoding="utf-8")
            st = path.stat()
            chunks, pos, line = [], 0, 1
            for text in texts:
                chunks.append(NewChunk(pos, pos + len(text), None, line, text))
                pos += len(text) + 2
                line += 2
            _, _ = eng.catalog.put_file(path=str(path), root_id=rid, size=st.st_size,
                                        mtime_ns=st.st_mtime_ns, digest=None, kind="text",
                                        title=None, heading=path.stem, chunks=chunks)
            vecs.extend(chunk_vecs)
        rows = eng.catalog.connection().execute("SELECT id FROM chunks ORDER BY id").fetchall()
        ids = [r[0] for r in rows]
        eng.library.vector_rows.store(ids, np.asarray(vecs, dtype=np.float16))
        eng.library.mark_root_scanned(rid)
        eng.vectors()          # records the model, builds and saves the vector index
        eng.save()
        stats = eng.catalog.stats()
    finally:
        eng.close()
    return dict(files=n_files, chunks=stats.chunks, pool_embed_s=round(embed_s, 1))


def _wait(app, predicate, timeout: float = 20.0) -> bool:
    """Run the event loop (sleeping between events) until predicate() holds."""
    from PySide6.QtCore import QEventLoop, QTimer

    if predicate():
        return True
    loop = QEventLoop()
    tick = QTimer()
    tick.setInterval(2)
    tick.timeout.connect(lambda: predicate() and loop.quit())
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    tick.start()
    deadline.start(int(timeout * 1000))
    loop.exec()
    tick.stop()
    deadline.stop()
    return bool(predicate())


def measure(app, window, queries: list[str], *, settle_s: float = 0.05) -> list[float]:
    """Milliseconds from the last key event to the results list painted with its answer.
    ``settle_s``: the pause before the last key (past ``ANSWER_PAUSE_MS`` the window is
    finding the sentences that answer when the key comes)."""
    from PySide6.QtTest import QTest

    view, model, edit = window.results_view, window.results_model, window.search_edit
    painted_at: dict[int, float] = {}
    view.painted.connect(lambda gen: painted_at.__setitem__(gen, time.perf_counter()))
    out = []
    for q in queries:
        edit.setText(q[:-1])
        if not _wait(app, lambda: model.query == q[:-1].strip()
                     and view.last_painted_generation == model.generation):
            raise RuntimeError(f"no answer for {q[:-1]!r}")
        _wait(app, lambda: False, settle_s)   # let the machine settle
        t0 = time.perf_counter()
        QTest.keyClick(edit, q[-1])
        if not _wait(app, lambda: model.query == q and view.last_painted_generation == model.generation):
            raise RuntimeError(f"no answer for {q!r}")
        out.append((painted_at[model.generation] - t0) * 1000)
    return out


def summary(ms: list[float]) -> dict:
    s = sorted(ms)
    p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]
    return dict(n=len(s), median_ms=round(statistics.median(s), 1), p95_ms=round(p95, 1),
                max_ms=round(s[-1], 1))


def thread_cpu_s() -> dict[str, float]:
    """CPU seconds used so far by each of this process's Python threads, by name (the
    window's runners are ``desktop-search-<name>_0``): what ran while the keys came."""
    import threading

    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    out: dict[str, float] = {}
    for t in threading.enumerate():
        try:
            with open(f"/proc/self/task/{t.native_id}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, TypeError):
            continue
        out[t.name] = out.get(t.name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def real_files(folder: Path, n: int, *, per_file: int = 3, seed: int = 5) -> Path:
    """``n`` text files of real prose: MS MARCO passages (English) and PIRA (Portuguese)
    from the shared data when it is there, else the generated minutes."""
    rng = random.Random(seed)
    docs: list[str] = []
    for name in ("msmarco", "pira-pt"):
        path = Path("/work/shared/data/ir") / name / "corpus.jsonl"
        if path.exists():
            with open(path, encoding="utf-8") as f:
                docs += [json.loads(line)["text"] for _, line in zip(range(n * per_file), f)]
    if not docs:
        docs = [" ".join(_sentence_pool(rng, 8)) for _ in range(n * per_file)]
    rng.shuffle(docs)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = "\n\n".join(docs[(i * per_file + j) % len(docs)] for j in range(per_file))
        (folder / f"doc-{i:04d}.txt").write_text(body + "\n", encoding="utf-8")
    return folder


class Heart:
    """A 10 ms timer on the GUI thread: the longest gap between its beats, per state."""

    def __init__(self, state) -> None:
        from PySide6.QtCore import QTimer, Qt

        self.state = state
        self.worst: dict[str, float] = {}
        #: the same, less the time the GUI thread waited for a CPU (the kernel's schedstat):
        #: what the OS does not explain (the GIL held elsewhere, or work on this thread)
        self.worst_not_os: dict[str, float] = {}
        self._tid = threading.get_native_id()
        self._last = time.perf_counter()
        self._waited = self._cpu_wait()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._beat)
        self.timer.start()

    def _cpu_wait(self) -> float:
        try:
            with open(f"/proc/self/task/{self._tid}/schedstat") as f:
                return int(f.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return 0.0

    def _beat(self) -> None:
        now, waited = time.perf_counter(), self._cpu_wait()
        st = str(self.state())
        gap = now - self._last
        self.worst[st] = max(self.worst.get(st, 0.0), round(gap * 1000, 1))
        self.worst_not_os[st] = max(self.worst_not_os.get(st, 0.0),
                                    round((gap - (waited - self._waited)) * 1000, 1))
        self._last, self._waited = now, waited


def while_indexing(args) -> dict:
    """Keystroke-to-paint while the window's first indexing of a folder of real files
    runs (reading, then embedding), with the model ``args.while_indexing`` and nothing
    handed in (the app loads it as a person's would). Each key is measured as in
    ``measure``; only keys whose answer came while the indexer was embedding count for
    the embedding figures."""
    from desktop_search.config import Settings
    from desktop_search.core.embed import registry
    from desktop_search.ui.app import engine_factory, make_application
    from desktop_search.ui.controller import SearchController
    from desktop_search.ui.window import SearchWindow

    model = registry.ENGLISH if args.while_indexing == "english" else registry.MULTILINGUAL
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="ds-latency-idx-"))
    docs = real_files(work / "docs", args.files)
    data_dir = work / f"data-{args.while_indexing}-{os.getpid()}"
    app = make_application()
    controller = SearchController(settings=Settings(model=model.name),
                                  make_engine=engine_factory(data_dir))
    window = SearchWindow(controller, window_state_path=data_dir / "window.ini", use_tray=False,
                          opener=lambda hit: None, revealer=lambda hit: None)
    window.resize(1120, 720)
    window.show()
    controller.start()
    if not _wait(app, lambda: controller.model_ready and controller.service is not None, 300):
        raise RuntimeError("the model did not load")
    # a small folder first, so that every query has results to paint
    window.add_folders([str(real_files(work / "seed", 5, seed=9))])
    _wait(app, lambda: controller.progress.state == "idle"
          and controller.engine.catalog.stats().files_indexed >= 5, 300)
    measure(app, window, ["warm up query", "another warm up"])
    heart = Heart(lambda: controller.progress.state)
    window.add_folders([str(docs)])
    _wait(app, lambda: controller.progress.state in ("reading", "embedding"), 60)
    by_state: dict[str, list[float]] = {}
    loads = []
    i = 0
    t0 = time.perf_counter()
    while controller.progress.state != "idle" and i < args.queries:
        q = QUERIES[i % len(QUERIES)] + ("s" if i >= len(QUERIES) else "")
        try:
            ms = measure(app, window, [q], settle_s=args.settle_ms / 1000)[0]
        except RuntimeError:      # no answer painted within 20 s: counted as 20 s
            ms = 20_000.0
        by_state.setdefault(str(controller.progress.state), []).append(ms)
        loads.append(os.getloadavg()[0])
        i += 1
    _wait(app, lambda: controller.progress.state == "idle", 1800)
    took = time.perf_counter() - t0
    heart.timer.stop()
    report = dict(model=model.name, backend=controller.engine.models.embedder().backend,
                  files=args.files, passages=controller.engine.catalog.stats().chunks,
                  index_s=round(took, 1), load_1min=round(statistics.median(loads), 1) if loads else None,
                  keystroke_to_paint={k: summary(v) for k, v in by_state.items()},
                  gui_worst_gap_ms=heart.worst, gui_worst_gap_not_os_ms=heart.worst_not_os)
    window.close()
    controller.shutdown()
    return report


#: the figures recorded so far (benchmarks/latency_1m.json): each run's summary line
#: compares with the last one recorded for the same answers setting
RECORDS = Path(__file__).resolve().parent / "latency_1m.json"


def last_record(records: list[dict], *, answers: str, chunks: int | None = None) -> dict | None:
    """The newest record with these answers (and this index size, when one has it)."""
    same = [r for r in records if r.get("answers") == answers]
    sized = [r for r in same if chunks is not None and r.get("chunks") == chunks]
    return (sized or same or [None])[-1]


def compare_line(report: dict, records: list[dict]) -> str:
    """One line: this run against the last recorded figure."""
    now = report["keystroke_to_paint"]
    last = last_record(records, answers=report["answers"], chunks=report["chunks_in_index"])
    if last is None:
        return "no recorded figure to compare with (benchmarks/latency_1m.json)"
    return (f"vs last recorded ({last['chunks']:,} passages, answers {last['answers']}, "
            f"{last.get('source', '?')}): median {last['median_ms']} -> {now['median_ms']} ms, "
            f"p95 {last['p95_ms']} -> {now['p95_ms']} ms, RSS {last.get('rss_mb')} -> "
            f"{report.get('rss_mb')} MB")


def record(report: dict, *, source: str, path: Path = RECORDS) -> dict:
    """Append this run to the records (with where it came from)."""
    import subprocess

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=Path(__file__).resolve().parent).stdout.strip()
    except OSError:
        commit = ""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"records": []}
    row = dict(when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), commit=commit,
               source=source, chunks=report["chunks_in_index"], answers=report["answers"],
               median_ms=report["keystroke_to_paint"]["median_ms"],
               p95_ms=report["keystroke_to_paint"]["p95_ms"],
               engine_p95_ms=report["engine_search_only"]["p95_ms"],
               rss_mb=report.get("rss_mb"), load=report.get("load"), cpus=report.get("cpus"))
    data["records"].append(row)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=12_000)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--dir", help="work folder (default: a temporary one)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--data-dir", help="an existing data folder (e.g. benchmarks/scale.py's); "
                                       "opened with its own model settings, nothing built")
    ap.add_argument("--queries-file", help="queries, one a line (a TSV's last column)")
    ap.add_argument("--answers", choices=["on", "off"], default="on",
                    help="the sentences that answer (a second step after the list)")
    ap.add_argument("--settle-ms", type=float, default=50,
                    help="pause before the last key; above 150 the answers step is running "
                         "when it comes (the worst case for the list)")
    ap.add_argument("--while-indexing", choices=["english", "multilingual"],
                    help="type while the window indexes a folder of real files with this model")
    ap.add_argument("--files", type=int, default=300, help="files for --while-indexing")
    ap.add_argument("--switch-interval-ms", type=float,
                    help="sys.setswitchinterval for this run (Python's default: 5 ms)")
    ap.add_argument("--record", metavar="SOURCE",
                    help="append this run's figures to benchmarks/latency_1m.json, saying "
                         "where they came from (e.g. 'h26 after, 100k, load 3')")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.switch_interval_ms:
        sys.setswitchinterval(args.switch_interval_ms / 1000)
    if args.while_indexing:
        report = while_indexing(args)
        report["switch_interval_ms"] = sys.getswitchinterval() * 1000
        print(json.dumps(report, indent=2))
        return 0

    from desktop_search.config import Settings
    from desktop_search.core.embed import SentenceTransformerEmbedder
    from desktop_search.ui.app import engine_factory, make_application
    from desktop_search.ui.controller import SearchController
    from desktop_search.ui.window import SearchWindow

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="ds-latency-"))
    data_dir, docs_dir = work / "data", work / "docs"
    embedder = None
    if args.data_dir:
        data_dir = Path(args.data_dir)
    else:
        embedder = SentenceTransformerEmbedder("all-MiniLM-L6-v2", device="cpu")
        embedder.load()
    t = time.perf_counter()
    if args.data_dir:
        from desktop_search.core.store.catalog import Catalog

        cat = Catalog(data_dir / "catalog.sqlite3")
        st = cat.stats()
        cat.close()
        built = dict(files=st.files_indexed, chunks=st.chunks, reused=True)
    elif (data_dir / "catalog.sqlite3").exists() and args.dir:
        from desktop_search.core.store.catalog import Catalog

        cat = Catalog(data_dir / "catalog.sqlite3")
        st = cat.stats()
        cat.close()
        built = dict(files=st.files_indexed, chunks=st.chunks, reused=True)
    else:
        built = build_index(data_dir, docs_dir, n_chunks=args.chunks, embedder=embedder)
    built["build_s"] = round(time.perf_counter() - t, 1)

    app = make_application()
    controller = SearchController(settings=Settings.load(data_dir / "settings.json"),
                                  make_engine=engine_factory(data_dir, embedder=embedder))
    window = SearchWindow(controller, window_state_path=data_dir / "window.ini", use_tray=False,
                          opener=lambda hit: None, revealer=lambda hit: None)
    window.resize(1120, 720)
    window.show()
    if args.answers == "off":
        controller.answer_rows = 0
    controller.start()
    if not _wait(app, lambda: controller.model_ready, 120):
        raise RuntimeError("the model did not load")
    _wait(app, lambda: controller.progress.state == "idle" and bool(window.roots), 120)
    pool = QUERIES
    if args.queries_file:
        pool = [l.rstrip("\n").split("\t")[-1] for l in open(args.queries_file, encoding="utf-8")
                if l.strip()]
        pool = [q for q in pool if len(q) > 3]
    queries = (pool * (args.queries // len(pool) + 1))[:args.queries]
    measure(app, window, ["warm up query", "another warm up"])
    settle = args.settle_ms / 1000
    cpu0, typing0 = thread_cpu_s(), time.perf_counter()
    with_debounce = measure(app, window, queries, settle_s=settle)
    debounce_ms = 0          # latest query wins: nothing waits for the keyboard to rest
    # new spellings so the query-vector cache does not help
    no_debounce = measure(app, window, [q + "s" if not q.endswith("s") else q + "e" for q in queries],
                          settle_s=settle)
    cpu1, typing_s = thread_cpu_s(), time.perf_counter() - typing0
    engine_ms = []
    for q in queries:
        t = time.perf_counter()
        controller.engine.search(q + " now", k=controller.results_k)
        engine_ms.append((time.perf_counter() - t) * 1000)
    report = dict(index=built, chunks_in_index=built["chunks"], platform=app.platformName(),
                  cpus=os.cpu_count(), debounce_ms=debounce_ms, answers=args.answers,
                  settle_ms=args.settle_ms, answer_steps=controller.answers.sent,
                  keystroke_to_paint=summary(with_debounce),
                  keystroke_to_paint_without_debounce=summary(no_debounce),
                  engine_search_only=summary(engine_ms))
    # what each thread used while the keys came (the copies look should be ~0: it waits)
    report["typing_s"] = round(typing_s, 1)
    report["thread_cpu_s_while_typing"] = {
        name: round(cpu1[name] - cpu0.get(name, 0.0), 2) for name in sorted(cpu1)
        if cpu1[name] - cpu0.get(name, 0.0) >= 0.01}
    report["rss_mb"] = _rss_mb_rounded()
    report["rss_parts_mb"] = rss_parts_mb()
    report["load"] = round(os.getloadavg()[0], 2)
    window.close()
    controller.shutdown()
    records = (json.loads(RECORDS.read_text(encoding="utf-8"))["records"]
               if RECORDS.exists() else [])
    report["compared"] = compare_line(report, records)
    if args.record:
        record(report, source=args.record)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"index: {built['chunks']:,} passages in {built['files']:,} files "
              f"(built in {built['build_s']} s); {os.cpu_count()} CPUs; platform {report['platform']}")
        for name in ("keystroke_to_paint", "keystroke_to_paint_without_debounce", "engine_search_only"):
            r = report[name]
            print(f"{name:38s} median {r['median_ms']:7.1f} ms   p95 {r['p95_ms']:7.1f} ms   "
                  f"max {r['max_ms']:7.1f} ms   (n={r['n']})")
        print(f"resident memory {report['rss_mb']} MB {report['rss_parts_mb']}; load {report['load']}")
        print(f"CPU seconds per thread over {report['typing_s']} s of typing: "
              f"{report['thread_cpu_s_while_typing']}")
        print(report["compared"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
