"""The sentence that answers, on SQuAD-style sets it was not tuned on: the marked sentence
against "the first sentence" and "the sentence sharing most words with the question".

    python benchmarks/answer_squad.py [--set /work/shared/data/qa/squadpt-dev-half.jsonl]
                                      [--model multilingual-e5-small] [--json]

Each question's paragraph is the passage (the top hit's, as when the right file is found
first); its sentences are the product's candidates (``answer.candidates``). The articles
are split in two by title (sorted; even places: tune, odd: test): the weights in
``answer.py`` were chosen on the tune half only (``--grid`` shows the search), and both
halves are reported. Vectors are kept in a cache file (``--cache``) between runs.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from desktop_search.config import Settings  # noqa: E402
from desktop_search.core.embed import embedder_for  # noqa: E402
from desktop_search.core.embed.base import passage_text  # noqa: E402
from desktop_search.core.search import answer as A  # noqa: E402
from desktop_search.core.search import answer_features as F  # noqa: E402
from desktop_search.core.search import fusion  # noqa: E402
from desktop_search.core.search.question import ask  # noqa: E402

SQUAD_PT = Path("/work/shared/data/qa/squadpt-dev-half.jsonl")


def load(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    titles = sorted({r["title"] for r in rows})
    half = {t: ("tune" if i % 2 == 0 else "test") for i, t in enumerate(titles)}
    for r in rows:
        r["split"] = half[r["title"]]
    return rows


def load_own(lang: str) -> list[dict]:
    """The README's own sets (benchmarks/answers/{lang}.json): each file is one passage."""
    folder = REPO / "benchmarks" / "answers"
    out = []
    for q, fname, span in json.loads((folder / f"{lang}.json").read_text(encoding="utf-8")):
        text = (folder / lang / fname).read_text(encoding="utf-8")
        out.append(dict(question=q, context=text, answers=[span], title=fname, split="own"))
    return out


def load_whole(path: Path) -> list[dict]:
    """A set never tuned on: every question is a test."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        r["split"] = "test"
    return rows


def vectors(texts: list[str], embed, cache: Path, model_id: str) -> dict[str, np.ndarray]:
    key = lambda t: hashlib.sha1(f"{model_id}\0{t}".encode()).hexdigest()  # noqa: E731
    have: dict[str, np.ndarray] = {}
    if cache.exists():
        z = np.load(cache)
        have = {k: z[k] for k in z.files}
    missing = [t for t in dict.fromkeys(texts) if key(t) not in have]
    for i in range(0, len(missing), 64):
        part = missing[i:i + 64]
        for t, v in zip(part, embed(part)):
            have[key(t)] = np.asarray(v, dtype=np.float32)
        print(f"  embedded {min(i + 64, len(missing))}/{len(missing)}", file=sys.stderr, flush=True)
    if missing:
        np.savez(cache, **have)
    return {t: have[key(t)] for t in texts}


def features(rows: list[dict], emb, cache: Path, lang_codes: list[str]) -> list[dict]:
    """Per question: its candidates' features and which of them hold a gold answer."""
    qs = [r["question"] for r in rows]
    cands = {r["context"]: A.candidates(r["context"]) for r in rows}
    sent_texts = [passage_text("", c.text) for cs in cands.values() for c in cs]
    qv = vectors(["Q:" + q for q in qs], lambda ts: emb.embed_query_batch([t[2:] for t in ts])
                 if hasattr(emb, "embed_query_batch") else [emb.embed_query(t[2:]) for t in ts],
                 cache.with_suffix(".q.npz"), emb.model_id)
    sv = vectors(sent_texts, emb.embed_documents, cache.with_suffix(".s.npz"), emb.model_id)
    calib = fusion.calibration(emb.model_id)
    out = []
    for r in rows:
        text, cs = r["context"], cands[r["context"]]
        if not cs:
            continue
        matcher = ask(r["question"], index_languages=lang_codes).matcher()
        q = qv["Q:" + r["question"]]
        cos = [calib(float(sv[passage_text("", c.text)] @ q)) for c in cs]
        golds = [g.lower() for g in r["answers"]]
        feats = F.sentence_features(text, cs, question=r["question"], matcher=matcher)
        out.append(dict(split=r["split"], cos=cos, feats=feats,
                        gold=[any(g in text[c.start:c.end].lower() for g in golds) for c in cs]))
    return out


def rate(items, pick) -> float:
    return round(100 * sum(it["gold"][pick(it)] for it in items) / len(items), 1) if items else 0.0


def first(it):
    return 0


def overlap(it):
    shares = [f.share for f in it["feats"]]
    return int(np.argmax(shares))      # the first on a tie, as benchmarks/answer.py


def current(it):
    return int(np.argmax([c + 0.15 * f.share for c, f in zip(it["cos"], it["feats"])]))


def scored(weights: F.Weights):
    def pick(it):
        return int(np.argmax([F.combine(c, f, weights) for c, f in zip(it["cos"], it["feats"])]))
    return pick


def grid(tune) -> tuple[F.Weights, float]:
    best, best_rate = A.WEIGHTS, -1.0
    for share, rare, first_w, typed, length in itertools.product(
            (0.0, 0.1, 0.2, 0.3), (0.0, 0.15, 0.3, 0.45), (0.0, 0.03, 0.06),
            (0.0, 0.05, 0.1, 0.15), (0.0, 0.05)):
        w = F.Weights(share=share, rare=rare, first=first_w, typed=typed, length=length)
        r = rate(tune, scored(w))
        if r > best_rate:
            best, best_rate = w, r
    return best, best_rate


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default=str(SQUAD_PT))
    ap.add_argument("--model", default="multilingual-e5-small")
    ap.add_argument("--langs", default="pt", help="the index's languages (comma-separated)")
    ap.add_argument("--cache", default="/tmp/answer_squad_cache")
    ap.add_argument("--grid", action="store_true", help="search the weights on the tune half")
    ap.add_argument("--own", metavar="LANG", help="the README's own set of this language instead")
    ap.add_argument("--whole", action="store_true", help="the set was never tuned on: all test")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    settings = Settings()
    settings.model = args.model
    emb = embedder_for(settings)
    emb.load()
    rows = (load_own(args.own) if args.own else
            load_whole(Path(args.set)) if args.whole else load(Path(args.set)))
    items = features(rows, emb, Path(args.cache + "-" + args.model.replace("/", "_")),
                     args.langs.split(","))
    report = {}
    for split in ("tune", "test", "own"):
        part = [it for it in items if it["split"] == split]
        if not part:
            continue
        report[split] = dict(questions=len(part), first=rate(part, first),
                             overlap=rate(part, overlap), before=rate(part, current),
                             ours=rate(part, scored(A.WEIGHTS)))
        report[split]["margin"] = round(report[split]["ours"] - max(
            report[split]["first"], report[split]["overlap"]), 1)
    if args.grid:
        w, r = grid([it for it in items if it["split"] == "tune"])
        report["grid_best"] = dict(weights=w.__dict__ if hasattr(w, "__dict__") else str(w),
                                   tune=r, test=rate([it for it in items if it["split"] == "test"],
                                                     scored(w)))
    print(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
