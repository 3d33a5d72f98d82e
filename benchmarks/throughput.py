"""`python -m benchmarks.throughput --index DIR`: requests/s and latency of `POST /v1/ask` over HTTP, measured by wrk.

The server is a real `followup serve` (what `make serve` runs: JSON logs, one worker; `--workers N` runs
`followup serve --workers N`). wrk is a C load generator
(Debian's `wrk`), run with one thread so the client costs little of this 2-core machine; its CPU still counts
against the server, and the load average before and after each run is recorded beside it. With `--flame FILE.svg`
py-spy samples the server during the highest-concurrency run and writes a flame graph.

Beside the figures it states the limit they approach: the served query encoder's own rate, one question embedded
at a time on one thread in this process before the runs, times the cores (`encoder_limit`); each run's requests/s
is printed as a share of it. `--kind plain` asks only questions without context, `--kind followup` only those
asked with an article open (as the page asks them, with `--top-k 3`).

`--json FILE` writes the command, its options, the encoder (and reader) limit and each wrk run with its load
average: what `python -m benchmarks.summary` reads, so no figure of a run has to be copied by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import numpy as np
import psutil

from benchmarks.load import load_questions
from benchmarks.timing import free_port, load_average
from eval.datasets import load_beir

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "eval" / "gold" / "sample.jsonl"
WRK_THREADS = 1  # one client thread, so wrk costs little of this 2-core machine
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class Options:
    """What the runs were asked to measure. The summary reads which questions were asked, and whether the server
    ran the served defaults (this checkout, one worker, no FOLLOWUP_ variable set), from these."""

    index: str
    questions: str  # the gold file, or the BEIR set as FOLDER:SPLIT
    question_limit: int | None  # with --beir: its first N questions
    kind: str  # all, plain or followup; a BEIR set's questions are plain
    top_k: int | None  # None: the server's default
    mode: str
    concurrency: list[int]
    seconds: float
    workers: int
    code: str  # "." for this checkout, else the checkout that served
    environment: list[str]  # the FOLLOWUP_ variables the server inherited; names only, as a value may be a secret
    wrk_threads: int


def options(args: argparse.Namespace, environment: Mapping[str, str]) -> Options:
    return Options(
        index=shown(args.index),
        questions=str(args.beir) if args.beir else shown(args.gold),
        question_limit=args.questions if args.beir else None,
        kind="plain" if args.beir else args.kind,
        top_k=args.top_k,
        mode=args.mode,
        concurrency=[int(c) for c in args.concurrency.split(",")],
        seconds=args.seconds,
        workers=args.workers,
        code=shown(args.code),
        environment=sorted(name for name in environment if name.startswith("FOLLOWUP_")),
        wrk_threads=WRK_THREADS,
    )


def shown(path: Path) -> str:
    """Relative to the repository where it lies inside it: no machine's path in a committed file."""
    resolved = path.resolve()
    return str(resolved.relative_to(REPO)) if resolved.is_relative_to(REPO) else str(path)


@dataclass(frozen=True)
class WrkRun:
    concurrency: int
    seconds: float
    requests: int
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    # CPU time the server process used per request (user + system): the figure least bent by a busy machine.
    server_cpu_ms_per_request: float
    load_average_before: list[float]
    load_average_after: list[float]


@dataclass(frozen=True)
class EncoderLimit:
    """What the served query encoder alone would allow: its median time per question (one thread, one question at a
    time) and the requests/s that many cores would answer if embedding were all a request cost."""

    questions: int
    ms_per_question: float
    cores: int
    requests_per_s: float


def encoder_limit(questions: list[str], cores: int | None = None) -> EncoderLimit:
    """Times the encoder `make serve` uses (the int8 ONNX export unless configured otherwise) on each question."""
    from rag.settings import PipelineSettings

    settings = PipelineSettings()
    encode = settings.served_query_encoder()
    if encode is None:  # FOLLOWUP_QUERY_ENCODER=torch: the model itself
        from index.embedder import Embedder

        encode = Embedder(settings.index.resolved_model_path()).encode
    for question in questions[:10]:  # warm-up
        encode([question])
    times = []
    for question in questions:
        started = time.perf_counter()
        encode([question])
        times.append((time.perf_counter() - started) * 1000)
    per_question = float(np.median(times))
    count = cores or os.cpu_count() or 1
    return EncoderLimit(len(questions), round(per_question, 2), count, round(count * 1000 / per_question, 1))


