"""Which language a text is in (py3langid: 97 languages, its model ships in the wheel).

Used to pick a stemmer for the word index, to tell whether a collection or a query is
mostly English (the default model's only language), and to trust words more when the
model does not know the query's language.
"""
from __future__ import annotations

import threading
from typing import Any, Iterable
from dataclasses import dataclass

# Below this many letters a guess is noise: "tsunami" is not Quechua.
MIN_LETTERS = 12
SURE = 0.8

_lock = threading.Lock()
_identifier = None


@dataclass(frozen=True)
class Language:
    code: str          # ISO 639-1, e.g. "en", "pt", "zh"; "und" when unknown
    confidence: float  # 0..1 (normalised probability); 0 when the text is too short

    @property
    def sure(self) -> bool:
        return self.code != "und" and self.confidence >= SURE


UNKNOWN = Language("und", 0.0)


def _model() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            import py3langid.langid as langid

            _identifier = langid.LanguageIdentifier.from_modelpath(
                langid.MODEL_DIR / langid.MODEL_FILE, norm_probs=True)
        return _identifier


def preload() -> None:
    """Load the model on a background thread (0.7 s) so the first query, which asks for
    its language, does not wait for it in full."""
    if _identifier is None:
        threading.Thread(target=_model, name="langid-load", daemon=True).start()


def letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


#: how much more likely a language the library is written in is, a priori, than one it
#: holds none of (per unit of its share): a short Portuguese question that py3langid
#: half-calls Galician is Portuguese when the files are
PRIOR_WEIGHT = 4.0


def detect(text: str, *, min_letters: int = MIN_LETTERS,
           prior: dict[str, float] | None = None) -> Language:
    """The most likely language of text, or UNKNOWN when there is too little to tell.

    ``prior`` (language -> share of the library's text) weighs the languages the user's
    files are in: close languages (Portuguese and Galician, Spanish and Catalan) are told
    apart by what the library holds, as a person would."""
    sample = text[:4000]
    n = letters(sample)
    # CJK scripts carry a word in one or two characters: a short text still tells.
    if n < min_letters and not any(_is_cjk(ch) for ch in sample):
        return UNKNOWN
    if not prior:
        code, prob = _model().classify(sample)
        return Language(str(code), float(prob))
    ranked = _model().rank(sample)[:8]
    weighted = [(str(c), float(p) * (1.0 + PRIOR_WEIGHT * prior.get(str(c), 0.0))) for c, p in ranked]
    total = sum(w for _, w in weighted) or 1.0
    code, w = max(weighted, key=lambda cw: cw[1])
    return Language(code, w / total)


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF
            or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF)


#: the characters of a file that tell its language: on the dev collections' documents of
#: 2,000+ characters (English, Portuguese) the first 1,000 gave the same language as the
#: first 2,000 for every one, in 0.54 ms instead of 0.86 (py3langid walks the bytes in
#: Python): a 1M-passage library's build spends a minute less on it
LANGUAGE_SAMPLE = 1000


def text_language(texts: Iterable[str]) -> str:
    """The language of a file's text (its first ``LANGUAGE_SAMPLE`` characters), "und"
    when it cannot be told: what its passages are stemmed for."""
    sample, n = [], 0
    for t in texts:
        sample.append(t)
        n += len(t)
        if n >= LANGUAGE_SAMPLE:
            break
    guess = detect(" ".join(sample)[:LANGUAGE_SAMPLE])
    return guess.code if guess.code != "und" and guess.confidence >= 0.5 else "und"
