"""Writes folders of real, varied documents (txt, md, html) for the reliability suite."""
from __future__ import annotations

import html
import random
from pathlib import Path

TOPICS = {
    "gardening": ["tomatoes need staking", "water the roses at dawn", "compost enriches the soil",
                  "prune the apple tree in winter", "slugs eat young lettuce"],
    "finance": ["revenue grew this quarter", "operating costs declined", "the budget was approved",
                "invoices are due in thirty days", "the auditor reviewed the ledger"],
    "travel": ["the train to Lisbon left late", "we hiked along the coast", "the hotel faced the harbour",
               "pack light for the mountains", "the museum opens at nine"],
    "cooking": ["simmer the sauce for an hour", "knead the dough until smooth", "season with salt and pepper",
                "roast the vegetables until golden", "whisk the eggs with sugar"],
    "computing": ["the server restarted after the update", "compile the code with optimizations",
                  "the database index speeds up queries", "unit tests catch regressions",
                  "the cache stores recent results"],
    "health": ["regular exercise lowers blood pressure", "sleep helps memory", "drink water during the day",
               "the vaccine reduces severe illness", "stretch before running"],
}


def paragraph(rng: random.Random, topic: str, n: int) -> str:
    sents = [rng.choice(TOPICS[topic]) for _ in range(n)]
    return " ".join(s[0].upper() + s[1:] + "." for s in sents)


def write_corpus(folder: Path, n: int, *, seed: int = 7) -> dict[str, str]:
    """n files spread over sub-folders; returns relative path -> topic."""
    rng = random.Random(seed)
    topics = sorted(TOPICS)
    out = {}
    for i in range(n):
        topic = topics[i % len(topics)]
        sub = folder / f"group{i % 13}"
        sub.mkdir(parents=True, exist_ok=True)
        paras = [paragraph(rng, topic, rng.randint(2, 6)) for _ in range(rng.randint(1, 3))]
        title = f"Note {i} on {topic}"
        fmt = ("txt", "md", "html")[i % 3]
        p = sub / f"doc{i:05d}.{fmt}"
        if fmt == "txt":
            p.write_text(title + "\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
        elif fmt == "md":
            p.write_text(f"# {title}\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
        else:
            body = "".join(f"<p>{html.escape(x)}</p>" for x in paras)
            p.write_text(f"<html><head><title>{html.escape(title)}</title></head>"
                         f"<body><h1>{html.escape(title)}</h1>{body}</body></html>", encoding="utf-8")
        out[str(p.relative_to(folder))] = topic
    return out
