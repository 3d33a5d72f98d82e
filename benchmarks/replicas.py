"""`python -m benchmarks.replicas`: how soon a status change made on one server replica is served alike by another
sharing the same PostgreSQL (target: p99 ≤ 1 s over many retractions and approvals).

Starts two `followup serve` replicas on one index folder and a throwaway PostgreSQL (`tests/postgres.py`, from
Debian's binaries; or `--overrides-url`), retracts and re-approves the seed article `--changes` times through the
admin API, and prints p50/p99/max seconds until both serve the change, with the load average. The test suite checks
the behaviour with a few changes (tests/api/test_replicas_e2e.py); this measures it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from benchmarks.load import cli_build, free_port, start_server, wait_ready

REPO = Path(__file__).resolve().parents[1]
SEED_ID = "ab6a97c2e0394c38"
TOKEN = "replica-benchmark-token"


class NotServedAlike(Exception):
    """A status change that the replicas did not all serve in time."""


def served(client: httpx.Client, base: str) -> bool:
    """Whether the replica at `base` serves the seed article."""
    response = client.get(f"{base}/v1/articles/{SEED_ID}")
    if response.status_code not in (200, 404):
        raise NotServedAlike(f"{base}: GET the seed article answered {response.status_code}: {response.text}")
    return response.status_code == 200


def change(client: httpx.Client, base: str, status: str, token: str) -> None:
    """Sets the seed article's status through the admin API of the replica at `base`."""
    response = client.post(
        f"{base}/v1/admin/articles/{SEED_ID}/status",
        json={"status": status, "reason": "replicas"},
        headers={"Authorization": f"Bearer {token}"},
    )
    if response.status_code != 200:
        raise NotServedAlike(f"{base}: the status change answered {response.status_code}: {response.text}")


def seconds_until_both(client: httpx.Client, bases: list[str], status: str, token: str, limit: float = 30.0) -> float:
    """Changes the seed's status on the first replica; seconds from the request until every replica serves it
    alike. The replica that took the change serves it from its next request on; the others within `limit`."""
    want = status == "approved"
    started = time.perf_counter()
    change(client, bases[0], status, token)
    if served(client, bases[0]) is not want:
        raise NotServedAlike(f"{status}: the replica that took the change does not serve it")
    while not all(served(client, base) is want for base in bases):
        if time.perf_counter() - started > limit:
            raise NotServedAlike(f"{status} not served alike within {limit:g} s")
    return time.perf_counter() - started


def p99(samples: list[float]) -> float:
    return sorted(samples)[math.ceil(0.99 * len(samples)) - 1]


@contextlib.contextmanager
def _postgres(url: str | None) -> Iterator[str]:
    if url is not None:
        yield url
        return
    from tests.postgres import running_postgres  # a throwaway server, as the tests start it

    with running_postgres() as server:
        yield server.create_database("replicas_benchmark")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--changes", type=int, default=101, help="retractions, each followed by an approval")
    parser.add_argument("--overrides-url", default=None, help="an existing PostgreSQL (default: a throwaway one)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work, _postgres(args.overrides_url) as url:
        index = Path(work) / "index"
        print(f"building the index of {args.corpus} … {cli_build(args.corpus, index)}", flush=True)
        os.environ["FOLLOWUP_OVERRIDES_URL"] = url
        ports = [free_port(), free_port()]
        processes = [start_server(index, port, TOKEN, Path(work) / f"replica-{port}.log") for port in ports]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            for base, process in zip(bases, processes, strict=True):
                wait_ready(base, process, Path(work) / "replica.log")
            load_before = [round(v, 2) for v in os.getloadavg()]
            retracted: list[float] = []
            approved: list[float] = []
            with httpx.Client(timeout=10) as client:
                for _ in range(args.changes):
                    retracted.append(seconds_until_both(client, bases, "retracted", TOKEN))
                    approved.append(seconds_until_both(client, bases, "approved", TOKEN))
        except NotServedAlike as exc:
            raise SystemExit(f"error: {exc}") from None
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    figures = {
        "changes": args.changes,
        "retracted_p50_ms": round(sorted(retracted)[len(retracted) // 2] * 1000, 1),
        "retracted_p99_ms": round(p99(retracted) * 1000, 1),
        "retracted_max_ms": round(max(retracted) * 1000, 1),
        "approved_p99_ms": round(p99(approved) * 1000, 1),
        "load_average_before": load_before,
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print(json.dumps(figures, indent=2))
    worst = max(p99(retracted), p99(approved)) * 1000
    print(f"target p99 ≤ 1000 ms: {worst:.1f} ms, {'met' if worst <= 1000 else 'missed'}")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
