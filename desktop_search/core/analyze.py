"""Words: how a text and a query become index terms, and how a match maps back onto text.

One analyzer for the index, the query and the highlights, so that what is found is what
is highlighted:

- words are runs of letters, digits and combining marks (a Hindi vowel sign or an Arabic
  vowel mark does not split a word); Chinese and Japanese, written without spaces, are
  cut into overlapping character pairs (bigrams), so a word inside a sentence is found
  without a dictionary (Lucene's CJK analyzer does the same);
- lower case (casefold) and diacritics folded (``ação`` = ``acao``: OCR and hurried typing
  drop accents), Arabic vowel marks and tatweel dropped, alef forms unified;
- stop words and the Snowball stemmer of the language the text is in, and of that
  language only: an English stemmer never touches a Portuguese text. A query's language
  cannot be trusted (three words), so a query word is looked up as itself and as its
  stem in each language the index holds.

Every term keeps the span of the original text it came from; highlights are those spans.

Also the snippet: a passage trimmed around its sentence richest in the query's words.
"""
from __future__ import annotations

import functools
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import regex

# Han, kana (and the iteration/prolonged-sound marks) are written without spaces.
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\u30fc\u3005"
_TOKEN_RE = regex.compile(rf"[{_CJK}]+|[[\p{{L}}\p{{N}}\p{{M}}]--[{_CJK}]]+", regex.V1)
_CJK_RUN = regex.compile(rf"[{_CJK}]")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
SNIPPET_CHARS = 260
MAX_TERM_CHARS = 40          # longer "words" are hashes, base64, URLs: not worth a posting

# Combining marks that are accents on Latin/Greek/Cyrillic letters, Arabic harakat,
# Hebrew points. Indic vowel signs and the Japanese (han)dakuten are letters' own parts
# and are kept (folding カ/ガ or कि/क would merge different words).
_FOLD_MARKS = regex.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u0591-\u05c7\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_MAP = str.maketrans({"\u0671": "\u0627"})   # alef wasla -> alef (the rest: NFKD)

# ISO 639-1 -> Snowball algorithm (PyStemmer)
STEMMERS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech",
    "da": "danish", "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian",
    "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian",
    "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "fa": "persian", "pl": "polish", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "sr": "serbian", "es": "spanish", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}
# ISO 639-1 -> the stop-word list of bm25s (the NLTK/Snowball lists)
_STOP_LISTS = {
    "en": "STOPWORDS_EN_PLUS", "de": "STOPWORDS_GERMAN", "nl": "STOPWORDS_DUTCH",
    "fr": "STOPWORDS_FRENCH", "es": "STOPWORDS_SPANISH", "pt": "STOPWORDS_PORTUGUESE",
    "it": "STOPWORDS_ITALIAN", "ru": "STOPWORDS_RUSSIAN", "sv": "STOPWORDS_SWEDISH",
    "no": "STOPWORDS_NORWEGIAN", "nb": "STOPWORDS_NORWEGIAN", "da": "STOPWORDS_DANISH",
    "tr": "STOPWORDS_TURKISH",
}

_lock = threading.Lock()
_stemmers: dict[str, Any] = {}


def fold(word: str) -> str:
    """Lower case, accents and Arabic vowel marks dropped, compatibility forms unified."""
    if word.isascii():
        return word.lower()
    w = unicodedata.normalize("NFKD", word.casefold())
    w = _FOLD_MARKS.sub("", w).translate(_ARABIC_MAP)
    return unicodedata.normalize("NFC", w)


def _stemmer(lang: str) -> Any:
    algo = STEMMERS.get(lang)
    if algo is None:
        return None
    st = _stemmers.get(lang)
    if st is None:
        import Stemmer

        with _lock:
            st = _stemmers.get(lang)
            if st is None:
                st = Stemmer.Stemmer(algo)
                _stemmers[lang] = st
    return st


@functools.lru_cache(maxsize=64)
def stopwords(lang: str) -> frozenset[str]:
    """The language's stop words, folded (empty when we have no list for it)."""
    name = _STOP_LISTS.get(lang)
    if name is None:
        return frozenset()
    return frozenset(fold(w) for w in getattr(_stop_lists(), name))


@functools.lru_cache(maxsize=1)
def _stop_lists() -> Any:
    """bm25s's stopwords module (plain tuples) without importing bm25s itself, which
    pulls in scipy (0.2 s) on the way to the first answer."""
    import importlib.util

    spec = importlib.util.find_spec("bm25s")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("bm25s is required for the stop-word lists")
    path = Path(next(iter(spec.submodule_search_locations))) / "stopwords.py"
    mod_spec = importlib.util.spec_from_file_location("_desktop_search_stopwords", path)
    if mod_spec is None or mod_spec.loader is None:
        raise ImportError("bm25s is required for the stop-word lists")
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    return mod


