"""The "Today's figures" table that opens eval/RESULTS.md: each figure a reader asks for first, read from the
committed result JSON, with its target, command, date and load average; the passes that led to it are in
eval/HISTORY.md.

`python -m eval.summary` prints the table; `--write` puts it between the markers in eval/RESULTS.md.
tests/eval/test_summary.py fails while the file and the JSON disagree. benchmarks/summary.py renders the
benchmarks' table with the same pieces (benchmarks may import eval, not the reverse).

What a result JSON does not record (command, date, load average) is in results/summary-sources.json, beside the
SHA-256 of the file it describes: a result file written again fails here until that entry says when and how it
was made. Every figure is read from a result file a command wrote; none is typed in.
"""

from __future__ import annotations

import argparse
import hashlib
import re
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
        if not values:
            return f"{self.text}: not measured"
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


def result_file(row: Row, results: Path) -> Path | None:
    """The result file in `results` that a row names as its source; None if it names none (a figure typed in)."""
    named = re.fullmatch(r"`([^`]+\.json)`", row.source)
    path = results / named.group(1) if named else None
    return path if path is not None and path.is_file() and path.name != "summary-sources.json" else None


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
    section: str  # the eval/HISTORY.md section that reports the run


class Sources(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str
    runs: dict[str, Run]


class Result(BaseModel):
    """What `followup eval --json` writes (eval/beir_eval.py `EvalResult.to_json`)."""

    queries: int
    results: dict[str, dict[str, float]]  # mode (for gold: mode · split · group; BEIR: mode · half X) → metric
    outcomes: dict[str, dict[str, float]] = {}  # gold: split · kind → outcome → share (eval.gold_eval)


def _read(results: Path, sources: Sources, name: str) -> tuple[Result, Run]:
    path, run = results / name, sources.runs[name]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != run.sha256:
        raise ValueError(
            f"{path} was written again: put its command, date and load average in "
            f"{results / 'summary-sources.json'} with sha256 {digest}, then run `python -m eval.summary --write`"
        )
    return Result.model_validate_json(path.read_text(encoding="utf-8")), run


# Issue 35's targets; SciFact's is the hybrid pipeline's half-B figure before the reader (0.7341) + 0.02.
SCIFACT_B_BEFORE_READER = 0.7341


def eval_rows(results: Path = RESULTS) -> list[Row]:
    sources = Sources.model_validate_json((results / "summary-sources.json").read_text(encoding="utf-8"))
    medquad, medquad_run = _read(results, sources, "medquad-dev.json")
    scifact, scifact_run = _read(results, sources, "scifact-train.json")

    def row(figure: str, value: float, shown: str, run: Run, source: str, *targets: Target) -> Row:
        return Row(figure, shown, (value,), targets, run.command, run.date, run.load_average, source)

    def share(figure: str, value: float, run: Run, source: str, target: Target) -> Row:
        return row(figure, value, f"{value:.1%}", run, f"`{source}`", target)

    rows: list[Row] = []
    for build, gold_file, nonmedical_file in (
        ("calibrated (make index)", "gold.json", "non-medical.json"),
        ("uncalibrated", "gold-uncalibrated.json", "non-medical-uncalibrated.json"),
    ):
        gold, gold_run = _read(results, sources, gold_file)
        nonmedical, nonmedical_run = _read(results, sources, nonmedical_file)
        report = f"gold, report half, {build}"
        for figure, group, target in (
            ("follow-ups with article_id, hit@3 as served", "follow-ups with article_id", _at(0.85)),
            ("standalone, hit@3 as served", "standalone (no article_id)", _at(0.95)),
        ):
            value = gold.results[f"hybrid · report · {group}"]["hit@3"]
            rows.append(row(f"{report}: {figure}", value, f"{value:.3f}", gold_run, f"`{gold_file}`", target))
        answerable, off, near = (gold.outcomes[f"report · {kind}"] for kind in ("answerable", "off-topic", "near miss"))
        rows += [
            share(f"{report}: answerable answered outright", answerable["answered"], gold_run, gold_file, _pct(88)),
            share(
                f"{report}: answerable answered or uncertain, a relevant passage in the top 3",
                answerable["answered or uncertain, relevant in top 3"],
                gold_run,
                gold_file,
                _pct(95),
            ),
            share(f"{report}: off-topic declined", off["declined"], gold_run, gold_file, _pct(90)),
            share(
                f"{report}: near misses declined or uncertain",
                near["declined"] + near["uncertain"],
                gold_run,
                gold_file,
                _pct(80),
            ),
        ]
        asked = nonmedical.outcomes["all · off-topic"]
        figure = f"non-medical questions ({asked['questions']:.0f} askings, with and without an article open), {build}"
        rows += [
            share(f"{figure}: declined", asked["declined"], nonmedical_run, nonmedical_file, _pct(95)),
            share(
                f"{figure}: answered outright",
                asked["answered"],
                nonmedical_run,
                nonmedical_file,
                Target(0.0, "none", at_least=False),
            ),
        ]

    def beir_row(figure: str, result: Result, key: str, run: Run, source: str, target: Target) -> Row:
        if key not in result.results:  # a file written before `followup eval --beir` wrote the halves
            shown = f"not measured since {run.date}"
            return Row(
                f"{figure}: hybrid nDCG@10", shown, (), (target,), run.command, run.date, run.load_average, source
            )
        value = result.results[key]["ndcg@10"]
        return row(f"{figure}: hybrid nDCG@10", value, f"{value:.4f}", run, source, target)

    bm25 = scifact.results["bm25"]["ndcg@10"]
    after = SCIFACT_B_BEFORE_READER + 0.02
    return [
        *rows,
        beir_row(
            f"MedQuAD dev ({medquad.queries:,} queries)",
            medquad,
            "hybrid",
            medquad_run,
            "`medquad-dev.json`",
            _at(0.80),
        ),
        beir_row("MedQuAD dev, half B", medquad, "hybrid · half B", medquad_run, "`medquad-dev.json`", _at(0.90)),
        beir_row(
            f"SciFact train ({scifact.queries:,} queries)",
            scifact,
            "hybrid",
            scifact_run,
            "`scifact-train.json`",
            Target(bm25, f"≥ BM25 alone ({bm25:.4f})"),
        ),
        beir_row(
            "SciFact train, half B",
            scifact,
            "hybrid · half B",
            scifact_run,
            "`scifact-train.json`",
            Target(after, f"≥ {SCIFACT_B_BEFORE_READER} (before the reader) + 0.02"),
        ),
    ]


def _pct(limit: float) -> Target:
    return Target(limit / 100, f"≥ {limit:g}%")


def _at(limit: float) -> Target:
    return Target(limit, f"≥ {limit:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    return cli(argv, table(eval_rows()), RESULTS_MD, "python -m eval.summary")


if __name__ == "__main__":
    sys.exit(main())
