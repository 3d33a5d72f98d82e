"""The open article first: a follow-up asked on an article page gets that article's claim when the article
answers it, and other articles' claims when it does not."""

from __future__ import annotations

from rag.answer import Answerer
from rag.context import context_parts, contextual_query, merge, placed_as_plain
from rag.types import FusedHit
from tests.conftest import SEED_ID

VACCINES = "d84228b7dcb0eda4"


def test_an_elliptical_follow_up_gets_the_open_article_claim(answerer: Answerer) -> None:
    ranked = answerer.search("what's the dose?", article_id="d933c7ea9197f845")
    top = [answerer.index.chunks[h.row] for h in ranked.hits[:3]]
    assert any(c.article_id == "d933c7ea9197f845" and "15 mg" in c.text for c in top)


def test_a_follow_up_the_article_does_not_cover_still_finds_another_article(answerer: Answerer) -> None:
    ranked = answerer.search("Is the shingles vaccine Shingrix recommended before starting?", article_id=SEED_ID)
    top = [answerer.index.chunks[h.row].article_id for h in ranked.hits[:3]]
    assert VACCINES in top


def test_the_open_article_answer_leads_only_where_the_follow_up_asks_for_it(answerer: Answerer) -> None:
    """The short answer restates the article's question, which the contextual query holds (the hub passage)."""
    article = answerer.index.articles[SEED_ID]
    chunks = answerer.index.chunks
    summary = {r for r in answerer.servable.rows_of(SEED_ID) if chunks[r].section == (article.answer_heading,)}
    assert summary
    asked = answerer.search("is it indicated in axSpA?", article_id=SEED_ID)
    assert asked.hits[0].row in summary
    other = answerer.search("is it safe in older smokers?", article_id=SEED_ID)
    assert not summary & {h.row for h in other.hits[:3]}


def test_rows_the_contextual_query_cannot_judge_take_their_plain_rank() -> None:
    plain = [FusedHit(row=r, fused=1.0) for r in (5, 7, 1, 9)]
    contextual = [FusedHit(row=r, fused=1.0) for r in (1, 2, 3)]
    assert [h.row for h in placed_as_plain(contextual, plain, frozenset({7, 9}))] == [1, 7, 2, 9, 3]
    assert [h.row for h in placed_as_plain(contextual, plain, frozenset())] == [1, 2, 3]


def test_contextual_query_starts_with_the_article_question_then_the_last_turns(answerer: Answerer) -> None:
    article = answerer.index.articles[SEED_ID]
    assert contextual_query("and in AS?", context_parts(None, [])) is None
    assert contextual_query("and in AS?", context_parts(None, ["a", "b", "c"])) == "b c and in AS?"
    assert contextual_query("and?", context_parts(article, [])) == f"{article.question} and?"
    assert contextual_query("and?", context_parts(article, ["a", "b", "c"])) == f"{article.question} b c and?"


def test_merge_is_by_rank_and_keeps_every_row() -> None:
    first = [FusedHit(row=1, fused=3.0), FusedHit(row=2, fused=2.0)]
    second = [FusedHit(row=3, fused=9.0), FusedHit(row=4, fused=1.0)]
    assert [h.row for h in merge(first, second, rrf_k=60)][:2] == [1, 3]  # equal ranks: the lower row first
    assert {h.row for h in merge(first, second, rrf_k=60)} == {1, 2, 3, 4}
    both = merge(first, [FusedHit(row=2, fused=5.0)], rrf_k=60)
    assert both[0].row == 2  # a row in both lists leads