#: Serbian is written in Latin and Cyrillic letters; its function words are Croatian's
_SR_CYRILLIC = {"lj": "љ", "nj": "њ", "dž": "џ", "a": "а", "b": "б", "c": "ц", "č": "ч",
                "ć": "ћ", "d": "д", "đ": "ђ", "e": "е", "f": "ф", "g": "г", "h": "х",
                "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о",
                "p": "п", "r": "р", "s": "с", "š": "ш", "t": "т", "u": "у", "v": "в",
                "z": "з", "ž": "ж"}
_SR_RE = re.compile("lj|nj|dž|.")


@functools.lru_cache(maxsize=64)
def unmarked(lang: str) -> frozenset[str]:
    """Words of ``lang`` not worth highlighting ("de", "o", "the"), folded: the word
    index's stop words, or stopwords-iso's list for a language bm25s has none for
    (Serbian: Croatian's, in both alphabets). Empty for a language neither knows."""
    own = stopwords(lang)
    if own:
        return own
    import stopwordsiso

    code = {"nb": "no", "nn": "no", "sr": "hr"}.get(lang, lang)
    words = set(stopwordsiso.stopwords(code)) if stopwordsiso.has_lang(code) else set()
    if lang == "sr":
        words |= {"".join(_SR_CYRILLIC.get(ch, ch) for ch in _SR_RE.findall(w)) for w in words}
    return frozenset(fold(w) for w in words)


def has_stemmer(lang: str) -> bool:
    return lang in STEMMERS


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    word: str       # folded form
    cjk: bool       # a character pair (or a lone character) of Chinese/Japanese


def tokens(text: str) -> Iterator[Token]:
    """The words of text with their spans; Chinese/Japanese runs as character pairs."""
    for m in _TOKEN_RE.finditer(text):
        s, w = m.start(), m.group()
        if _CJK_RUN.match(w):
            if len(w) == 1:
                yield Token(s, s + 1, w, True)
            else:
                for i in range(len(w) - 1):
                    yield Token(s + i, s + i + 2, fold(w[i:i + 2]), True)
        elif len(w) <= MAX_TERM_CHARS:
            yield Token(s, m.end(), fold(w), False)


def analyze(text: str, lang: str | None) -> list[str]:
    """Index terms of text written in ``lang`` (ISO 639-1; None/"und" when unknown)."""
    lang = lang if lang and lang != "und" else None
    stops = stopwords(lang) if lang else frozenset()
    if text.isascii():      # most text: the same words, 4x faster
        words = [w for w in _ASCII_WORD.findall(text.lower()) if len(w) <= MAX_TERM_CHARS]
    else:
        words = [t.word for t in tokens(text)]
    if stops:
        words = [w for w in words if w not in stops]
    st = _stemmer(lang) if lang else None
    if st is not None and words:
        words = st.stemWords(words)
    return words


def _stem(word: str, lang: str) -> str:
    st = _stemmer(lang)
    return st.stemWord(word) if st is not None else word


# -- queries ---------------------------------------------------------------------------------

_QUERY_STOP = frozenset("""a an and are as at be but by for from has have if in into is it its of on or
such that the their then there these they this to was were what when where which who will with
how do does did can could should would about i you we he she them our your my me us not no""".split())
STOPWORDS = _QUERY_STOP  # kept for callers that imported it from the catalog


def query_terms(query: str) -> list[str]:
    """The query's words, folded, without the common English function words (unless the
    query is nothing else)."""
    words = [t.word for t in tokens(query)]
    kept = [w for w in words if w not in _QUERY_STOP]
    return kept or words


@dataclass(frozen=True, slots=True)
class QueryWord:
    word: str                   # as typed, folded
    forms: tuple[str, ...]      # the index terms it may have become (itself, its stems)


def query_words(query: str, *, languages: Iterable[str] = ()) -> list[QueryWord]:
    """Each distinct query word with the forms to look up: itself and its stem in each of
    ``languages`` (those of the indexed text); a language's stop words are not looked up
    in that language."""
    langs = [l for l in dict.fromkeys(languages) if l]
    out: list[QueryWord] = []
    seen: set[str] = set()
    all_tokens = list(tokens(query))
    plain = [t for t in all_tokens if t.cjk or t.word not in _QUERY_STOP] or all_tokens
    for t in plain:
        if t.word in seen:
            continue
        seen.add(t.word)
        forms = [t.word]
        if not t.cjk:
            for lang in langs:
                if t.word in stopwords(lang):
                    continue
                forms.append(_stem(t.word, lang))
        out.append(QueryWord(t.word, tuple(dict.fromkeys(forms))))
    return out


