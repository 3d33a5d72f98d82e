"""BM25 with a question's alternative words (index/vocabulary.py) scored at a reduced weight."""

from __future__ import annotations

import numpy as np
import pytest

from index.bm25 import Bm25Index

DOCS = [
    "Herpes zoster occurred in 2% of patients on upadacitinib.",
    "Screen for latent tuberculosis before starting a JAK inhibitor.",
    "Upadacitinib may be combined with methotrexate.",
    "Live vaccines should be avoided during therapy with upadacitinib.",
]


@pytest.fixture(scope="module")
def index() -> Bm25Index:
    return Bm25Index.build(DOCS)


def test_an_alternative_finds_what_the_question_alone_cannot(index: Bm25Index) -> None:
    assert index.search("shingles", 10) == []
    assert [row for row, _ in index.search("shingles", 10, ["herpes zoster"], 0.5)] == [0]


def test_alternatives_score_at_their_weight(index: Bm25Index) -> None:
    alone = dict(index.search("herpes zoster", 10))
    expanded = dict(index.search("shingles in patients on methotrexate", 10, ["herpes zoster"], 0.5))
    plain = dict(index.search("shingles in patients on methotrexate", 10))
    assert expanded[0] == pytest.approx(plain[0] + 0.5 * alone[0])
    assert expanded[2] == pytest.approx(plain[2])  # no alternative term in it


def test_terms_the_question_has_are_not_counted_twice(index: Bm25Index) -> None:
    assert index.search("latent tuberculosis", 10, ["tuberculosis"], 0.5) == index.search("latent tuberculosis", 10)


def test_expanded_search_is_the_best_of_the_scores(index: Bm25Index) -> None:
    scores = index.scores("shingles vaccines", ["herpes zoster"], 0.5)
    hits = index.search("shingles vaccines", 2, ["herpes zoster"], 0.5)
    best = np.argsort(-scores, kind="stable")[:2]
    assert [row for row, _ in hits] == [int(r) for r in best]
    assert [score for _, score in hits] == pytest.approx(scores[best].tolist())


def test_weight_zero_leaves_the_ranking_alone(index: Bm25Index) -> None:
    assert index.search("shingles vaccines", 10, ["herpes zoster"], 0.0) == index.search("shingles vaccines", 10)


def test_a_shortened_word_completes_to_the_terms_the_corpus_uses(index: Bm25Index) -> None:
    """Clinicians shorten what the corpus spells out ("upa", "tofa"); two letters are too short to tell."""
    assert index.completions("upa") == ["upadacitinib"]
    assert index.completions("up") == []
    assert index.completions("zzz") == []
