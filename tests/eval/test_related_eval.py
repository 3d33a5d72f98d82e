"""The MedQuAD relatedness gold (shared CUI or focus) and the related-question figures."""

from __future__ import annotations

import numpy as np

from corpus.model import Article, ReviewStatus
from eval.related import Figures, half, related_pairs, score
from rag.related import Candidates


def article(article_id: str, focus: str | None, cuis: list[str]) -> Article:
    return Article(
        id=article_id,
        question=focus or article_id,
        status=ReviewStatus.APPROVED,
        last_updated="2023-10-17",  # type: ignore[arg-type]
        metadata={"focus": focus, "cuis": cuis},
    )


def test_partners_share_a_cui_or_the_focus() -> None:
    articles = [
        article("a", "Asthma", ["C1"]),
        article("b", "asthma ", []),  # same focus, other case and spacing
        article("c", "Wheezing", ["C1", "C2"]),
        article("d", "Gout", ["C9"]),
    ]
    partners = related_pairs(articles)
    assert partners["a"] == {"b", "c"}
    assert partners["b"] == {"a"}
    assert partners["c"] == {"a"}
    assert "d" not in partners or partners["d"] == set()


def test_halves_are_stable_and_both_used() -> None:
    ids = [f"medquad-{i}" for i in range(200)]
    assert {half(i) for i in ids} == {"tune", "test"}
    assert [half(i) for i in ids] == [half(i) for i in ids]


def test_figures_count_recall_precision_and_empty_lists() -> None:
    vectors = np.eye(3, dtype=np.float32)
    candidates = {
        "q1": Candidates(
            [article("p", None, []), article("x", None, [])], np.array([0.8, 0.7], dtype=np.float32), None, vectors[:2]
        ),
        "q2": Candidates([article("y", None, [])], np.array([0.2], dtype=np.float32), None, vectors[:1]),
    }
    partners = {"q1": {"p", "p2"}, "q2": {"z"}}
    figures = score(candidates, partners, floor=0.5, duplicate_above=1.0)
    assert figures == Figures(
        queries=2,
        recall_at_5=0.25,  # q1 found 1 of 2, q2 found 0 of 1
        capped_recall_at_5=0.25,
        precision=0.5,  # p related, x not; q2 returned nothing (below the floor)
        mean_items=1.0,
        empty_lists=0.5,
        hit_at_1=1.0,
    )
