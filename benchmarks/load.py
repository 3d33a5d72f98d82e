"""Bounded load test of a real `followup serve` on loopback: steady /v1/ask traffic with reloads and a retraction.

    python -m benchmarks.load [--seconds 180] [--concurrency 16] [--json var/bench/load.json]

Builds an index of --corpus into a scratch folder, starts the server there (admin enabled, random token), warms it
up, then runs --seconds of questions from the gold set at --concurrency. A quarter and three quarters in it builds
a newer index generation and reloads it; half way it retracts the article that answered most warm-up questions.
Reports requests, failures (non-2xx or connection errors; target 0), latency percentiles, requests/s and the
server's RSS (target: growth under 10%), and checks that no answer given after the retraction cites that article.
Loopback only, bounded in time; it stops the server it started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
RSS_EVERY_S = 10.0


@dataclass
class Event:
    name: str
    at_s: float
    outcome: str
    seconds: float


@dataclass
class Outcome:
    started: float  # seconds since the load began
    latency_s: float
    status: int | None  # None: connection error or timeout
    article_ids: tuple[str, ...] = ()
    # A 404 for a question asked in the context of the article just retracted: the API doing its job.
    expected_rejection: bool = False


@dataclass
class Summary:
    requests: int
    failures: int
    expected_rejections: int
    statuses: dict[str, int]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    requests_per_s: float
    seconds: float
    concurrency: int
    rss_start_mb: float = 0.0
    rss_end_mb: float = 0.0
    rss_growth_pct: float = 0.0
    rss_ready_mb: float = 0.0  # before the warm-up
    rss_samples_mb: list[float] = field(default_factory=list)  # every RSS_EVERY_S seconds of the load
    events: list[Event] = field(default_factory=list)
    retracted: str | None = None
    answers_after_retraction: int = 0
    retracted_served_after_retraction: int | None = None  # None: the retraction did not happen


def percentile_ms(latencies_s: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(latencies_s) * 1000, q)) if latencies_s else 0.0


def summarize(outcomes: list[Outcome], seconds: float, concurrency: int) -> Summary:
    """Counts and latency percentiles; a failure is anything but a 2xx (connection errors included), except the
    404s a retracted context article is meant to cause."""
    statuses = Counter("error" if o.status is None else str(o.status) for o in outcomes)
    expected = sum(1 for o in outcomes if o.expected_rejection)
    failures = sum(1 for o in outcomes if o.status is None or not 200 <= o.status < 300) - expected
    latencies = [o.latency_s for o in outcomes]
    return Summary(
        requests=len(outcomes),
        failures=failures,
        expected_rejections=expected,
        statuses=dict(sorted(statuses.items())),
        p50_ms=round(percentile_ms(latencies, 50), 1),
        p95_ms=round(percentile_ms(latencies, 95), 1),
        p99_ms=round(percentile_ms(latencies, 99), 1),
        max_ms=round(max(latencies, default=0.0) * 1000, 1),
        requests_per_s=round(len(outcomes) / seconds, 2) if seconds > 0 else 0.0,
        seconds=round(seconds, 1),
        concurrency=concurrency,
    )


def growth_pct(start: float, end: float) -> float:
    return round((end - start) / start * 100, 1) if start > 0 else 0.0


def load_questions(gold: Path) -> list[dict[str, Any]]:
    """Request bodies from the gold set, with the article and history context a clinician would send."""
    bodies = []
    for line in gold.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            body: dict[str, Any] = {"question": item["question"]}
            if item.get("article_id"):
                body["article_id"] = item["article_id"]
            if item.get("history"):
                body["history"] = item["history"]
            bodies.append(body)
    return bodies


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def cli_build(corpus: Path, index: Path) -> str:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "api", "index", "build", "--corpus", str(corpus), "--index", str(index)],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"error: index build failed: {result.stderr.strip().splitlines()[-1:]}")
    return f"built in {time.perf_counter() - started:.1f}s"


def _env(**extra: str) -> dict[str, str]:
    """The server's environment as `make serve` sets it (MALLOC_ARENA_MAX=2 unless the caller's differs)."""
    serve_defaults = {"MALLOC_ARENA_MAX": "2"}
    fixed = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    return {**serve_defaults, **os.environ, **fixed, **extra}


def rss_mb(process: psutil.Process) -> float:
    return round(float(process.memory_info().rss) / 2**20, 1)


def describe(response: httpx.Response) -> str:
    """One phrase for an admin call's result, naming a missing endpoint as such."""
    try:
        body = response.json()
    except ValueError:
        body = response.text[:200]
    if response.status_code == 404 and body == {"detail": "Not Found"}:
        return "endpoint missing (404)"
    return f"{response.status_code} {json.dumps(body)[:200]}"


