"""The right model without knowing what a model is: languages in, advice out.

The core samples what it indexed (and remembers the languages of the queries it was
asked), and when much of it is in languages the current model does not understand,
advises the multilingual model: the window shows the advice as a one-click offer, the
CLI prints it in ``status``. The switch itself re-embeds in the background while the
current vectors keep answering (``ModelHost.switch``).
"""
from __future__ import annotations

import json
import locale
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from desktop_search.core import lang
from desktop_search.core.meta import Meta
from desktop_search.core.embed.registry import ENGLISH, ModelInfo, by_model_id, lookup, multilingual

if TYPE_CHECKING:
    from desktop_search.core.store.catalog import Catalog

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
        return max(self.shares, key=lambda c: self.shares[c]) if self.shares else None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ModelAdvice:
    """What the window offers and ``status`` prints."""
    current: str                          # registry name (or model id) of the model answering
    suggested: str | None                 # registry name to switch to, None when all is well
    reason: str                           # one sentence a person understands
    documents: dict[str, float] = field(default_factory=dict)   # language -> share
    queries: dict[str, int] = field(default_factory=dict)       # language -> count
    #: what the switch costs: passages to embed again, and about how long (seconds)
    passages: int = 0
    cost_s: float = 0.0
    #: the suggested model in plain words ("every language")
    suggested_label: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def cost_text(self) -> str:
        """"re-reads 1,234 passages, about 3 minutes; searching keeps working meanwhile"."""
        return (f"re-reads {self.passages:,} passages in the background, "
                f"{human_duration(self.cost_s)}; searching keeps working meanwhile")


@dataclass(frozen=True)
class ModelChoice:
    """Which model understands the files, and why, in plain words."""
    name: str              # registry name (or the user's own model)
    auto: bool             # chosen by the app for these files (not by the user in Settings)
    label: str             # "English", "about 100 languages"
    reason: str            # "your files are 60% in Portuguese"; "" while not chosen yet

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        """"Understands about 100 languages · chosen for your files: 60% Portuguese"."""
        if not self.auto:
            return f"Understands {self.label} · your choice in Settings"
        if not self.reason:
            return f"Understands {self.label} for now · chosen for your files once they are read"
        return f"Understands {self.label} · chosen for your files: {self.reason}"


def language_name(code: str) -> str:
    """"Portuguese" for "pt" (ISO 639), the code itself when unknown."""
    try:
        from iso639 import Lang

        return Lang(code).name
    except Exception:  # noqa: BLE001 - a name is a nicety; the code still says it
        return code


def human_duration(seconds: float) -> str:
    if seconds < 90:
        return "about a minute" if seconds > 30 else "less than a minute"
    if seconds < 3600:
        return f"about {round(seconds / 60)} minutes"
    return f"about {seconds / 3600:.1f} hours"


def locale_language() -> str | None:
    """The language of the computer's locale (ISO 639-1), None when it says none (C, POSIX)."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var)
        if value:
            code = value.split(":")[0].split(".")[0].split("_")[0].lower()
            return None if code in ("c", "posix", "") else code
    try:
        code = (locale.getlocale()[0] or "").split("_")[0].lower()
    except ValueError:
        return None
    return code or None


def choose(*, documents: LanguageProfile, queries: dict[str, int] | None = None,
           system: str | None = None) -> tuple[ModelInfo, str]:
    """The model for a new library, and why: a library in English (read in English, asked
    in English, on an English or unknown locale) keeps the English model, the fastest;
    anything else gets the multilingual one, when it is installed."""
    better = multilingual()
    if better is None:
        return ENGLISH, "the only model installed"
    foreign = {code: s for code, s in documents.shares.items() if code != "en"}
    share = sum(foreign.values())
    if share >= FOREIGN_SHARE:
        top = sorted(foreign, key=lambda c: foreign[c], reverse=True)[:2]
        named = " and ".join(f"{round(100 * foreign[c])}% {language_name(c)}" for c in top)
        return better, f"your files are {named}"
    asked_in: dict[str, int] = dict(queries) if queries else {}
    asked = sum(asked_in.values())
    foreign_q = sum(n for code, n in asked_in.items() if code != "en")
    if asked and foreign_q / asked >= FOREIGN_QUERIES:
        most = max((c for c in asked_in if c != "en"), key=lambda c: asked_in[c])
        return better, f"you search in {language_name(most)}"
    if system and system != "en" and better.knows(system):
        return better, f"your computer's language is {language_name(system)}"
    if not documents.shares:
        return ENGLISH, "no text to tell the language of yet"
    return ENGLISH, "your files are in English"


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


def sample_texts(catalog: Catalog, n: int = SAMPLE) -> list[str]:
    """Up to n passages spread evenly over the catalog (``Catalog.sample_passages``)."""
    return catalog.sample_passages(n)


def catalog_profile(catalog: Catalog) -> LanguageProfile:
    """The collection's languages as last measured (cheap: one catalog read); empty until
    the indexing worker has measured them (``refresh_profile``)."""
    raw = catalog.get_meta(Meta.LANGUAGE_PROFILE)
    if raw:
        try:
            return LanguageProfile(**json.loads(raw)["profile"])
        except (ValueError, TypeError, KeyError):
            pass
    return LanguageProfile(shares={}, sampled=0, unsure=0.0)


def refresh_profile(catalog: Catalog) -> LanguageProfile:
    """Measure the collection's languages again when the passage count moved 10% since
    (a 300-passage sample, well under a second). Called by the indexing worker when idle."""
    n_chunks = catalog.max_chunk_id()
    raw = catalog.get_meta(Meta.LANGUAGE_PROFILE)
    if raw:
        try:
            then = int(json.loads(raw).get("chunks", -1))
            if then == n_chunks or (then > 0 and abs(n_chunks - then) < 0.1 * then):
                return catalog_profile(catalog)
        except (ValueError, TypeError):
            pass
    prof = profile_texts(sample_texts(catalog))
    catalog.set_meta(Meta.LANGUAGE_PROFILE, json.dumps({"chunks": n_chunks, "profile": prof.to_json()}))
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
    langs = ", ".join(language_name(code) for code, s in documents.shares.items()
                      if not info.knows(code) and s >= 0.05)
    why = (f"{round(100 * foreign_docs)}% of your files are in languages the current model "
           f"does not understand ({langs})" if foreign_docs >= FOREIGN_SHARE else
           f"{round(100 * foreign_q)}% of your searches are in languages the current model "
           "does not understand")
    return ModelAdvice(name, better.name, f"{why}: understand {better.languages_label} instead",
                       documents.shares, queries, suggested_label=better.languages_label)