@dataclass(frozen=True)
class ReaderLimit:
    """What the served reader alone would allow (its median time to read a question's top N passages, one thread,
    one question at a time), and with the query encoder: the requests/s the cores would answer if embedding the
    question and reading its passages were all a request cost."""

    questions: int
    top_n: int
    ms_per_question: float
    cores: int
    requests_per_s: float
    encoder_and_reader_requests_per_s: float


def reader_limit(bodies: list[dict[str, object]], index: Path, encoder: EncoderLimit) -> ReaderLimit | None:
    """Times the reader `make serve` uses on each question's top N passages as the pipeline ranks them (for a
    follow-up, on its article's page); None with FOLLOWUP_READER=false."""
    from eval.runner import served_answerer
    from index.embedder import Embedder
    from index.store import load_index
    from rag.reader.rerank import load_reader
    from rag.settings import PipelineSettings

    settings = PipelineSettings()
    if not settings.retrieval.reader:
        return None
    reader = load_reader(settings.retrieval.reader_path, threads=1)
    ranking = settings.replace(reader=False, abstention=False)
    answerer = served_answerer(load_index(index), ranking, Embedder(settings.index.resolved_model_path()))
    n = settings.retrieval.reader_top_n
    read: list[tuple[str, list[str]]] = []
    for body in bodies:
        article = body.get("article_id")
        hits = answerer.search(str(body["question"]), article_id=str(article) if article else None).hits[:n]
        read.append((str(body["question"]), [answerer.index.chunks[h.row].embed_text for h in hits]))
    for question, passages in read[:10]:  # warm-up
        reader.logits(question, passages)
    times = []
    for question, passages in read:
        started = time.perf_counter()
        reader.logits(question, passages)
        times.append((time.perf_counter() - started) * 1000)
    per_question = float(np.median(times))
    both = encoder.cores * 1000 / (per_question + encoder.ms_per_question)
    return ReaderLimit(
        len(read),
        n,
        round(per_question, 2),
        encoder.cores,
        round(encoder.cores * 1000 / per_question, 1),
        round(both, 1),
    )


def of_kind(bodies: list[dict[str, object]], kind: str) -> list[dict[str, object]]:
    """`plain`: questions asked without context; `followup`: asked with an article open; `all`: every one."""
    if kind == "plain":
        return [b for b in bodies if "article_id" not in b and "history" not in b]
    if kind == "followup":
        return [b for b in bodies if "article_id" in b]
    return bodies


def lua_script(bodies: list[dict[str, object]], mode: str) -> str:
    """A wrk script that cycles through the request bodies (JSON inside Lua long strings)."""
    items = ",\n".join(f"[==[{json.dumps(body | {'mode': mode})}]==]" for body in bodies)
    return (
        f"local bodies = {{\n{items}\n}}\nlocal i = 0\n"
        'local headers = {["Content-Type"] = "application/json"}\n'
        "request = function()\n  i = i % #bodies + 1\n"
        '  return wrk.format("POST", "/v1/ask", headers, bodies[i])\nend\n'
    )


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict[str, float]:
    """The figures of `wrk --latency` output; a missing one raises (a silent zero would read as a result)."""
    percentiles = dict(re.findall(r"^\s+(50|90|99)(?:\.000)?%\s+(\S+)\s*$", output, re.MULTILINE))
    requests = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if requests is None or rate is None or set(percentiles) != {"50", "90", "99"}:
        raise ValueError(f"unexpected wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests": float(requests.group(1)),
        "requests_per_s": float(rate.group(1)),
        "p50_ms": _ms(percentiles["50"]),
        "p90_ms": _ms(percentiles["90"]),
        "p99_ms": _ms(percentiles["99"]),
        "non_2xx": float(non_2xx.group(1)) if non_2xx else 0.0,
        "socket_errors": float(sum(int(g) for g in errors.groups())) if errors else 0.0,
    }


# Where a sampled stack is: in the query embedding, in search (the rest of `Answerer.ask` and related finding), or
# waiting (a thread parked on a lock, queue or socket: not CPU); everything else is the API layer and the server.
_EMBEDDING = ("OnnxQueryEncoder.encode", "Embedder.encode")
_SEARCH = ("Answerer.ask", "RelatedFinder.")
_WAITING = ("Condition.wait", "Queue.get", "select (selectors.py", "Event.wait", "Lock.acquire", "_worker (concurrent")


