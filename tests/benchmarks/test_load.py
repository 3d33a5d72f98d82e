"""The load benchmark's arithmetic and arguments (the benchmark itself runs outside pytest)."""

from __future__ import annotations

import pytest

from benchmarks.load import Outcome, format_table, growth_pct, load_questions, parse_args, summarize
from tests.conftest import REPO


def test_summary_counts_non_2xx_and_connection_errors_as_failures() -> None:
    outcomes = [Outcome(0.0, 0.1 * (i + 1), 200) for i in range(97)]
    outcomes += [Outcome(1.0, 0.5, 503), Outcome(1.0, 0.5, 422), Outcome(1.0, 30.0, None)]
    summary = summarize(outcomes, seconds=50.0, concurrency=4)
    assert summary.requests == 100 and summary.failures == 3
    assert summary.statuses == {"200": 97, "422": 1, "503": 1, "error": 1}
    assert summary.requests_per_s == 2.0
    assert summary.max_ms == 30000.0
    assert summary.p50_ms <= summary.p95_ms <= summary.p99_ms <= summary.max_ms


def test_404_for_a_retracted_context_article_is_not_a_failure() -> None:
    outcomes = [Outcome(0.0, 0.1, 200), Outcome(5.0, 0.1, 404, expected_rejection=True), Outcome(5.0, 0.1, 404)]
    summary = summarize(outcomes, seconds=10.0, concurrency=1)
    assert (summary.failures, summary.expected_rejections) == (1, 1)


def test_percentiles_of_a_known_distribution() -> None:
    summary = summarize([Outcome(0.0, i / 1000, 200) for i in range(1, 1001)], seconds=10.0, concurrency=1)
    assert (summary.p50_ms, summary.p95_ms, summary.p99_ms) == pytest.approx((500.5, 950.05, 990.01), abs=0.1)


def test_rss_growth() -> None:
    assert growth_pct(500.0, 540.0) == 8.0 and growth_pct(0.0, 10.0) == 0.0


def test_table_says_when_the_retraction_was_not_checked() -> None:
    summary = summarize([], seconds=1.0, concurrency=1)
    summary.retracted = "abc"
    assert "not checked" in format_table(summary)


def test_arguments_are_bounded() -> None:
    args = parse_args([])
    assert (args.seconds, args.concurrency) == (180.0, 16)
    for bad in (["--seconds", "0"], ["--concurrency", "1000"], ["--gold", "missing.jsonl"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


def test_questions_carry_their_context() -> None:
    bodies = load_questions(REPO / "eval" / "gold" / "sample.jsonl")
    assert len(bodies) >= 40 and all(body["question"] for body in bodies)
    assert any("article_id" in body or "history" in body for body in bodies)
