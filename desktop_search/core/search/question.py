"""A typed query, analyzed once: its language (told once per query), the word forms to
look up, and the languages they were stemmed for. Rank, the snippets, the preview, the
fusion plan and the model advice all read the same ``Question``."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from desktop_search.core import analyze, lang
from desktop_search.core.analyze import Matcher, QueryWord

if TYPE_CHECKING:
    from desktop_search.core.store.word_index import WordIndex

#: questions kept (the results list, the preview and "search again" ask the same one)
CACHE_SIZE = 512
_cache: dict[tuple[object, ...], "Question"] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Question:
    text: str
    language: lang.Language
    words: tuple[QueryWord, ...]
    #: the languages the words were stemmed for: those of the indexed text, and the
    #: question's own when it is clear
    languages: tuple[str, ...]
    #: words in so many of the index's passages that marking them says nothing (the
    #: function words of a language no stop-word list covers: Tamil, Nepali, Yiddish)
    common: tuple[str, ...] = ()

    def matcher(self) -> Matcher:
        """What marks the question's words in a passage: not its stop words ("de", "o",
        "the") in the question's language when it is clear, else in any of the index's
        (``analyze.marked_words``), unless it has no other words."""
        langs = [self.language.code] if self.language.sure else list(self.languages)
        words = [w for w in self.words if w.word not in self.common] or list(self.words)
        return Matcher(analyze.marked_words(words, languages=langs), self.languages)


#: a query word in more than this share of the passages is not highlighted
COMMON_SHARE = 0.6
#: ... once the index holds this many passages (fewer say little)
COMMON_MIN_PASSAGES = 100


def common_word_in(words: WordIndex) -> Callable[[QueryWord], bool]:
    """``ask``'s ``common``: whether a word is in too many of ``words``' passages."""
    def common(word: QueryWord) -> bool:
        n = len(words)
        return n >= COMMON_MIN_PASSAGES and max(words.df(f) for f in word.forms) > COMMON_SHARE * n
    return common


def ask(text: str, *, index_languages: list[str],
        prior: dict[str, float] | None = None,
        common: Callable[[QueryWord], bool] | None = None) -> Question:
    """Analyze ``text`` against an index holding text in ``index_languages``; ``prior``
    (language -> share of the library) tells close languages apart (``lang.detect``);
    ``common(word)`` says a word is in too many passages to be worth marking.

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
    words = tuple(analyze.query_words(text, languages=langs))
    q = Question(text=text, language=found, words=words, languages=tuple(langs),
                 common=tuple(w.word for w in words if common is not None and common(w)))
    with _cache_lock:
        if len(_cache) > CACHE_SIZE:
            _cache.clear()
        _cache[key] = q
    return q
