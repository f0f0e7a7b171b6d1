"""How well ``understand`` reads filters said in words, and what it costs.

    python benchmarks/understand.py [--set benchmarks/understand_set.jsonl] [--json]

The set (benchmarks/make_understand_set.py writes it; it was written before the parser)
holds phrased queries in five languages with the expected parse against a fixed today.
Printed: the exact-parse rate (left-over words and every filter equal), the false-filter
rate on plain questions, per language and for the two halves (even lines: tune, odd:
test), and the parse's cost per keystroke, uncached (p50/p95 over every prefix of every
query), plus dateparser's for comparison when it is installed.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop_search.core.search import understand as U  # noqa: E402


def parse_row(row: dict, today: date, folders) -> dict:
    u = U.understand(row["q"], today=today, folders=folders)
    f = u.to_json()["filters"]
    return dict(query=u.query, kinds=f["kinds"], after=f["after"], before=f["before"],
                sender=f["sender"], recipient=f.get("recipient"), folder=f["folder"])


def exact(row: dict, got: dict) -> bool:
    want = {k: row[k] for k in got}
    want["query"] = " ".join(row["query"].split()).lower()
    got = dict(got, query=got["query"].lower())
    return want == got


def cost_ms(queries, today, folders) -> list[float]:
    out = []
    for q in queries:
        for i in range(1, len(q) + 1):
            U._understand.cache_clear()
            t = time.perf_counter()
            U.understand(q[:i], today=today, folders=folders)
            out.append((time.perf_counter() - t) * 1000)
    return out


#: the date phrases of the set, as dateparser would be asked them (with their language)
PHRASES = [("from 2021", "en"), ("last autumn", "en"), ("two weeks ago", "en"),
           ("em junho de 2022", "pt"), ("há duas semanas", "pt"), ("o mês passado", "pt"),
           ("el año pasado", "es"), ("hace dos semanas", "es"), ("hier", "fr"),
           ("il y a deux semaines", "fr"), ("letzte Woche", "de"), ("vor zwei Wochen", "de")]


def dateparser_cost(today: date) -> dict | None:
    """What dateparser (if installed) costs for the same phrases: import, first phrase of
    each language, then per phrase; and which phrases it cannot read."""
    try:
        t = time.perf_counter()
        import dateparser
        import_ms = (time.perf_counter() - t) * 1000
    except ImportError:
        return None
    from datetime import datetime
    settings = {"RELATIVE_BASE": datetime(today.year, today.month, today.day),
                "PREFER_DATES_FROM": "past"}
    first, warm, missed = [], [], []
    for phrase, lang in PHRASES:
        for bucket in (first, warm):
            t = time.perf_counter()
            got = dateparser.parse(phrase, languages=[lang], settings=settings)
            bucket.append((time.perf_counter() - t) * 1000)
        if got is None:
            missed.append(phrase)
    return dict(import_ms=round(import_ms, 1), first_call_ms_max=round(max(first), 1),
                per_phrase_ms_median=round(statistics.median(warm), 3),
                per_phrase_ms_max=round(max(warm), 3), cannot_read=missed)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default=str(Path(__file__).with_name("understand_set.jsonl")))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each miss")
    args = ap.parse_args()
    lines = Path(args.set).read_text(encoding="utf-8").splitlines()
    head = json.loads(lines[0])
    today, folders = date.fromisoformat(head["today"]), head["folders"]
    rows = [json.loads(line) for line in lines[1:] if line.strip()]
    t = time.perf_counter()
    U.understand("warm up pdfs from 2021", today=today, folders=folders)
    first_ms = (time.perf_counter() - t) * 1000
    groups: dict[str, list[tuple[bool, bool]]] = {}
    for i, row in enumerate(rows):
        got = parse_row(row, today, folders)
        ok = exact(row, got)
        false_filter = row["plain"] and (got["kinds"] or got["after"] or got["before"]
                                         or got["sender"] or got["recipient"] or got["folder"])
        if not ok and args.verbose:
            print(f"MISS [{row['lang']}] {row['q']!r}\n   want {dict((k, row[k]) for k in got)}"
                  f"\n   got  {got}")
        for g in ("all", row["lang"], "tune" if i % 2 == 0 else "test",
                  "filtered" if not row["plain"] else "plain"):
            groups.setdefault(g, []).append((ok, bool(false_filter)))
    costs = cost_ms([r["q"] for r in rows], today, folders)
    q = statistics.quantiles(costs, n=100)
    report = {g: dict(n=len(v), exact=round(100 * sum(o for o, _ in v) / len(v), 1),
                      false_filter=sum(f for _, f in v)) for g, v in groups.items()}
    report["cost_ms"] = dict(p50=round(q[49], 3), p95=round(q[94], 3), first_call=round(first_ms, 2),
                             keystrokes=len(costs))
    report["plain_false_filter_rate"] = round(
        100 * report["plain"]["false_filter"] / report["plain"]["n"], 1)
    report["dateparser"] = dateparser_cost(today)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        for g, v in report.items():
            print(f"{g:>24}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