class Matcher:
    """Finds a query's words in any text: a text word matches when its folded form or its
    stem (in one of the index's languages) is a form of a query word."""

    def __init__(self, words: list[QueryWord], languages: Iterable[str] = ()) -> None:
        self.languages = [l for l in dict.fromkeys(languages) if has_stemmer(l)]
        self._key: dict[str, str] = {}
        for qw in words:
            for f in (qw.word, *qw.forms):
                self._key.setdefault(f, qw.word)
        self._cache: dict[str, str | None] = {}
        # ASCII text (most text) is scanned by one regex for the few words that may be
        # a query word (a stem keeps its word's first letters), then each is checked.
        heads = sorted({f[:3] for f in self._key if f.isascii()}, key=len, reverse=True)
        self._ascii_re = re.compile(
            r"(?<![a-z0-9])(?:" + "|".join(re.escape(h) for h in heads) + r")[a-z0-9]*") \
            if heads else None

    def __bool__(self) -> bool:
        return bool(self._key)

    @property
    def words(self) -> tuple[str, ...]:
        """The query words it marks (folded, as typed)."""
        return tuple(dict.fromkeys(self._key.values()))

    def _which(self, word: str) -> str | None:
        key = self._key.get(word)
        if key is not None:
            return key
        for lang in self.languages:
            key = self._key.get(_stem(word, lang))
            if key is not None:
                return key
        return None

    def _raw(self, raw: str) -> str | None:
        """The query word a text word (as written) stands for; cached per spelling."""
        try:
            return self._cache[raw]
        except KeyError:
            pass
        key = self._which(fold(raw)) if len(raw) <= MAX_TERM_CHARS else None
        self._cache[raw] = key
        return key

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, query word) of each match, in order; adjacent CJK pairs merge."""
        if not self._key:
            return
        raw = self._raw
        if text.isascii():
            if self._ascii_re is None:
                return
            for m in self._ascii_re.finditer(text.lower()):
                key = raw(m.group())
                if key is not None:
                    yield m.start(), m.end(), key
            return
        for m in _TOKEN_RE.finditer(text):
            w = m.group()
            if ord(w[0]) >= 0x3005 and _CJK_RUN.match(w):
                yield from self._cjk(w, m.start())
                continue
            key = raw(w)
            if key is not None:
                yield m.start(), m.end(), key

    def _cjk(self, run: str, at: int) -> Iterator[tuple[int, int, str]]:
        pairs = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
        last: list[Any] | None = None
        for i, p in enumerate(pairs):
            key = self._which(fold(p))
            if key is None:
                continue
            if last is not None and at + i < last[1]:
                last[1] = at + i + len(p)
                continue
            if last is not None:
                yield last[0], last[1], last[2]
            last = [at + i, at + i + len(p), key]
        if last is not None:
            yield last[0], last[1], last[2]

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [(s, e) for s, e, _ in self.finditer(text)]


def marked_words(words: list[QueryWord], *, languages: Iterable[str]) -> list[QueryWord]:
    """The query words worth highlighting: not a stop word of any of ``languages``
    (``unmarked``), unless the query is nothing else ("o que é": then all of them)."""
    stops = frozenset().union(*(unmarked(l) for l in dict.fromkeys(languages) if l))
    kept = [w for w in words if w.word not in stops]
    return kept or words


def matcher(query: str, *, languages: Iterable[str] = ("en",)) -> Matcher:
    """What marks the query's words (not its stop words) in a text of ``languages``."""
    langs = list(languages)
    return Matcher(marked_words(query_words(query, languages=langs), languages=langs), langs)


# -- snippets ----------------------------------------------------------------------------

def _as_matcher(terms: Matcher | str | Iterable[str] | None) -> "Matcher | None":
    if terms is None or isinstance(terms, Matcher):
        return terms
    if isinstance(terms, str):
        return matcher(terms)
    return matcher(" ".join(terms)) if terms else None


_SENT_RE = re.compile(r"[^.!?\n\u3002\uff01\uff1f]+(?:[.!?\u3002\uff01\uff1f]+|\n|$)")


def highlight_spans(text: str, terms: "Matcher | str | list[str] | None") -> list[tuple[int, int]]:
    """Where the query's words occur in text, in any of their indexed forms (the spans
    are the original text's, accents and all). A query (or its words) rather than a
    ``Matcher`` is matched with English stems only."""
    m = _as_matcher(terms)
    if not m:
        return []
    return m.spans(text)


def make_snippet(text: str, terms: "Matcher | str | None", width: int = SNIPPET_CHARS
                 ) -> tuple[str, list[tuple[int, int]], int]:
    """Trim a passage around its sentence richest in query words.

    Returns (snippet, highlights spans within it, offset of the snippet in text).
    """
    pat = _as_matcher(terms) or None
    start, end = _window(text, pat, width)
    snippet, highlights, _ = _render(text, start, end, pat)
    return snippet, highlights, start


