"""The "Today's figures" table that opens benchmarks/RESULTS.md: per corpus size, hybrid over HTTP at c=1 (p50)
and c=8 (requests/s) and the served RSS, each from the newest measurement of it, with its target, command, date
and load average.

Candidates: every `python -m benchmarks` run in results/ and results/chunk-store/, and the wrk runs of
`benchmarks.throughput` that results/summary-sources.json lists per corpus (runs of the served defaults only, not
A/B checkouts or variants). Every figure is read from a file a command wrote, and each row names it; a target no
such file measures is listed under the table as not measured, never filled in by hand.
`python -m benchmarks.summary` prints the table; `--write` puts it between the markers in benchmarks/RESULTS.md
(`python -m benchmarks` writes it too); tests/benchmarks/test_summary.py fails while the two disagree.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from benchmarks.figures import BenchmarkResult, EncoderRate, Figures
from benchmarks.report import _mem, _ms, _size_label, read_runs
from eval.summary import Row, Target, cli, table

RESULTS = Path(__file__).parent / "results"
RESULTS_MD = Path(__file__).parent / "RESULTS.md"
SOURCES = "summary-sources.json"

Kind = Literal["c1_p50", "c8_rps", "rss", "plain_c1_ratio", "plain_c8_share", "followup_c1_ratio", "followup_c8_share"]
KINDS: dict[Kind, str] = {
    "c1_p50": "hybrid over HTTP, c=1 p50 (ms)",
    "c8_rps": "hybrid over HTTP, c=8 (requests/s)",
    "rss": "served RSS after the load runs (MB; anon + file-mapped)",
    # issue 30: each against the served query encoder's own rate on the same questions, timed in the same run
    "plain_c1_ratio": "plain questions (top_k 3), c=1 p50 over one question's embedding",
    "plain_c8_share": "plain questions (top_k 3), c=8 requests/s as a share of the encoder's limit on every core",
    "followup_c1_ratio": "follow-ups with article_id (top_k 3), c=1 p50 over one question's embedding",
    "followup_c8_share": "follow-ups with article_id (top_k 3), c=8 requests/s as a share of the encoder's limit",
}
SAMPLE = "sample corpus"  # the gold questions over corpus/, as `make index` builds it
ISSUE_14 = "issue 14: "
TARGETS: dict[tuple[str, Kind], tuple[Target, ...]] = {
    (SAMPLE, "c1_p50"): (Target(20, "≤ 20", at_least=False),),
    (SAMPLE, "c8_rps"): (Target(300, f"{ISSUE_14}≥ 300"),),
    ("100k", "c1_p50"): (Target(20, "≤ 20", at_least=False), Target(10, f"{ISSUE_14}≤ 10", at_least=False)),
    ("100k", "c8_rps"): (Target(100, "≥ 100"), Target(200, f"{ISSUE_14}≥ 200")),
    (SAMPLE, "plain_c1_ratio"): (Target(1.5, "issue 30: ≤ 1.5×", at_least=False),),
    (SAMPLE, "plain_c8_share"): (Target(0.70, "issue 30: ≥ 70%"),),
    (SAMPLE, "followup_c1_ratio"): (Target(1.5, "issue 30: ≤ 1.5×", at_least=False),),
    (SAMPLE, "followup_c8_share"): (Target(0.60, "issue 30: ≥ 60%"),),
    ("100k", "plain_c8_share"): (Target(0.60, "issue 30: ≥ 60%"),),
    ("1M", "c1_p50"): (Target(40, "≤ 40", at_least=False),),
    ("1M", "rss"): (Target(4000, "≤ 4,000", at_least=False),),
}


class Sources(Figures):
    note: str
    throughput: dict[str, list[str]]  # corpus (SAMPLE, "100k") → wrk result files of the served defaults


class WrkRun(BaseModel):
    model_config = ConfigDict(extra="ignore")
    concurrency: int
    requests_per_s: float
    p50_ms: float
    load_average_before: list[float]
    load_average_after: list[float]


class WrkOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: str
    workers: int
    code: str
    environment: list[str]


class Throughput(BaseModel):
    """What `python -m benchmarks.throughput --json` writes."""

    command: str
    started_utc: str
    runs: list[WrkRun]
    encoder_limit: EncoderRate | None = None  # runs before issue 30 did not time the encoder
    options: WrkOptions | None = None  # runs before issue 36 gave them only in `command`

    @property
    def questions(self) -> str:
        """Which questions it asked: all the gold questions (as before issue 30), plain ones or follow-ups; a BEIR
        set's questions are plain."""
        if self.options is not None:
            return self.options.kind
        if "--beir" in self.command:
            return "plain"
        kind = re.search(r"--kind[ =](\w+)", self.command)
        return kind.group(1) if kind else "all"

    def variant(self) -> str | None:
        """What makes the run other than the served defaults, where its options say."""
        if self.options is None:
            return None
        options = self.options
        differences = [
            f"served by {options.code}" if options.code != "." else "",
            f"{options.workers} workers" if options.workers != 1 else "",
            f"{', '.join(options.environment)} set" if options.environment else "",
        ]
        return "; ".join(d for d in differences if d) or None


Key = tuple[int, int]  # (corpus size, figure): the order of the table


