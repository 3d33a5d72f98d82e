"""The "Today's figures" table that opens eval/RESULTS.md: each figure a reader asks for first, read from the
committed result JSON, with its target, command, date and load average; the passes below it are history.

`python -m eval.summary` prints the table; `--write` puts it between the markers in eval/RESULTS.md.
tests/eval/test_summary.py fails while the file and the JSON disagree. benchmarks/summary.py renders the
benchmarks' table with the same pieces (benchmarks may import eval, not the reverse).

What a result JSON does not record (command, date, load average, and the shares declined, which `followup eval
--gold` prints but does not write) is in results/summary-sources.json, beside the SHA-256 of the file it
describes: a result file written again fails here until that entry says when and how it was made.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

HERE = Path(__file__).parent
RESULTS = HERE / "results"
RESULTS_MD = HERE / "RESULTS.md"
START, END = "<!-- summary:start -->", "<!-- summary:end -->"


@dataclass(frozen=True)
class Target:
    limit: float
    text: str  # as the target reads, e.g. "≥ 0.95"
    at_least: bool = True

    def verdict(self, values: Sequence[float]) -> str:
        met = all(v >= self.limit if self.at_least else v <= self.limit for v in values)
        return f"{self.text}: {'met' if met else 'missed'}"


@dataclass(frozen=True)
class Row:
    figure: str
    shown: str  # the value as the table shows it
    values: tuple[float, ...]  # what the targets are checked against (several runs: each must meet it)
    targets: tuple[Target, ...]
    command: str
    date: str
    load_average: str
    source: str


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| figure | value | target | command | date | load average | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        target = "; ".join(t.verdict(row.values) for t in row.targets) or "–"
        cells = [row.figure, f"**{row.shown}**", target, f"`{row.command}`", row.date, row.load_average, row.source]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def fenced(text: str) -> str:
    return f"{START}\n{text}\n{END}"


def between_markers(document: str, path: Path) -> tuple[int, int]:
    """Where the generated text lies in `document` (between the markers, newlines excluded)."""
    start, end = document.find(START), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{path}: no {START} … {END} block; put one under the title")
    return start + len(START) + 1, end - 1


def splice(path: Path, text: str) -> None:
    document = path.read_text(encoding="utf-8")
    start, end = between_markers(document, path)
    path.write_text(document[:start] + text + document[end:], encoding="utf-8")


def cli(argv: Sequence[str] | None, rendered: str, path: Path, prog: str) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=f"Today's figures for {path.name}, from the JSON results.")
    parser.add_argument("--write", action="store_true", help=f"rewrite the table between the markers in {path}")
    if parser.parse_args(argv).write:
        splice(path, rendered)
        print(f"wrote the summary of {path}")
    else:
        print(rendered)
    return 0


class Run(BaseModel):
    """How one result file was made, where its JSON does not say."""

    model_config = ConfigDict(extra="forbid")
    sha256: str  # of the file this describes: a new run of it must update this entry
    command: str
    date: str
    load_average: str
    section: str  # the eval/RESULTS.md section that reports the run
    printed: dict[str, float] = {}  # figures the command prints but does not write, as that section gives them


class Sources(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str
    runs: dict[str, Run]


class Result(BaseModel):
    """What `followup eval --json` writes (eval/beir_eval.py `EvalResult.to_json`)."""

    queries: int
    results: dict[str, dict[str, float]]  # mode (for gold: mode · split · group) → metric → value


def _read(results: Path, sources: Sources, name: str) -> tuple[Result, Run]:
    path, run = results / name, sources.runs[name]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != run.sha256:
        raise ValueError(
            f"{path} was written again: put its command, date and load average (and any printed figures) in "
            f"{results / 'summary-sources.json'} with sha256 {digest}, then run `python -m eval.summary --write`"
        )
    return Result.model_validate_json(path.read_text(encoding="utf-8")), run


def eval_rows(results: Path = RESULTS) -> list[Row]:
    sources = Sources.model_validate_json((results / "summary-sources.json").read_text(encoding="utf-8"))
    gold, gold_run = _read(results, sources, "gold.json")
    medquad, medquad_run = _read(results, sources, "medquad-dev.json")
    scifact, scifact_run = _read(results, sources, "scifact-train.json")
    _, nonmedical_run = _read(results, sources, "non-medical.json")

    def row(figure: str, value: float, shown: str, run: Run, source: str, *targets: Target) -> Row:
        return Row(figure, shown, (value,), targets, run.command, run.date, run.load_average, source)

    def gold_row(figure: str, group: str, metric: str, target: Target) -> Row:
        value = gold.results[f"hybrid · report · {group}"][metric]
        shown = f"{value:.1%}" if metric == "answered" else f"{value:.3f}"
        return row(f"gold, report half: {figure}", value, shown, gold_run, "`gold.json`", target)

    def printed(run: Run, figure: str, key: str, target: Target) -> Row:
        share = run.printed[key]
        source = f"`summary-sources.json`: {run.section} (the command prints it, does not write it)"
        return row(figure, share, f"{share:.1f}%", run, source, target)

    def declined(kind: str, target: Target) -> Row:
        return printed(gold_run, f"gold, report half: {kind} declined", f"report {kind} declined (%)", target)

    def beir_row(name: str, result: Result, run: Run, source: str, target: Target) -> Row:
        value = result.results["hybrid"]["ndcg@10"]
        figure = f"{name} ({result.queries:,} queries): hybrid nDCG@10"
        return row(figure, value, f"{value:.4f}", run, source, target)

    bm25 = scifact.results["bm25"]["ndcg@10"]
    return [
        gold_row("follow-ups with article_id, hit@3 as served", "follow-ups with article_id", "hit@3", _at(0.95)),
        gold_row("standalone, hit@3 as served", "standalone (no article_id)", "hit@3", _at(0.90)),
        gold_row("answerable questions answered outright", "all answerable", "answered", Target(0.85, "≥ 85%")),
        printed(
            gold_run,
            "gold, report half: answerable questions answered or uncertain, a relevant passage in the top 3",
            "report answerable answered or uncertain with a relevant passage in the top 3 (%)",
            Target(95, "≥ 95%"),
        ),
        declined("off-topic", Target(90, "≥ 90%")),
        printed(
            gold_run,
            "gold, report half: near misses declined or uncertain",
            "report near misses declined or uncertain (%)",
            Target(80, "≥ 80%"),
        ),
        printed(
            nonmedical_run,
            "non-medical questions (34, each with and without an article open): declined",
            "declined (%)",
            Target(100, "all"),
        ),
        beir_row("MedQuAD dev", medquad, medquad_run, "`medquad-dev.json`", _at(0.80)),
        beir_row(
            "SciFact train",
            scifact,
            scifact_run,
            "`scifact-train.json`",
            Target(bm25, f"≥ BM25 alone ({bm25:.4f})"),
        ),
    ]


def _at(limit: float) -> Target:
    return Target(limit, f"≥ {limit:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    return cli(argv, table(eval_rows()), RESULTS_MD, "python -m eval.summary")


if __name__ == "__main__":
    sys.exit(main())