def profile_shares(collapsed: str) -> dict[str, float]:
    """Shares of CPU samples (waiting stacks left out) by part, from py-spy's raw (collapsed stack) output."""
    parts = {"embedding": 0, "search": 0, "api_and_server": 0}
    waiting = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        leaf = stack.rsplit(";", 1)[-1]
        if any(w in leaf for w in _WAITING):
            waiting += int(count)
        elif any(e in stack for e in _EMBEDDING):
            parts["embedding"] += int(count)
        elif any(s in stack for s in _SEARCH):
            parts["search"] += int(count)
        else:
            parts["api_and_server"] += int(count)
    busy = sum(parts.values()) or 1
    return {name: round(count / busy, 4) for name, count in parts.items()} | {"busy_samples": float(busy)}


def run_wrk(base: str, script: Path, concurrency: int, seconds: float, server: psutil.Process) -> WrkRun:
    before = load_average()
    cpu_before = _cpu_seconds(server)
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{concurrency}", f"-d{seconds:g}s", "--latency", "-s", str(script), base]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures = parse_wrk(output)
    cpu = _cpu_seconds(server) - cpu_before
    return WrkRun(
        concurrency=concurrency,
        seconds=seconds,
        requests=int(figures["requests"]),
        requests_per_s=figures["requests_per_s"],
        p50_ms=figures["p50_ms"],
        p90_ms=figures["p90_ms"],
        p99_ms=figures["p99_ms"],
        non_2xx=int(figures["non_2xx"]),
        socket_errors=int(figures["socket_errors"]),
        server_cpu_ms_per_request=round(cpu * 1000 / max(figures["requests"], 1), 3),
        load_average_before=before,
        load_average_after=load_average(),
    )


