"""A token bucket per client: up to `limit` requests at once, refilled at `limit` per `window_seconds`, so a
client within that rate is never refused and a burst is cut off at `limit`.

Per process: each server process (uvicorn worker, replica) keeps its own buckets, so N processes let a client make
up to N × `limit` requests per window. That bounds a flood from one client on each process, which is what it is
for; a limit shared across replicas would need a shared store on every request.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MOST_CLIENTS = 10_000  # buckets kept before the full (idle) ones are dropped: memory stays bounded under many hosts


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError(f"a rate limit needs limit >= 1 and a positive window, not {limit} per {window_seconds}s")
        self.limit = limit
        self._rate = limit / window_seconds  # tokens per second
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def clients(self) -> int:
        """How many clients' buckets are kept."""
        return len(self._buckets)

    def acquire(self, client: str) -> int | None:
        """Takes one request of `client`'s allowance: None when allowed, else whole seconds until it would be."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= MOST_CLIENTS:
                    self._forget_idle(now)
                bucket = self._buckets[client] = _Bucket(float(self.limit), now)
            bucket.tokens = min(float(self.limit), bucket.tokens + (now - bucket.at) * self._rate)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return max(1, math.ceil((1 - bucket.tokens) / self._rate))

    def _forget_idle(self, now: float) -> None:
        """Drops the buckets that have refilled (a returning client starts full, as it would anyway); if none
        have, the oldest half, which at worst lets those clients start afresh."""
        full = [client for client, b in self._buckets.items() if b.tokens + (now - b.at) * self._rate >= self.limit]
        for client in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[client]
