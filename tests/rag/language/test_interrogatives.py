"""The wh-words as BM25 terms (rag/language/interrogatives.py)."""

from __future__ import annotations

from index.tokenize import Tokenizer
from rag.language.interrogatives import interrogative_terms


def test_the_wh_words_are_the_terms_the_tokenizer_keeps() -> None:
    assert interrogative_terms(Tokenizer()) == {"what", "when", "where", "who", "whom", "whose", "how", "whi"}
    assert interrogative_terms(Tokenizer("english_and_question_words")) == frozenset()