class LoadTest:
    def __init__(
        self, args: argparse.Namespace, base: str, token: str, bodies: list[dict[str, Any]], server: psutil.Process
    ) -> None:
        self.args = args
        self.server = server
        self.rss_samples: list[float] = []
        self.base = base
        self.admin = {"Authorization": f"Bearer {token}"}
        self.bodies = bodies
        self.outcomes: list[Outcome] = []
        self.events: list[Event] = []
        self.retracted_at: float | None = None  # when the retraction was confirmed
        self.retraction_sent_at: float | None = None
        self.retract_id: str | None = None
        self.t0 = 0.0

    async def ask(self, client: httpx.AsyncClient, body: dict[str, Any]) -> Outcome:
        started = time.perf_counter()
        try:
            response = await client.post(f"{self.base}/v1/ask", json=body)
        except httpx.HTTPError:
            return Outcome(started - self.t0, time.perf_counter() - started, None)
        latency = time.perf_counter() - started
        ids: tuple[str, ...] = ()
        if response.status_code == 200:
            ids = tuple(p["article_id"] for p in response.json()["passages"])
        sent = self.retraction_sent_at
        expected = (
            response.status_code == 404
            and sent is not None
            and started - self.t0 >= sent
            and body.get("article_id") == self.retract_id
        )
        return Outcome(started - self.t0, latency, response.status_code, ids, expected)

    async def worker(self, client: httpx.AsyncClient, offset: int, deadline: float) -> None:
        i = offset
        while time.perf_counter() < deadline:
            self.outcomes.append(await self.ask(client, self.bodies[i % len(self.bodies)]))
            i += self.args.concurrency

    async def event(self, name: str, at: float, action: Any) -> None:
        await asyncio.sleep(max(0.0, self.t0 + at - time.perf_counter()))
        started = time.perf_counter()
        try:
            outcome = await action()
        except (httpx.HTTPError, SystemExit) as exc:
            outcome = f"failed: {exc}"
        self.events.append(Event(name, round(started - self.t0, 1), outcome, round(time.perf_counter() - started, 1)))

    async def reload(self, client: httpx.AsyncClient) -> str:
        built = await asyncio.to_thread(cli_build, self.args.corpus, self.args.index)
        response = await client.post(f"{self.base}/v1/admin/reload", headers=self.admin)
        return f"index {built}; reload: {describe(response)}"

    async def retract(self, client: httpx.AsyncClient, article_id: str) -> str:
        self.retract_id, self.retraction_sent_at = article_id, time.perf_counter() - self.t0
        response = await client.post(
            f"{self.base}/v1/admin/articles/{article_id}/status",
            headers=self.admin,
            json={"status": "retracted", "reason": "load test"},
        )
        if response.status_code == 200:
            self.retracted_at = time.perf_counter() - self.t0
        return f"retract {article_id}: {describe(response)}"

    async def sample_rss(self, deadline: float) -> None:
        while time.perf_counter() < deadline:
            self.rss_samples.append(rss_mb(self.server))
            await asyncio.sleep(RSS_EVERY_S)

    async def run(self, retract_id: str) -> float:
        """The load phase; returns its length. The reload builds start early so the reloads land mid-run."""
        seconds, concurrency = self.args.seconds, self.args.concurrency
        limits = httpx.Limits(max_connections=concurrency + 2)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            self.t0 = time.perf_counter()
            deadline = self.t0 + seconds
            events = asyncio.gather(
                self.event("reload 1", seconds * 0.15, lambda: self.reload(client)),
                self.event("retraction", seconds * 0.45, lambda: self.retract(client, retract_id)),
                self.event("reload 2", seconds * 0.6, lambda: self.reload(client)),
                self.sample_rss(deadline),
            )
            await asyncio.gather(*(self.worker(client, k, deadline) for k in range(concurrency)))
            elapsed = time.perf_counter() - self.t0
            await events  # a build still running (a very short run) finishes, unmeasured
        return elapsed


async def warm_up(base: str, bodies: list[dict[str, Any]], concurrency: int) -> Counter[str]:
    """Every question twice at the load's concurrency (so the server's thread pool and buffers exist before the
    RSS baseline is taken), counting which articles answer them."""
    cited: Counter[str] = Counter()
    queue = bodies * 2
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=concurrency)) as client:

        async def worker(offset: int) -> None:
            for body in queue[offset::concurrency]:
                response = await client.post(f"{base}/v1/ask", json=body)
                response.raise_for_status()
                cited.update({p["article_id"] for p in response.json()["passages"]})

        await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return cited


async def final_check(base: str, bodies: list[dict[str, Any]], retracted: str) -> int:
    """After the run: every question once more; how many answers still cite the retracted article."""
    async with httpx.AsyncClient(timeout=120) as client:
        served = 0
        for body in bodies:
            response = await client.post(f"{base}/v1/ask", json=body)
            if response.status_code == 200:
                served += any(p["article_id"] == retracted for p in response.json()["passages"])
        return served


