"""The throughput benchmark's question kinds and the limit it states beside its figures (wrk itself is not run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.throughput import encoder_limit, of_kind, reader_limit

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


@pytest.mark.slow
def test_the_reader_limit_adds_the_readers_time_to_the_encoders(sample_index_dir: Path) -> None:
    encoder = encoder_limit(["What dose of upadacitinib?"] * 5, cores=2)
    bodies: list[dict[str, object]] = [{"question": "What dose of upadacitinib?"}] * 12
    bodies += [{"question": "and in pregnancy?", "article_id": "ab6a97c2e0394c38"}] * 12
    reading = reader_limit(bodies, sample_index_dir, encoder)
    assert reading is not None and reading.questions == 24 and reading.ms_per_question > 0
    both = 2 * 1000 / (reading.ms_per_question + encoder.ms_per_question)
    assert reading.encoder_and_reader_requests_per_s == pytest.approx(both, rel=0.01)
    assert reading.encoder_and_reader_requests_per_s < min(reading.requests_per_s, encoder.requests_per_s)
