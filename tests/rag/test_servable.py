"""The approval decision: whatever the statuses (corpus and overrides), only approved articles are served."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.model import ReviewStatus
from index.embedder import Embedder
from index.overrides import Override, OverrideStore, SqliteOverrideStore
from index.store import LoadedIndex
from rag.answer import Answerer, UnknownArticle
from rag.servable import effective_status
from rag.settings import RelatedSettings, RetrievalSettings
from rag.types import Mode
from tests.conftest import SEED_ID

QUESTIONS = (
    "What share of biologic-naive ankylosing spondylitis patients reached ASAS40 at week 14 on upadacitinib?",
    "What are the treatment options for alopecia areata?",
    "steroids for shingles on upadacitinib",
    "vaccination before starting a JAK inhibitor",
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_answer_ever_contains_an_unapproved_article(
    data: st.DataObject, sample_index: LoadedIndex, embedder: Embedder
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteOverrideStore(Path(folder) / "overrides.sqlite")  # fresh per example
        try:
            _check_only_approved_are_served(
                data,
                Answerer(sample_index, embedder, RetrievalSettings(abstention=False), RelatedSettings(), store),
                store,
            )
        finally:
            store.close()


def _check_only_approved_are_served(data: st.DataObject, live: Answerer, store: OverrideStore) -> None:
    ids = sorted(live.index.articles)
    chosen = data.draw(st.dictionaries(st.sampled_from(ids), st.sampled_from(list(ReviewStatus))), label="overrides")
    for article_id, status in chosen.items():
        store.set_status(article_id, status, who="test", reason="property", old_status=None, generation=None)
    approved = {a for a in ids if live.servable.status(a) is ReviewStatus.APPROVED}
    assert approved == {a for a in ids if chosen.get(a, live.index.articles[a].status) is ReviewStatus.APPROVED}
    question = data.draw(st.sampled_from(QUESTIONS), label="question")
    for mode in Mode:
        answer = live.ask(question, top_k=50, mode=mode)
        served = {p.article_id for p in answer.passages}
        assert served <= approved
        if approved and mode is Mode.DENSE:
            assert len(answer.passages) == min(50, sum(1 for c in live.index.chunks if c.article_id in approved))
    for article_id in ids:
        if article_id in approved:
            assert live.approved_article(article_id).status is ReviewStatus.APPROVED
        else:
            with pytest.raises(UnknownArticle):
                live.approved_article(article_id)


def _override(status: ReviewStatus, included_in: str | None) -> Override:
    return Override(SEED_ID, status, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), included_in)


def test_an_override_applies_to_generations_older_than_the_one_that_includes_it(sample_index: LoadedIndex) -> None:
    article = sample_index.articles[SEED_ID]  # approved in the corpus
    retract = ReviewStatus.RETRACTED
    assert effective_status(article, None, "gen-2") is ReviewStatus.APPROVED
    assert effective_status(article, _override(retract, None), "gen-2") is retract
    # Included from gen-2 on: later generations follow the corpus, a rollback to gen-1 keeps the override.
    assert effective_status(article, _override(retract, "gen-2"), "gen-3") is ReviewStatus.APPROVED
    assert effective_status(article, _override(retract, "gen-2"), "gen-1") is retract