def snippet_showing(text: str, terms: "Matcher | str | None", span: tuple[int, int],
                    width: int = SNIPPET_CHARS
                    ) -> tuple[str, list[tuple[int, int]], int, tuple[int, int] | None]:
    """The snippet ``make_snippet`` makes, moved (if it must) so that it shows ``span``
    (offsets in text) from its start; also where ``span`` lies in the snippet (the part
    of it that fits), None if nothing of it does."""
    pat = _as_matcher(terms) or None
    start, end = _window(text, pat, width)
    a, b = span
    if not (start <= a and min(b, a + width // 2) <= end):
        start, end = _window(text, pat, width, focus=a)
    snippet, highlights, where = _render(text, start, end, pat, span)
    return snippet, highlights, start, where


def _window(text: str, pat: "Matcher | None", width: int, focus: int | None = None
            ) -> tuple[int, int]:
    """The (start, end) of text a snippet shows: ``width`` characters from a little
    before ``focus``, or before the sentence richest in the query's words."""
    text_len = len(text)
    if text_len <= width:
        return 0, text_len
    best_start = 0
    if focus is not None:
        best_start = focus
    elif pat is not None:
        matches = [(start, key) for start, _, key in pat.finditer(text)]
        best_hits = 0
        for sm in _SENT_RE.finditer(text):
            distinct = {w for pos, w in matches if sm.start() <= pos < sm.end()}
            if len(distinct) > best_hits:
                best_start, best_hits = sm.start(), len(distinct)
    start = max(0, min(best_start - 40, text_len - width))
    end = min(text_len, start + width)
    # snap to word boundaries
    if start > 0:
        sp = text.find(" ", start, start + 30)
        start = sp + 1 if sp != -1 and (focus is None or sp < focus) else start
    if end < text_len:
        sp = text.rfind(" ", end - 30, end)
        end = sp if sp != -1 else end
    return start, end


def _render(text: str, start: int, end: int, pat: "Matcher | None",
            span: tuple[int, int] | None = None
            ) -> tuple[str, list[tuple[int, int]], tuple[int, int] | None]:
    """text[start:end] with its runs of whitespace made one space, "… " / " …" where it
    was cut; the query's words in it; and where ``span`` (offsets in text) landed."""
    words = text[start:end].split()
    snippet = " ".join(words)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    where = None
    if span is not None:
        a, b = max(span[0], start), min(span[1], end)
        if b > a:
            # whitespace runs collapse: count the words' characters before each end
            sa = len(prefix) + len(" ".join(text[start:a].split())) + (
                1 if a > start and text[a - 1].isspace() and text[start:a].strip() else 0)
            sb = len(prefix) + len(" ".join(text[start:b].split()))
            if sb > sa:
                where = (sa, sb)
    snippet = prefix + snippet + suffix
    return snippet, highlight_spans(snippet, pat), where


# -- sentences ---------------------------------------------------------------------------

# a sentence ends at . ! ? … (and closing quotes/brackets) followed by a space and what
# can start a sentence (not a lower-case word: "e.g. this", "cf. the"), at a blank line,
# or at the end of a short line (a heading, a list item; a PDF's wrapped lines are long)
_SENT_END = regex.compile(
    r"[.!?\u2026\u3002\uff01\uff1f]+[\"'\u201d\u2019)\]]*(?=\s+[^\p{Ll}\s]|\s*$)"
    r"|[\u3002\uff01\uff1f]|(?=\n[ \t]*\n)", regex.V1)
SHORT_LINE = 60                 # a line this short ends its sentence
MIN_SENTENCE_CHARS = 12         # a shorter piece ("Fig. 3.", "Yes.") joins the next


def sentences(text: str) -> list[tuple[int, int]]:
    """The sentences of text as (start, end) spans, without the whitespace around them."""
    cuts: list[int] = []
    for m in _SENT_END.finditer(text):
        cuts.append(m.end())
    pos = 0
    for line in text.splitlines(keepends=True):
        end = pos + len(line)
        body = line.strip()
        if body and len(body) < SHORT_LINE and end < len(text):
            cuts.append(end)
        pos = end
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in sorted(set(cuts)) + [len(text)]:
        if cut <= start:
            continue
        a, b = _strip_span(text, start, cut)
        if b > a:
            if spans and (spans[-1][1] - spans[-1][0] < MIN_SENTENCE_CHARS) \
                    and "\n\n" not in text[spans[-1][1]:a]:
                spans[-1] = (spans[-1][0], b)
            else:
                spans.append((a, b))
        start = cut
    return spans


def _strip_span(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b
