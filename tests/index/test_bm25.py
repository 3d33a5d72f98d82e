"""BM25 over already-weighted query terms: alternatives (other words for what a question says) scored at a reduced
weight (the question's side: tests/rag/language/test_bm25_query.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.bm25 import Bm25Index
from index.tokenize import Tokenizer

tokenize = Tokenizer()

DOCS = [
    "Herpes zoster occurred in 2% of patients on upadacitinib.",
    "Screen for latent tuberculosis before starting a JAK inhibitor.",
    "Upadacitinib may be combined with methotrexate.",
    "Live vaccines should be avoided during therapy with upadacitinib.",
]
ZOSTER = tokenize("herpes zoster")


@pytest.fixture(scope="module")
def index() -> Bm25Index:
    return Bm25Index.build(DOCS)


def test_an_alternative_finds_what_the_question_alone_cannot(index: Bm25Index) -> None:
    assert index.search(tokenize("shingles"), 10) == []
    assert [row for row, _ in index.search(tokenize("shingles"), 10, ZOSTER, 0.5)] == [0]


def test_alternatives_score_at_their_weight(index: Bm25Index) -> None:
    alone = dict(index.search(ZOSTER, 10))
    question = tokenize("shingles in patients on methotrexate")
    expanded = dict(index.search(question, 10, ZOSTER, 0.5))
    plain = dict(index.search(question, 10))
    assert expanded[0] == pytest.approx(plain[0] + 0.5 * alone[0])
    assert expanded[2] == pytest.approx(plain[2])  # no alternative term in it


def test_a_term_given_twice_counts_twice(index: Bm25Index) -> None:
    once, twice = dict(index.search(["tuberculosi"], 10)), dict(index.search(["tuberculosi"] * 2, 10))
    assert twice[1] == pytest.approx(2 * once[1])


def test_expanded_search_is_the_best_of_the_scores(index: Bm25Index) -> None:
    question = tokenize("shingles vaccines")
    scores = index.scores(question, ZOSTER, 0.5)
    hits = index.search(question, 2, ZOSTER, 0.5)
    best = np.argsort(-scores, kind="stable")[:2]
    assert [row for row, _ in hits] == [int(r) for r in best]
    assert [score for _, score in hits] == pytest.approx(scores[best].tolist())


def test_weight_zero_leaves_the_ranking_alone(index: Bm25Index) -> None:
    question = tokenize("shingles vaccines")
    assert index.search(question, 10, ZOSTER, 0.0) == index.search(question, 10)


def test_the_index_lists_its_terms(index: Bm25Index) -> None:
    assert {"upadacitinib", "zoster", "tuberculosi"} <= set(index.terms())
    assert "shingl" not in index.terms()


def test_a_loaded_index_reads_its_files_mapped_through_plain_arrays(index: Bm25Index, tmp_path: Path) -> None:
    """Still mapped (no private copy), but not np.memmap: a memmap's slices run Python on every posting list."""
    index.save(tmp_path)
    loaded = Bm25Index.load(tmp_path, len(DOCS), tokenize.stopwords_name, stem=True)
    for name in ("data", "indices", "indptr"):
        array = loaded._model.scores[name]
        assert type(array) is np.ndarray and not array.flags.owndata
    assert loaded.search(ZOSTER, 2) == index.search(ZOSTER, 2)
