"""A question as BM25 terms: its own, the answer types it asks for, and what else the corpus calls them
(rag/language/bm25_query.py)."""

from __future__ import annotations

import pytest

from index.bm25 import Bm25Index
from index.tokenize import Tokenizer
from index.vocabulary import Vocabulary
from rag.language.alternatives import VocabularyLookup
from rag.language.bm25_query import Bm25Queries

tokenize = Tokenizer()
VOCABULARY = Vocabulary({"shingl": ("herpes zoster",), "tb": ("tuberculosis",)}, {})
DOCS = [
    "Herpes zoster occurred in 2% of patients on upadacitinib.",
    "Screen for latent tuberculosis before starting a JAK inhibitor.",
    "Upadacitinib may be combined with methotrexate.",
    "Live vaccines should be avoided during therapy with upadacitinib.",
    "Hot tub folliculitis usually resolves without treatment.",
]


def test_alternatives_come_at_their_weight_less_the_terms_the_question_has() -> None:
    queries = Bm25Queries(tokenize, vocabulary=VocabularyLookup(VOCABULARY, tokenize), weight=0.5)
    query = queries("shingles or herpes?")
    assert query.terms == ["shingl", "herp"]
    assert query.alternatives == ["zoster"]  # "herp" is the question's own already
    assert query.weight == 0.5


def test_without_a_vocabulary_or_its_weight_nothing_is_looked_up() -> None:
    lookup = VocabularyLookup(VOCABULARY, tokenize)
    for queries in (Bm25Queries(tokenize), Bm25Queries(tokenize, vocabulary=lookup, weight=0.0)):
        assert queries.alternatives("shingles?") == []
        assert queries("shingles?").alternatives == []


def test_types_are_asked_only_of_an_index_that_holds_them() -> None:
    assert Bm25Queries(tokenize, answer_types=True)("what's the dose?").terms == ["what", "dose", "@dose"]
    assert Bm25Queries(tokenize)("what's the dose?").terms == ["what", "dose"]


@pytest.mark.parametrize("question", ["shingles on upadacitinib", "TB screening first?"])
def test_the_index_scores_the_query_as_a_boosted_synonym_clause(question: str) -> None:
    index = Bm25Index.build(DOCS)
    query = Bm25Queries(tokenize, vocabulary=VocabularyLookup(VOCABULARY, tokenize), weight=0.5)(question)
    expanded = index.scores(query.terms, query.alternatives, query.weight)
    assert expanded.tolist() == pytest.approx(
        (index.scores(query.terms) + 0.5 * index.scores(query.alternatives)).tolist()
    )
    top = index.search(query.terms, 1, query.alternatives, query.weight)
    assert top == [(int(expanded.argmax()), pytest.approx(expanded.max()))] and top[0][1] > 0
