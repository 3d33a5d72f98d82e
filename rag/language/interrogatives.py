"""The wh-words: they say what kind of answer is wanted, never what a question is about."""

from __future__ import annotations

from index.tokenize import Tokenizer

INTERROGATIVES = frozenset("what when where who whom whose how why".split())


def interrogative_terms(tokenize: Tokenizer) -> frozenset[str]:
    """The wh-words as BM25 terms (those the tokenizer keeps)."""
    return frozenset(tokenize(" ".join(sorted(INTERROGATIVES))))
