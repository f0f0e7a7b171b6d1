"""The right model without knowing what a model is: languages in, advice out.

The core samples what it indexed (and remembers the languages of the queries it was
asked), and when much of it is in languages the current model does not understand,
advises the multilingual model: the window shows the advice as a one-click offer, the
CLI prints it in ``status``. The switch itself re-embeds in the background while the
current vectors keep answering (``ModelHost.switch``).
"""
from __future__ import annotations

import enum
import json
import locale
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from desktop_search.core import lang
from desktop_search.core.meta import Meta
from desktop_search.core.embed.registry import ENGLISH, ModelInfo, by_model_id, lookup, multilingual
from desktop_search.i18n import N_, _, ngettext, number, translate_stored
from desktop_search import i18n

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
        return ngettext("re-reads {count} passage in the background, {duration}; searching keeps "
                        "working meanwhile",
                        "re-reads {count} passages in the background, {duration}; searching keeps "
                        "working meanwhile", self.passages).format(
            count=number(self.passages), duration=human_duration(self.cost_s))


@dataclass(frozen=True)
class ModelChoice:
    """Which model understands the files, and why, in plain words."""
    name: str              # registry name (or the user's own model)
    auto: bool             # chosen by the app for these files (not by the user in Settings)
    label: str             # "English", "about 100 languages" (English: ``_(label)`` shows it)
    reason: str            # "your files are 60% Portuguese"; "" while not chosen yet (English,
                           # as the catalog keeps it: ``reason_text()`` shows it)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        """"Understands about 100 languages · chosen for your files: 60% Portuguese"."""
        label = _(self.label)
        if not self.auto:
            return _("Understands {languages} · your choice in Settings").format(languages=label)
        if not self.reason:
            return _("Understands {languages} for now · chosen for your files once they are "
                     "read").format(languages=label)
        return _("Understands {languages} · chosen for your files: {reason}").format(
            languages=label, reason=self.reason_text())

    def reason_text(self) -> str:
        """The reason in the window's language (the catalog keeps it in English)."""
        return choice_reason_text(self.reason)


def language_name(code: str) -> str:
    """"Portuguese" for "pt" (ISO 639), the code itself when unknown."""
    try:
        from iso639 import Lang

        return Lang(code).name
    except Exception:  # noqa: BLE001 - a name is a nicety; the code still says it
        return code


def shown_language_name(code: str) -> str:
    """A language's name in the window's language (English names where none is installed,
    as the CLI prints them)."""
    if i18n.current() != i18n.ENGLISH:
        name = i18n.language_name(code)
        if name:
            return name
    return language_name(code)


class ChoiceReason(str, enum.Enum):
    """Why the app chose the model, as the catalog keeps it (English: the CLI prints it;
    ``choice_reason_text`` shows it in the window's language)."""

    ONLY_MODEL = N_("the only model installed")
    FILES = N_("your files are {share}% {language}")
    FILES_TWO = N_("your files are {share}% {language} and {share2}% {language2}")
    SEARCHES = N_("you search in {language}")
    COMPUTER = N_("your computer's language is {language}")
    NO_TEXT = N_("no text to tell the language of yet")
    ENGLISH_FILES = N_("your files are in English")
    INDEX_MADE_WITH = N_("your index was made with it")
    STARTED_WITH = N_("the model the app was started with")
    MULTILINGUAL_FAILED = N_("English only: the model for every language could not load")


def _language_code(name: str) -> str | None:
    try:
        from iso639 import Lang

        return Lang(name).pt1 or None
    except Exception:  # noqa: BLE001 - not a name iso639 knows
        return None


def choice_reason_text(reason: str) -> str:
    """A stored reason (``ChoiceReason``) in the window's language, its languages named
    in it too."""
    def convert(field_name: str, value: str) -> str:
        if field_name.startswith("language"):
            code = _language_code(value)
            return shown_language_name(code) if code else value
        return value

    return translate_stored(reason, tuple(r.value for r in ChoiceReason), convert)


def human_duration(seconds: float) -> str:
    if seconds < 90:
        return _("about a minute") if seconds > 30 else _("less than a minute")
    if seconds < 3600:
        n = round(seconds / 60)
        return ngettext("about {count} minute", "about {count} minutes", n).format(count=number(n))
    return _("about {count} hours").format(count=number(round(seconds / 3600, 1), decimals=1))


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
        return ENGLISH, ChoiceReason.ONLY_MODEL.value
    foreign = {code: s for code, s in documents.shares.items() if code != "en"}
    share = sum(foreign.values())
    if share >= FOREIGN_SHARE:
        top = sorted(foreign, key=lambda c: foreign[c], reverse=True)[:2]
        shares = {"share": round(100 * foreign[top[0]]), "language": language_name(top[0])}
        if len(top) == 1:
            return better, ChoiceReason.FILES.value.format(**shares)
        return better, ChoiceReason.FILES_TWO.value.format(
            **shares, share2=round(100 * foreign[top[1]]), language2=language_name(top[1]))
    asked_in: dict[str, int] = dict(queries) if queries else {}
    asked = sum(asked_in.values())
    foreign_q = sum(n for code, n in asked_in.items() if code != "en")
    if asked and foreign_q / asked >= FOREIGN_QUERIES:
        most = max((c for c in asked_in if c != "en"), key=lambda c: asked_in[c])
        return better, ChoiceReason.SEARCHES.value.format(language=language_name(most))
    if system and system != "en" and better.knows(system):
        return better, ChoiceReason.COMPUTER.value.format(language=language_name(system))
    if not documents.shares:
        return ENGLISH, ChoiceReason.NO_TEXT.value
    return ENGLISH, ChoiceReason.ENGLISH_FILES.value


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
        return ModelAdvice(name, None, _("a model of your own: its languages are not known"),
                           documents.shares, queries)
    foreign_docs = sum(s for code, s in documents.shares.items() if not info.knows(code))
    asked = sum(queries.values())
    foreign_q = (sum(c for code, c in queries.items() if not info.knows(code)) / asked
                 if asked >= MIN_QUERIES else 0.0)
    if foreign_docs < FOREIGN_SHARE and foreign_q < FOREIGN_QUERIES:
        return ModelAdvice(name, None, _("the model understands your files ({languages})").format(
            languages=_(info.languages_label)),
                           documents.shares, queries)
    better = multilingual()
    if better is None or better.name == info.name:
        return ModelAdvice(name, None, _("no installed model knows more of your languages"),
                           documents.shares, queries)
    langs = ", ".join(shown_language_name(code) for code, s in documents.shares.items()
                      if not info.knows(code) and s >= 0.05)
    why = (_("{share}% of your files are in languages the current model does not understand "
             "({languages})").format(share=round(100 * foreign_docs), languages=langs)
           if foreign_docs >= FOREIGN_SHARE else
           _("{share}% of your searches are in languages the current model does not "
             "understand").format(share=round(100 * foreign_q)))
    label = _(better.languages_label)
    return ModelAdvice(name, better.name, _("{why}: understand {languages} instead").format(
        why=why, languages=label), documents.shares, queries, suggested_label=label)
