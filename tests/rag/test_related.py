"""Related questions over the sample corpus: only what is truly related, never padded, never unapproved."""

from __future__ import annotations

import numpy as np
import pytest

from corpus.model import Article, ReviewStatus
from rag.answer import Answerer
from rag.related import Candidates, RelatedFinder
from rag.settings import RelatedSettings
from tests.conftest import SEED_ID

# Articles about upadacitinib (and so about the seed's drug); the rest of the sample corpus is about weight loss,
# hot tub folliculitis and alopecia areata.
UPADACITINIB = {"74595391ef825f8b", "4c0f9abcf5e8ef78", "d933c7ea9197f845", "d84228b7dcb0eda4"}
NOT_APPROVED = {"0b8267243f1606b2", "0df9f466bd3a078b"}


def finder(answerer: Answerer) -> RelatedFinder:
    assert answerer.related is not None
    return answerer.related


def test_seed_lists_only_upadacitinib_articles(answerer: Answerer) -> None:
    items = finder(answerer).for_article(answerer.approved_article(SEED_ID), 20)
    ids = [i.article_id for i in items]
    assert ids and set(ids) <= UPADACITINIB
    assert SEED_ID not in ids
    assert [i.score for i in items] == sorted((i.score for i in items), reverse=True)
    assert all(i.review_status is ReviewStatus.APPROVED for i in items)


def test_weight_loss_plan_is_never_next_to_the_seed(answerer: Answerer) -> None:
    for k in (1, 5, 20):
        ids = {i.article_id for i in finder(answerer).for_article(answerer.approved_article(SEED_ID), k)}
        assert "27b8483195f9c2f0" not in ids and len(ids) <= k


def test_unrelated_article_gets_a_short_list_not_a_padded_one(answerer: Answerer) -> None:
    hot_tub = answerer.approved_article("c083de5c99285477")
    assert finder(answerer).for_article(hot_tub, 5) == []


def test_unapproved_articles_are_never_listed(answerer: Answerer) -> None:
    related = finder(answerer)
    # The index holds every article (rag/servable.py decides what is served): seed from each servable one.
    for article_id in [a for a in answerer.index.articles if answerer.is_servable(a)]:
        items = related.for_article(answerer.approved_article(article_id), 20)
        assert not {i.article_id for i in items} & NOT_APPROVED
    assert not {i.article_id for i in related.for_text("alopecia areata treatment options", 20)} & NOT_APPROVED


def test_text_query_finds_the_matching_article(answerer: Answerer) -> None:
    items = finder(answerer).for_text("weight loss plan with walking and yoga", 5)
    assert items[0].article_id == "27b8483195f9c2f0"


def test_the_approval_gate_is_the_one_place_that_decides(answerer: Answerer) -> None:
    """A rule added to the gate (say, a retraction) applies to related questions too."""
    gate = RelatedFinder(answerer.index.article_index, answerer.embedder.encode, lambda _id: None, RelatedSettings())  # type: ignore[arg-type]
    assert gate.for_article(answerer.approved_article(SEED_ID), 5) == []


def _article(article_id: str) -> Article:
    return Article(
        id=article_id, question=f"Question {article_id}?", status=ReviewStatus.APPROVED, last_updated="2026-01-01"
    )  # type: ignore[arg-type]


def test_near_duplicates_keep_the_better_item_only() -> None:
    a, b, c = np.eye(3, dtype=np.float32)
    near_a = (a + 0.05 * b) / np.linalg.norm(a + 0.05 * b)
    candidates = Candidates(
        [_article("a"), _article("a2"), _article("c")],
        np.array([0.9, 0.85, 0.6], dtype=np.float32),
        None,
        np.stack([a, near_a, c]).astype(np.float32),
    )
    assert [i.article_id for i in RelatedFinder.select(candidates, 5, 0.0, 0.95, 0.5)] == ["a", "c"]
    assert [i.article_id for i in RelatedFinder.select(candidates, 5, 0.0, 1.0, 0.5)] == ["a", "a2", "c"]


def test_bm25_relative_to_the_seed_is_mixed_in() -> None:
    candidates = Candidates(
        [_article("a"), _article("b")],
        np.array([0.6, 0.5], dtype=np.float32),
        np.array([0.0, 1.0], dtype=np.float32),
        np.eye(2, dtype=np.float32),
    )
    assert [i.article_id for i in RelatedFinder.select(candidates, 5, 0.0, 1.0, 0.0)] == ["a", "b"]
    mixed = RelatedFinder.select(candidates, 5, 0.0, 1.0, 0.5)
    assert [(i.article_id, i.score) for i in mixed] == [("b", 0.75), ("a", 0.3)]


@pytest.mark.parametrize(("floor", "expected"), [(0.0, ["a", "c"]), (0.7, ["a"]), (0.95, [])])
def test_nothing_below_the_floor(floor: float, expected: list[str]) -> None:
    candidates = Candidates(
        [_article("a"), _article("c")], np.array([0.9, 0.6], dtype=np.float32), None, np.eye(2, dtype=np.float32)
    )
    assert [i.article_id for i in RelatedFinder.select(candidates, 5, floor, 0.95, 0.5)] == expected
