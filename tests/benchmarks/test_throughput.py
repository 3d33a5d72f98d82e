"""The throughput benchmark's question kinds and the limit it states beside its figures (wrk itself is not run)."""

from __future__ import annotations

import pytest

from benchmarks.throughput import encoder_limit, of_kind

BODIES: list[dict[str, object]] = [
    {"question": "plain?"},
    {"question": "on the page?", "article_id": "a"},
    {"question": "after a turn?", "history": ["earlier?"]},
    {"question": "both?", "article_id": "a", "history": ["earlier?"]},
]


def test_plain_questions_have_no_context_and_follow_ups_an_open_article() -> None:
    assert [b["question"] for b in of_kind(BODIES, "plain")] == ["plain?"]
    assert [b["question"] for b in of_kind(BODIES, "followup")] == ["on the page?", "both?"]
    assert of_kind(BODIES, "all") == BODIES


@pytest.mark.slow
def test_the_encoder_limit_is_the_served_encoders_rate_times_the_cores() -> None:
    limit = encoder_limit(["What dose of upadacitinib?", "Which vaccines before starting?"] * 10, cores=2)
    assert limit.questions == 20 and limit.cores == 2 and limit.ms_per_question > 0
    assert limit.requests_per_s == pytest.approx(2 * 1000 / limit.ms_per_question, rel=0.01)
