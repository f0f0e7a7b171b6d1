"""Which model understands a library's files and searches, and why: the choice the app
makes for the files before the first vector, and the advice it offers afterwards. No
model is loaded here (``host.ModelHost`` loads and switches)."""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from desktop_search.config import Settings
from desktop_search.core import lang
from desktop_search.core.embed import advice as _advice
from desktop_search.core.embed import registry
from desktop_search.core.meta import Meta
from desktop_search.i18n import N_

if TYPE_CHECKING:
    from desktop_search.core.store.library import Library

#: ``Settings.model`` when the app chooses the model for the files
AUTO = "auto"
#: passages whose languages decide the model (a tenth of a second of language detection)
CHOICE_SAMPLE = 100


class ModelChooser:
    """The model for these files, and advice about another; thread-safe enough for its
    one counter (a search's language, counted from the query thread)."""

    def __init__(self, library: Library, settings: Settings) -> None:
        self.library = library
        self.settings = settings
        self._query_languages: dict[str, int] = {}

    @property
    def auto(self) -> bool:
        """Whether the app chooses the model for the files (Settings: "Chosen for your files")."""
        return self.settings.model.strip().lower() == AUTO

    def configured(self) -> str:
        """The model the settings ask for: the user's, or the one chosen for these files
        (English until there are files to tell the language of)."""
        if not self.auto:
            return self.settings.model
        return self.library.meta(Meta.AUTO_MODEL) or registry.ENGLISH.name

    def choice(self) -> _advice.ModelChoice:
        """Which model understands the files, and why, in plain words."""
        name = self.configured()
        info = registry.lookup(name) or registry.by_model_id(name)
        label = info.languages_label if info is not None else N_("the languages of your own model")
        reason = self.library.meta(Meta.AUTO_REASON) or ""     # "": not chosen yet
        return _advice.ModelChoice(name=info.name if info else name, auto=self.auto, label=label,
                                   reason=reason)

    def record(self, name: str, reason: str) -> None:
        with self.library.catalog.transaction() as c:
            self.library.set_meta(Meta.AUTO_MODEL, name, conn=c)
            self.library.set_meta(Meta.AUTO_REASON, reason, conn=c)

    def note_query(self, language: lang.Language) -> None:
        """Count the language of a search (the advice weighs what the user asks)."""
        if language.sure:
            self._query_languages[language.code] = self._query_languages.get(language.code, 0) + 1

    def documents(self) -> dict[str, float]:
        """The collection's languages as last measured (language -> share of its text)."""
        return _advice.catalog_profile(self.library.catalog).shares

    def advice(self) -> _advice.ModelAdvice:
        """Whether another installed model would understand these files and searches: the
        window offers it in one click, ``status`` prints it."""
        asked = dict(self._query_languages)  # this process's searches (the window's)
        wanted = self.library.next_vectors.model()
        current = wanted[0] if wanted else (self.library.vector_model()[0] or self.configured())
        profile = _advice.catalog_profile(self.library.catalog)
        if not profile.sampled:  # indexed before languages were measured: look now, read-only
            profile = _advice.profile_texts(_advice.sample_texts(self.library.catalog))
        advice = _advice.advise(model=current, documents=profile, queries=asked)
        if advice.suggested is None:
            return advice
        info = registry.lookup(advice.suggested)
        passages = self.library.catalog.count_chunks()
        speed = info.passages_per_s if info is not None else 0.0
        return dataclasses.replace(advice, passages=passages,
                                   cost_s=passages / speed if speed else 0.0)

    def measure(self) -> tuple[registry.ModelInfo, str] | None:
        """The model the languages of the passages read so far, of the searches asked and
        of the computer's locale call for, and why (None: nothing read yet)."""
        texts = _advice.sample_texts(self.library.catalog, CHOICE_SAMPLE)
        if not texts:
            return None
        return _advice.choose(documents=_advice.profile_texts(texts),
                              queries=dict(self._query_languages),
                              system=_advice.locale_language())