def _row(
    scale: str, kind: Kind, values: Sequence[float], shown: str, how: str, started: str, load: str, source: str
) -> tuple[Key, Row]:
    date = started.replace("T", " ")[:16] + " UTC"  # sorts as the ISO time it comes from
    targets = TARGETS.get((scale, kind), ())
    row = Row(f"{scale}: {KINDS[kind]}", shown, tuple(values), targets, how, date, load, source)
    return (_chunks(scale), list(KINDS).index(kind)), row


def _run_rows(source: str, result: BenchmarkResult) -> list[tuple[Key, Row]]:
    """A `python -m benchmarks` run's figures, one worker (the served setting); load averages at 1 minute."""
    served = result.size.http.get("workers_1") if result.size and result.size.http else None
    if result.size is None or served is None:
        return []
    figures: list[tuple[Kind, float, str, list[float]]] = []
    if c1 := served.runs.get("hybrid_c1"):
        figures.append(("c1_p50", c1.p50_ms, _ms(c1.p50_ms), c1.load_average))
    if c8 := served.runs.get("hybrid_c8"):
        figures.append(("c8_rps", c8.rps, _ms(c8.rps), c8.load_average))
    memory, last = served.memory_after_load, list(served.runs.values())[-1]  # read after the last load run
    figures.append(("rss", memory.rss_mb, _mem(memory), last.load_average))
    scale, how, at = _size_label(result.size.chunks), result.command, result.started_utc
    return [_row(scale, kind, [v], shown, how, at, f"{load[0]:g}", source) for kind, v, shown, load in figures]


def _wrk_rows(scale: str, name: str, wrk: Throughput) -> list[tuple[Key, Row]]:
    rows = []
    for run in wrk.runs:
        if run.concurrency not in (1, 8):
            continue
        load = f"{run.load_average_before[0]:g} → {run.load_average_after[0]:g}"
        if wrk.questions == "all":  # the mixed gold questions, as before issue 30
            kind: Kind = "c1_p50" if run.concurrency == 1 else "c8_rps"
            value = run.p50_ms if kind == "c1_p50" else run.requests_per_s
            rows.append(_row(scale, kind, [value], _ms(value), wrk.command, wrk.started_utc, load, f"`{name}`"))
        elif wrk.encoder_limit is not None:
            limit = wrk.encoder_limit
            asked = "followup" if wrk.questions == "followup" else "plain"  # a BEIR set's questions are plain
            if run.concurrency == 1:
                ratio = run.p50_ms / limit.ms_per_question
                shown = f"{ratio:.2f}× ({run.p50_ms:.2f} ms / {limit.ms_per_question:.2f} ms)"
                figure: Kind = "followup_c1_ratio" if asked == "followup" else "plain_c1_ratio"
                rows.append(_row(scale, figure, [ratio], shown, wrk.command, wrk.started_utc, load, f"`{name}`"))
            else:
                share = run.requests_per_s / limit.requests_per_s
                shown = f"{share:.0%} ({run.requests_per_s:.1f} of {limit.requests_per_s:.0f} requests/s)"
                figure = "followup_c8_share" if asked == "followup" else "plain_c8_share"
                rows.append(_row(scale, figure, [share], shown, wrk.command, wrk.started_utc, load, f"`{name}`"))
    return rows


def candidates(results: Path) -> list[tuple[Key, Row]]:
    """Every measurement of a summary figure in the folder, old and new."""
    rows = [
        row
        for folder in (results, results / "chunk-store")
        if folder.is_dir()
        for path, result in read_runs(folder)
        for row in _run_rows(f"`{path.relative_to(results)}`", result)
    ]
    path = results / SOURCES
    if path.is_file():
        sources = Sources.model_validate_json(path.read_text(encoding="utf-8"))
        for scale, names in sources.throughput.items():
            for name in names:
                wrk = Throughput.model_validate_json((results / name).read_text(encoding="utf-8"))
                if variant := wrk.variant():
                    raise ValueError(f"{path} lists {name}, which is not of the served defaults: {variant}")
                rows += _wrk_rows(scale, name, wrk)
    return rows


def benchmark_rows(results: Path = RESULTS) -> list[Row]:
    """The newest measurement of each figure, smallest corpus first."""
    newest: dict[Key, Row] = {}
    for key, row in candidates(results):
        if key not in newest or row.date > newest[key].date:
            newest[key] = row
    return [newest[key] for key in sorted(newest)]


def _chunks(scale: str) -> int:
    if scale[-1] in "kM" and scale[:-1].isdigit():
        return int(scale[:-1]) * (1000 if scale[-1] == "k" else 1_000_000)
    return 0  # the sample corpus


def not_measured(rows: Sequence[Row]) -> list[str]:
    """The figures with a target that no result file gives: said, rather than left out in silence."""
    shown = {row.figure for row in rows}
    return [
        f"{scale}: {KINDS[kind]}, target {'; '.join(t.text for t in targets)}"
        for (scale, kind), targets in TARGETS.items()
        if f"{scale}: {KINDS[kind]}" not in shown
    ]


def summary(results: Path = RESULTS) -> str:
    rows = benchmark_rows(results)
    missing = not_measured(rows)
    note = f"\n\nNot measured by a run that wrote its figures: {'; '.join(missing)}." if missing else ""
    return table(rows) + note


def main(argv: Sequence[str] | None = None) -> int:
    return cli(argv, summary(), RESULTS_MD, "python -m benchmarks.summary")


if __name__ == "__main__":
    sys.exit(main())
