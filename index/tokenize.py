"""BM25 tokenisation: lower-cased words, stop words dropped, Snowball-stemmed."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

StopwordSet = Literal["english", "english_and_question_words"]

# Keeps hyphenated and alphanumeric terms whole ("il-17", "covid-19") and single letters ("hepatitis b").
_TOKEN = re.compile(r"[a-z0-9]+(?:[-/][a-z0-9]+)*")
# The scaffolding of a question ("which … should I …"), which passages rarely share with the question. Content
# words a clinician might mean ("before", "after", "not", "first", "serious", "side") are deliberately absent.
QUESTION_WORDS = frozenset(
    (
        "which what when where who whom whose how why should would could can do does did i we you my our your me us "
        "has have had been being am any some"
    ).split()
)
STOPWORDS: dict[str, frozenset[str]] = {
    "english": frozenset(STOPWORDS_EN),
    "english_and_question_words": frozenset(STOPWORDS_EN) | QUESTION_WORDS,
}


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


class Tokenizer:
    def __init__(self, stopwords: StopwordSet = "english_and_question_words", stem: bool = True) -> None:
        self.stopwords_name = stopwords
        self._stopwords = STOPWORDS[stopwords]
        self._stem = stem

    def __call__(self, text: str) -> list[str]:
        """A hyphenated term counts whole and by its parts, so "IL-17" meets both "IL-17" and "IL 17"."""
        words: list[str] = []
        for term in _TOKEN.findall(text.lower()):
            parts = re.split(r"[-/]", term)
            words.extend(w for w in ([term, *parts] if len(parts) > 1 else parts) if w not in self._stopwords)
        return list(_stemmer().stemWords(words)) if self._stem else words
