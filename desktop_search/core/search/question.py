"""A typed query, analyzed once: its language (told once per query), the word forms to
look up, and the languages they were stemmed for. Rank, the snippets, the preview, the
fusion plan and the model advice all read the same ``Question``."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from desktop_search.core import analyze, lang
from desktop_search.core.analyze import Matcher, QueryWord

#: questions kept (the results list, the preview and "search again" ask the same one)
CACHE_SIZE = 512
_cache: dict[tuple, "Question"] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Question:
    text: str
    language: lang.Language
    words: tuple[QueryWord, ...]
    #: the languages the words were stemmed for: those of the indexed text, and the
    #: question's own when it is clear
    languages: tuple[str, ...]

    def matcher(self) -> Matcher:
        """What marks the question's words in a passage."""
        return Matcher(list(self.words), self.languages)


def ask(text: str, *, index_languages: list[str],
        prior: dict[str, float] | None = None) -> Question:
    """Analyze ``text`` against an index holding text in ``index_languages``; ``prior``
    (language -> share of the library) tells close languages apart (``lang.detect``).

    A Portuguese stem meets English stems of the same root (`oceanos` -> `ocean`), which is
    worth 14 nDCG points on pira-xl; telling the language costs py3langid's 75 MB.
    """
    key = (text, tuple(index_languages), tuple(sorted((prior or {}).items())))
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    found = lang.detect(text, prior=prior) if text.strip() else lang.UNKNOWN
    langs = list(index_languages)
    if found.sure and analyze.has_stemmer(found.code) and found.code not in langs:
        langs.append(found.code)
    q = Question(text=text, language=found,
                 words=tuple(analyze.query_words(text, languages=langs)), languages=tuple(langs))
    with _cache_lock:
        if len(_cache) > CACHE_SIZE:
            _cache.clear()
        _cache[key] = q
    return q
