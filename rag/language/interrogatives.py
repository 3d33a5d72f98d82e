"""The wh-words (lexicons/interrogatives.tsv): they say what kind of answer is wanted, never what a question is
about."""

from __future__ import annotations

from pathlib import Path

from index.lexicon import read_lexicon
from index.tokenize import Tokenizer

LEXICON = Path(__file__).parent / "lexicons" / "interrogatives.tsv"


def interrogative_terms(tokenize: Tokenizer) -> frozenset[str]:
    """The wh-words as BM25 terms (those the tokenizer keeps)."""
    return frozenset(tokenize(" ".join(sorted(read_lexicon(LEXICON).words()))))
