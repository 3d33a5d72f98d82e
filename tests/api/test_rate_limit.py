"""The per-process token bucket (api/rate_limit.py), on a clock the test moves."""

from __future__ import annotations

import pytest

from api import rate_limit
from api.rate_limit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_past_the_limit_waits_until_a_request_is_allowed_again() -> None:
    clock = Clock()
    limiter = RateLimiter(3, 60, clock)
    assert [limiter.acquire("a") for _ in range(3)] == [None, None, None]
    assert limiter.acquire("a") == 20  # one token per 20 s
    assert limiter.acquire("b") is None  # each client has its own allowance
    clock.now += 19.5
    assert limiter.acquire("a") == 1
    clock.now += 0.5
    assert limiter.acquire("a") is None and limiter.acquire("a") == 20


def test_a_client_within_the_rate_is_never_refused() -> None:
    clock = Clock()
    limiter = RateLimiter(30, 60, clock)
    for _ in range(200):
        assert limiter.acquire("steady") is None
        clock.now += 2.0


def test_memory_stays_bounded_under_many_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "MOST_CLIENTS", 50)
    clock = Clock()
    limiter = RateLimiter(2, 60, clock)
    for client in range(500):
        limiter.acquire(f"host:{client}")
        limiter.acquire(f"host:{client}")
    assert limiter.clients <= 50


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="limit >= 1"):
        RateLimiter(0, 60)
