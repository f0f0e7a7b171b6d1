"""The right model without knowing what a model is: languages in, advice out.

The core samples what it indexed (and remembers the languages of the queries it was
asked), and when much of it is in languages the current model does not understand,
advises the multilingual model: the window shows the advice as a one-click offer, the
CLI prints it in ``status``. The switch itself re-embeds in the background while the
current vectors keep answering (``ModelHost.switch``).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field

from desktop_search.core import lang
from desktop_search.core.embed.registry import ModelInfo, by_model_id, lookup, multilingual

#: passages sampled to tell a collection's languages (spread over the whole catalog)
SAMPLE = 300
#: share of text (by letters) in languages the model does not know above which it is advised
FOREIGN_SHARE = 0.2
#: the same for queries, counted once at least this many were asked
FOREIGN_QUERIES = 0.3
MIN_QUERIES = 5


@dataclass(frozen=True)
class LanguageProfile:
    shares: dict[str, float]      # ISO 639-1 -> share of the sampled text's letters
    sampled: int                  # passages looked at
    unsure: float                 # share of letters in passages whose language was unclear

    def main(self) -> str | None:
        return max(self.shares, key=self.shares.get) if self.shares else None

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ModelAdvice:
    """What the window offers and ``status`` prints."""
    current: str                          # registry name (or model id) of the model answering
    suggested: str | None                 # registry name to switch to, None when all is well
    reason: str                           # one sentence a person understands
    documents: dict[str, float] = field(default_factory=dict)   # language -> share
    queries: dict[str, int] = field(default_factory=dict)       # language -> count

    def to_json(self) -> dict:
        return asdict(self)


def profile_texts(texts: list[str]) -> LanguageProfile:
    """Languages of some passages, weighted by how much text each carries."""
    weight: Counter[str] = Counter()
    unsure = 0
    total = 0
    for t in texts:
        n = lang.letters(t)
        if n == 0:
            continue
        total += n
        found = lang.detect(t)
        if found.sure:
            weight[found.code] += n
        else:
            unsure += n
    sure_total = sum(weight.values())
    shares = {k: round(v / sure_total, 3) for k, v in weight.most_common()} if sure_total else {}
    return LanguageProfile(shares=shares, sampled=len(texts),
                           unsure=round(unsure / total, 3) if total else 0.0)


def sample_texts(catalog, n: int = SAMPLE) -> list[str]:
    """Up to n passages spread evenly over the catalog (``Catalog.sample_passages``)."""
    return catalog.sample_passages(n)


def catalog_profile(catalog) -> LanguageProfile:
    """The collection's languages as last measured (cheap: one catalog read); empty until
    the indexing worker has measured them (``refresh_profile``)."""
    raw = catalog.get_meta("language_profile")
    if raw:
        try:
            return LanguageProfile(**json.loads(raw)["profile"])
        except (ValueError, TypeError, KeyError):
            pass
    return LanguageProfile(shares={}, sampled=0, unsure=0.0)


def refresh_profile(catalog) -> LanguageProfile:
    """Measure the collection's languages again when the passage count moved 10% since
    (a 300-passage sample, well under a second). Called by the indexing worker when idle."""
    n_chunks = catalog.max_chunk_id()
    raw = catalog.get_meta("language_profile")
    if raw:
        try:
            then = int(json.loads(raw).get("chunks", -1))
            if then == n_chunks or (then > 0 and abs(n_chunks - then) < 0.1 * then):
                return catalog_profile(catalog)
        except (ValueError, TypeError):
            pass
    prof = profile_texts(sample_texts(catalog))
    catalog.set_meta("language_profile", json.dumps({"chunks": n_chunks, "profile": prof.to_json()}))
    return prof


def advise(*, model: str, documents: LanguageProfile,
           queries: dict[str, int] | None = None) -> ModelAdvice:
    """Whether another installed model would understand this collection and these queries."""
    queries = dict(queries or {})
    info: ModelInfo | None = by_model_id(model) or lookup(model)
    name = info.name if info else model
    if info is None:
        return ModelAdvice(name, None, "a model of your own: its languages are not known",
                           documents.shares, queries)
    foreign_docs = sum(s for code, s in documents.shares.items() if not info.knows(code))
    asked = sum(queries.values())
    foreign_q = (sum(c for code, c in queries.items() if not info.knows(code)) / asked
                 if asked >= MIN_QUERIES else 0.0)
    if foreign_docs < FOREIGN_SHARE and foreign_q < FOREIGN_QUERIES:
        return ModelAdvice(name, None, f"the model understands your files ({info.languages_label})",
                           documents.shares, queries)
    better = multilingual()
    if better is None or better.name == info.name:
        return ModelAdvice(name, None, "no installed model knows more of your languages",
                           documents.shares, queries)
    langs = ", ".join(code for code, s in documents.shares.items() if not info.knows(code) and s >= 0.05)
    why = (f"{round(100 * foreign_docs)}% of your files are in languages the current model "
           f"does not understand ({langs})" if foreign_docs >= FOREIGN_SHARE else
           f"{round(100 * foreign_q)}% of your searches are in languages the current model "
           "does not understand")
    return ModelAdvice(name, better.name,
                       f"{why}: switch to {better.title} (re-embeds in the background)",
                       documents.shares, queries)