def _cpu_seconds(server: psutil.Process) -> float:
    """User + system CPU of the server and its worker processes (`--workers`), living ones only."""
    total = 0.0
    for process in [server, *server.children(recursive=True)]:
        try:
            total += sum(process.cpu_times()[:2])
        except psutil.NoSuchProcess:
            continue
    return total


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.throughput", description=__doc__)
    parser.add_argument("--index", type=Path, required=True, help="an index folder (followup index build)")
    parser.add_argument("--concurrency", default="1,8", help="wrk connections per run, e.g. 1,8")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each run (after a 3 s warm-up)")
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--gold", type=Path, default=GOLD, help="questions (with their context) to cycle through")
    parser.add_argument(
        "--beir",
        metavar="FOLDER:SPLIT",
        help="cycle through a BEIR set's questions of that split instead (plain questions, no context), e.g. "
        "../shared/data/medquad-beir:dev against an index of MedQuAD",
    )
    parser.add_argument("--questions", type=int, default=2000, help="with --beir: the first N questions")
    parser.add_argument("--kind", choices=("all", "plain", "followup"), default="all", help="which gold questions")
    parser.add_argument("--top-k", type=int, default=None, help="top_k of every request (the page asks for 3)")
    parser.add_argument(
        "--flame", type=Path, help="py-spy profile of the highest-concurrency run: FILE.svg (flame graph) or FILE.txt"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes serving: followup serve --workers N (recorded in the JSON beside the encoder's rate)",
    )
    parser.add_argument("--code", type=Path, default=REPO, help="checkout whose code serves (to compare versions)")
    parser.add_argument("--json", type=Path, help="where to write the figures")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if shutil.which("wrk") is None:
        print("error: wrk not found (make wrk installs Debian's)", file=sys.stderr)
        return 2
    asked = options(args, os.environ)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    levels = asked.concurrency
    work = Path("var/bench")  # scratch (the wrk script holds the questions, the server's log): never beside results
    work.mkdir(parents=True, exist_ok=True)
    script = work / "ask.lua"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--index", str(args.index.resolve())]
    if args.workers > 1:  # not otherwise: a --code checkout from before `followup serve --workers` has no such option
        command += ["--workers", str(args.workers)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}
    questions = _questions(args)
    # Before the server starts: loading its model and index would slow the encoder being timed.
    limit = encoder_limit([str(b["question"]) for b in questions])
    print(json.dumps({"encoder_limit": asdict(limit)}))
    reading = reader_limit(questions, args.index, limit)
    print(json.dumps({"reader_limit": asdict(reading) if reading else None}))
    both = reading.encoder_and_reader_requests_per_s if reading else limit.requests_per_s
    with (work / "throughput-server.log").open("wb") as log:
        server = subprocess.Popen(command, cwd=args.code, env=env, stdout=subprocess.DEVNULL, stderr=log)
    runs: list[WrkRun] = []
    try:
        _wait_ready(base, server, args.workers)
        bodies = _answered(base, questions, args.mode)
        script.write_text(lua_script(bodies, args.mode), encoding="utf-8")
        process = psutil.Process(server.pid)
        run_wrk(base, script, max(levels), 3.0, process)  # warm-up: thread pool, caches, ONNX session
        for concurrency in levels:
            profiler = None
            if args.flame and concurrency == max(levels):
                kind = "raw" if args.flame.suffix == ".txt" else "flamegraph"
                # Relative, as the flame graph's title prints it: no machine's path in a committed file.
                spy_path = os.path.relpath(Path(sys.executable).parent / "py-spy")
                spy = [spy_path, "record", "--pid", str(server.pid), "--rate", "200"]
                spy += ["--subprocesses"] if args.workers > 1 else []  # the workers, not their idle supervisor
                spy += [
                    "--duration",
                    f"{args.seconds:g}",
                    "--nonblocking",
                    "--format",
                    kind,
                    "--output",
                    str(args.flame),
                ]
                profiler = subprocess.Popen(spy, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            runs.append(run_wrk(base, script, concurrency, args.seconds, process))
            if profiler is not None:
                profiler.wait(timeout=60)
            print(json.dumps(asdict(runs[-1]) | _shares(runs[-1], limit.requests_per_s, both)))
        if args.flame and args.flame.suffix == ".txt":
            print(json.dumps(profile_shares(args.flame.read_text(encoding="utf-8"))))
    finally:
        server.terminate()
        server.wait(timeout=30)
    if args.json:
        invoked = "python -m benchmarks.throughput " + " ".join(sys.argv[1:] if argv is None else argv)
        figures = record(invoked, started, asked, limit, reading, runs)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


def record(
    command: str,
    started_utc: str,
    asked: Options,
    limit: EncoderLimit,
    reading: ReaderLimit | None,
    runs: list[WrkRun],
) -> dict[str, object]:
    """What `--json` writes: each run beside its options, the limits it approaches and its load average."""
    both = reading.encoder_and_reader_requests_per_s if reading else limit.requests_per_s
    return {
        "command": command,
        "started_utc": started_utc,
        "options": asdict(asked),
        "encoder_limit": asdict(limit),
        "reader_limit": asdict(reading) if reading else None,
        "runs": [asdict(run) | _shares(run, limit.requests_per_s, both) for run in runs],
    }


def _shares(run: WrkRun, encoder: float, encoder_and_reader: float) -> dict[str, float]:
    return {
        "share_of_encoder_limit": round(run.requests_per_s / encoder, 3),
        "share_of_encoder_and_reader_limit": round(run.requests_per_s / encoder_and_reader, 3),
    }


def _questions(args: argparse.Namespace) -> list[dict[str, object]]:
    if args.beir is None:
        bodies: list[dict[str, object]] = of_kind(load_questions(args.gold), args.kind)
        return [b | {"top_k": args.top_k} for b in bodies] if args.top_k else bodies
    folder, _, split = str(args.beir).partition(":")
    queries = load_beir(Path(folder), split or "dev").queries
    top_k = {"top_k": args.top_k} if args.top_k else {}
    return [{"question": text} | top_k for text in list(queries.values())[: args.questions]]


def _answered(base: str, bodies: list[dict[str, object]], mode: str) -> list[dict[str, object]]:
    """The bodies the server answers with 200: a gold question in the context of an unapproved article is a 404,
    which would flatter the figures."""
    with httpx.Client(base_url=base, timeout=60) as client:
        kept = [b for b in bodies if client.post("/v1/ask", json=b | {"mode": mode}).status_code == 200]
    if not kept:
        raise RuntimeError("the server answered none of the questions with 200")
    return kept


def _wait_ready(base: str, server: subprocess.Popen[bytes], workers: int) -> None:
    """Until every worker has answered /readyz with 200 (a new connection per request, so that any may take it)."""
    ready: set[int] = set()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}")
        try:
            response = httpx.get(f"{base}/readyz", timeout=2)
            if response.status_code == 200:
                ready.add(int(response.json().get("pid", 0)))  # no pid before `followup serve --workers`
                if len(ready) >= workers:
                    return
        except httpx.HTTPError:
            pass
        time.sleep(0.5 if not ready else 0.05)
    raise RuntimeError(f"not every worker ready after 300 s ({len(ready)} of {workers})")


if __name__ == "__main__":
    raise SystemExit(main())
