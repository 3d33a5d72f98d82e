"""The canary's rule: no error, p95 within max(2 × old, old + 50 ms), hit@3 no lower than old − 0.05."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from index.fleet import FleetSettings, ProbeFigures, judge

SETTINGS = FleetSettings(probe_latency_factor=2.0, probe_latency_slack_ms=50, probe_hit_margin=0.05)
OLD = ProbeFigures("gen-old", questions=20, errors=0, p95_ms=40.0, hit_at_3=0.90)


NEW = ProbeFigures("gen-new", questions=20, errors=0, p95_ms=40.0, hit_at_3=0.90)


def new(**changes: Any) -> ProbeFigures:
    return replace(NEW, **changes)


def test_a_generation_like_the_old_one_holds() -> None:
    verdict = judge(new(), OLD, SETTINGS)
    assert verdict.holds and "hit@3 0.900" in verdict.reason


def test_any_error_fails_and_names_the_question() -> None:
    verdict = judge(new(errors=1, first_error="'q': IndexError: boom"), OLD, SETTINGS)
    assert not verdict.holds and "1 of 20 probe questions failed" in verdict.reason and "boom" in verdict.reason


def test_latency_bound_is_the_larger_of_twice_and_plus_50_ms() -> None:
    assert judge(new(p95_ms=90.0), OLD, SETTINGS).holds  # old + 50 ms > 2 × old
    assert not judge(new(p95_ms=90.5), OLD, SETTINGS).holds
    slow_old = ProbeFigures("gen-old", 20, 0, 200.0, 0.9)
    assert judge(new(p95_ms=400.0), slow_old, SETTINGS).holds  # 2 × old > old + 50 ms
    verdict = judge(new(p95_ms=401.0), slow_old, SETTINGS)
    assert not verdict.holds and "over the bound 400 ms" in verdict.reason


def test_hit_at_3_may_drop_by_the_margin_only() -> None:
    assert judge(new(hit_at_3=0.85), OLD, SETTINGS).holds
    verdict = judge(new(hit_at_3=0.80), OLD, SETTINGS)
    assert not verdict.holds and "hit@3 0.800 below 0.850" in verdict.reason


def test_without_a_baseline_only_errors_count_and_an_empty_probe_fails() -> None:
    assert judge(new(hit_at_3=0.0, p95_ms=5000.0), None, SETTINGS).holds
    assert not judge(new(questions=0), None, SETTINGS).holds