def start_server(
    index: Path, port: int, token: str, log: Path, settings: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`followup serve` with the admin routes on; `settings`: more FOLLOWUP_ variables for it."""
    command = [sys.executable, "-m", "api", "serve", "--host", HOST, "--port", str(port), "--index", str(index)]
    env = _env(FOLLOWUP_ADMIN_ENABLED="true", FOLLOWUP_ADMIN_TOKEN=token, **(settings or {}))
    with log.open("wb") as sink:
        return subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)


def wait_ready(base: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"error: server exited early; see {log}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.5)
    raise SystemExit(f"error: server not healthy within {timeout:.0f}s; see {log}")


def latency_row(summary: Summary) -> str:
    return f"{summary.p50_ms} / {summary.p95_ms} / {summary.p99_ms} / {summary.max_ms} ms"


def rss_row(summary: Summary) -> str:
    return f"{summary.rss_start_mb} → {summary.rss_end_mb} MB ({summary.rss_growth_pct:+}%)"


def format_table(summary: Summary) -> str:
    rows = [
        ("duration / concurrency", f"{summary.seconds}s / {summary.concurrency}"),
        ("requests", str(summary.requests)),
        ("failures (target 0)", str(summary.failures)),
        ("404 for a retracted context article", str(summary.expected_rejections)),
        ("statuses", ", ".join(f"{k}: {v}" for k, v in summary.statuses.items())),
        ("latency p50 / p95 / p99 / max", latency_row(summary)),
        ("requests/s", str(summary.requests_per_s)),
        ("RSS start → end (target < +10%)", rss_row(summary)),
        (f"RSS every {RSS_EVERY_S:.0f}s (MB)", " ".join(f"{mb:.0f}" for mb in summary.rss_samples_mb)),
    ]
    rows += [(f"{e.name} at {e.at_s}s", f"{e.outcome} ({e.seconds}s)") for e in summary.events]
    if summary.retracted_served_after_retraction is None:
        rows.append(("retracted article served", f"not checked: {summary.retracted} was not retracted"))
    else:
        rows.append(
            (
                "retracted article served",
                f"{summary.retracted_served_after_retraction} of {summary.answers_after_retraction} answers "
                f"after the retraction (target 0)",
            )
        )
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="length of the load phase (default 180)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus", help="articles to index (default corpus/)")
    parser.add_argument("--gold", type=Path, default=REPO / "eval" / "gold" / "sample.jsonl", help="questions")
    parser.add_argument("--retract", help="article id to retract (default: the one answering most questions)")
    parser.add_argument("--json", type=Path, help="write the summary here")
    args = parser.parse_args(argv)
    if not 1 <= args.seconds <= 3600:
        parser.error("--seconds must be between 1 and 3600")
    if not 1 <= args.concurrency <= 256:
        parser.error("--concurrency must be between 1 and 256")
    for path in (args.corpus, args.gold):
        if not path.exists():
            parser.error(f"{path} not found")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bodies = load_questions(args.gold)
    token = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="followup-load-") as scratch:
        args.index = Path(scratch) / "index"
        log = Path(scratch) / "server.log"
        print(f"building the index of {args.corpus} … {cli_build(args.corpus, args.index)}", flush=True)
        port = free_port()
        base = f"http://{HOST}:{port}"
        process = start_server(args.index, port, token, log)
        try:
            wait_ready(base, process, log)
            server = psutil.Process(process.pid)
            rss_ready = rss_mb(server)
            cited = asyncio.run(warm_up(base, bodies, args.concurrency))
            retract_id = args.retract or cited.most_common(1)[0][0]
            rss_start = rss_mb(server)
            print(f"server on {base}: RSS {rss_ready} MB when ready, {rss_start} MB after warm-up", flush=True)
            test = LoadTest(args, base, token, bodies, server)
            elapsed = asyncio.run(test.run(retract_id))
            summary = summarize(test.outcomes, elapsed, args.concurrency)
            summary.rss_start_mb, summary.rss_end_mb = rss_start, rss_mb(server)
            summary.rss_growth_pct = growth_pct(summary.rss_start_mb, summary.rss_end_mb)
            summary.rss_ready_mb, summary.rss_samples_mb = rss_ready, test.rss_samples
            summary.events = sorted(test.events, key=lambda e: e.at_s)
            summary.retracted = retract_id
            if test.retracted_at is not None:
                after = [o for o in test.outcomes if o.started >= test.retracted_at and o.status == 200]
                final = asyncio.run(final_check(base, bodies, retract_id))
                summary.answers_after_retraction = len(after) + len(bodies)
                summary.retracted_served_after_retraction = final + sum(retract_id in o.article_ids for o in after)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    print(format_table(summary))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(summary), indent=2) + "\n")
    ok = summary.failures == 0 and not summary.retracted_served_after_retraction
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
