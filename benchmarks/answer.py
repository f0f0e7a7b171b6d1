"""The sentence that answers: how often the marked sentence holds the answer, against two
baselines, and what computing it costs.

    python3 benchmarks/answer.py [--lang en pt] [--model all-MiniLM-L6-v2 multilingual-e5-small]
                                 [--json out.json] [--misses] [--limit N]

benchmarks/answer.json holds the last run reported in the README (English and Portuguese
with MiniLM, Portuguese with multilingual-e5-small).

The sets are ours: benchmarks/answers/{en,pt}/ hold short documents written for this, and
{en,pt}.json hold questions as [question, file, answer span]; the span is a few words
that the sentence answering the question contains (and no other sentence of the file).

Each folder is indexed by the product (the real model). For each question whose right
file is the top hit, the marked sentence (``Hit.answer``) is checked for the span, and
so are two baselines on the same passage:

- first: the passage's first sentence;
- overlap: the sentence sharing the most of the question's words (folded, stemmed, stop
  words dropped, by the product's own ``Matcher``; the first such sentence on a tie).

"in passage" counts the questions whose answer is in the top hit's passage at all
(a file longer than one passage may answer in another one): no method can do better.

Latency: each question's ``Engine.search`` (the list) and then ``Engine.answers`` (the
second step) are timed apart; answers "cold" with the sentence-vector cache emptied
before each question (what a new query costs), "warm" asked again (typing on).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from desktop_search.config import Settings  # noqa: E402
from desktop_search.core.analyze import sentences  # noqa: E402
from desktop_search.core.engine import Engine  # noqa: E402
from desktop_search.core.search.answer import candidates  # noqa: E402

SETS = REPO / "benchmarks" / "answers"
DEFAULT_MODEL = {"en": "all-MiniLM-L6-v2", "pt": "multilingual-e5-small"}


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    i = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[i]


def first_sentence(text: str) -> tuple[int, int]:
    """The passage's first sentence (headings skipped, as ours skips them)."""
    spans = [(c.start, c.end) for c in candidates(text)]
    return spans[0] if spans else (0, len(text))


def most_overlap(text: str, matcher) -> tuple[int, int]:
    """The sentence holding the most distinct query words (the first on a tie)."""
    spans = [(c.start, c.end) for c in candidates(text)]
    if not spans:
        return 0, len(text)
    found = list(matcher.finditer(text)) if matcher else []
    best, best_n = spans[0], -1
    for a, b in spans:
        n = len({key for s, _, key in found if a <= s < b})
        if n > best_n:
            best, best_n = (a, b), n
    return best


def run(lang: str, model: str, *, data_root: Path, limit: int | None = None) -> dict:
    questions = json.loads((SETS / f"{lang}.json").read_text(encoding="utf-8"))[:limit]
    folder = SETS / lang
    data = data_root / f"{lang}-{model}"
    settings = Settings()
    settings.model = model
    eng = Engine(data, settings=settings)
    try:
        eng.add_root(folder)
        t = time.perf_counter()
        eng.index_service().run_until_idle()
        index_s = time.perf_counter() - t
        eng.vectors()
        eng.search("warm up the model", k=5)
        rows = []
        list_ms, cold_ms, warm_ms = [], [], []
        for q, fname, span in questions:
            t = time.perf_counter()
            hits = eng.search(q, k=10)
            list_ms.append((time.perf_counter() - t) * 1000)
            eng.answer_finder.clear()
            t = time.perf_counter()
            answered = eng.answers(hits, q)
            cold_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            eng.answers(hits, q)
            warm_ms.append((time.perf_counter() - t) * 1000)
            top = answered[0] if answered else None
            row = dict(q=q, file=fname, span=span, top=top and os.path.basename(top.path))
            if top is not None and os.path.basename(top.path) == fname:
                text = eng.catalog.texts([top.chunk_id])[top.chunk_id]
                matcher = eng.question(q).matcher()
                fa, fb = first_sentence(text)
                oa, ob = most_overlap(text, matcher)
                two = top.answer is not None and len(sentences(top.answer.text)) > 1
                heading = eng.catalog.headed_texts([top.chunk_id])[top.chunk_id][0]
                emb = eng.models.embedder()
                single = eng.answer_finder.best_span(text, heading=heading, query_vec=emb.embed_query(q),
                                                     matcher=matcher, embedder=emb, pair_margin=-1)
                row.update(in_passage=span in text, two=two,
                           ours=top.answer is not None and span in top.answer.text,
                           ours_single=single is not None and span in text[single[0]:single[1]],
                           first=span in text[fa:fb], overlap=span in text[oa:ob],
                           marked=top.answer.text if top.answer else None,
                           sentences=len(sentences(text)))
            rows.append(row)
        right = [r for r in rows if "ours" in r]
        inside = [r for r in right if r["in_passage"]]

        def rate(rs, key):
            return round(100 * sum(r[key] for r in rs) / len(rs), 1) if rs else None

        return dict(
            lang=lang, model=eng.models.embedder().model_id, questions=len(questions),
            load_avg=round(os.getloadavg()[0], 1),
            top_hit_right=len(right), answer_in_passage=len(inside), index_s=round(index_s, 1),
            contains_answer_pct=dict(ours=rate(right, "ours"), ours_single=rate(right, "ours_single"),
                                     first=rate(right, "first"),
                                     overlap=rate(right, "overlap")),
            contains_answer_pct_in_passage=dict(ours=rate(inside, "ours"),
                                                ours_single=rate(inside, "ours_single"),
                                                first=rate(inside, "first"),
                                                overlap=rate(inside, "overlap")),
            marked_two_pct=rate(right, "two"),
            mean_sentences=round(statistics.mean(r["sentences"] for r in right), 1) if right else None,
            latency_ms=dict(
                list=dict(median=round(statistics.median(list_ms), 1), p95=round(pct(list_ms, .95), 1)),
                answers_cold=dict(median=round(statistics.median(cold_ms), 1),
                                  p95=round(pct(cold_ms, .95), 1)),
                answers_warm=dict(median=round(statistics.median(warm_ms), 1),
                                  p95=round(pct(warm_ms, .95), 1))),
            misses=[dict(q=r["q"], span=r["span"], marked=r["marked"]) for r in inside if not r["ours"]],
        )
    finally:
        eng.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lang", nargs="+", default=["en", "pt"])
    ap.add_argument("--model", nargs="+", default=None,
                    help="models to run each language with (default: the one the product "
                         "would pick: English MiniLM for en, multilingual-e5-small for pt)")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--misses", action="store_true", help="print the questions ours got wrong")
    ap.add_argument("--limit", type=int, help="only the first N questions of each set")
    args = ap.parse_args()
    out = []
    with tempfile.TemporaryDirectory(prefix="ds-answer-") as tmp:
        for lang in args.lang:
            for model in args.model or [DEFAULT_MODEL[lang]]:
                res = run(lang, model, data_root=Path(tmp), limit=args.limit)
                out.append(res)
                misses = res.pop("misses")
                print(json.dumps(res, ensure_ascii=False), flush=True)
                if args.misses:
                    for m in misses:
                        print("   miss:", json.dumps(m, ensure_ascii=False), flush=True)
                res["misses"] = misses
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
