"""BM25 tokenisation: lower-cased words, English stop words dropped, Snowball-stemmed."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

# Keeps hyphenated and alphanumeric terms whole ("il-17", "covid-19") and single letters ("hepatitis b").
_TOKEN = re.compile(r"[a-z0-9]+(?:[-/][a-z0-9]+)*")
_STOPWORDS = frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """A hyphenated term counts whole and by its parts, so "IL-17" meets both "IL-17" and "IL 17"."""
    words: list[str] = []
    for term in _TOKEN.findall(text.lower()):
        parts = re.split(r"[-/]", term)
        words.extend(w for w in ([term, *parts] if len(parts) > 1 else parts) if w not in _STOPWORDS)
    return list(_stemmer().stemWords(words))
