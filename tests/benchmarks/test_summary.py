"""benchmarks/RESULTS.md opens with the newest measurement of each figure, as the committed results render it: a
run file added or written again fails here until `python -m benchmarks.summary --write` (or `python -m benchmarks`,
which regenerates the whole file) catches up. Every row is read from a file a command wrote; none is typed in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from benchmarks.report import write_results
from benchmarks.summary import RESULTS, RESULTS_MD, SOURCES, benchmark_rows, summary
from benchmarks.throughput import EncoderLimit, options, parse_arguments, record
from eval.summary import between_markers, result_file
from tests.benchmarks.test_throughput import wrk_run

STALE = "benchmarks/RESULTS.md's 'Today's figures' differ from results/: run `python -m benchmarks.summary --write`"


def _between(path: Path) -> str:
    document = path.read_text(encoding="utf-8")
    start, end = between_markers(document, path)
    return document[start:end]


def test_results_md_opens_with_the_newest_figures() -> None:
    assert _between(RESULTS_MD) == summary(), STALE


def test_a_regenerated_results_md_opens_with_the_same_table(tmp_path: Path) -> None:
    write_results(RESULTS, tmp_path / "RESULTS.md", notes=None)
    text = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\n## Today's figures\n")
    assert _between(tmp_path / "RESULTS.md") == summary()


def test_the_newest_run_of_a_size_gives_its_figures(tmp_path: Path) -> None:
    """A format-2 run in chunk-store/ newer than 1m.json gives the 1M rows; an older one would not."""
    shutil.copy(RESULTS / "1m.json", tmp_path / "1m.json")
    newer = json.loads((RESULTS / "1m.json").read_text(encoding="utf-8"))
    newer["started_utc"] = "2099-01-01T00:00:00Z"
    newer["size"]["http"]["workers_1"]["memory_after_load"]["rss_mb"] = 1234.0
    (tmp_path / "chunk-store").mkdir()
    (tmp_path / "chunk-store" / "later.json").write_text(json.dumps(newer), encoding="utf-8")
    rss = next(row for row in benchmark_rows(tmp_path) if row.figure.startswith("1M: served RSS"))
    assert rss.shown.startswith("1,234 (") and rss.date == "2099-01-01 00:00 UTC"
    assert rss.source == "`chunk-store/later.json`" and rss.values == (1234.0,)


def test_every_row_names_the_result_file_behind_it() -> None:
    rows = benchmark_rows()
    assert rows and not [row.figure for row in rows if result_file(row, RESULTS) is None]


@pytest.mark.parametrize("block", ["prose", "printed"])
def test_a_figure_typed_into_the_sources_is_refused(tmp_path: Path, block: str) -> None:
    sources = json.loads((RESULTS / SOURCES).read_text(encoding="utf-8"))
    sources[block] = [{"scale": "sample corpus", "kind": "c1_p50", "values": [22.1]}]
    (tmp_path / SOURCES).write_text(json.dumps(sources), encoding="utf-8")
    with pytest.raises(ValidationError, match=block):
        benchmark_rows(tmp_path)


def _listed_run(folder: Path, argv: list[str], environment: dict[str, str]) -> None:
    """A `benchmarks.throughput --json` file as the command writes it, listed for the sample corpus."""
    limit = EncoderLimit(questions=40, ms_per_question=4.0, cores=2, requests_per_s=500.0)
    asked = options(parse_arguments(["--index", "var/index", *argv]), environment)
    runs = [wrk_run(8, 400, 20)]
    written = record("python -m benchmarks.throughput …", "2099-01-01T00:00:00Z", asked, limit, None, runs)
    (folder / "throughput").mkdir()
    (folder / "throughput" / "new.json").write_text(json.dumps(written), encoding="utf-8")
    listed = {"note": "", "throughput": {"sample corpus": ["throughput/new.json"]}}
    (folder / SOURCES).write_text(json.dumps(listed), encoding="utf-8")


def test_a_run_the_throughput_command_writes_gives_its_row(tmp_path: Path) -> None:
    _listed_run(tmp_path, ["--kind", "plain", "--top-k", "3"], {})
    (row,) = benchmark_rows(tmp_path)
    assert row.figure.startswith("sample corpus: plain questions") and row.values == (0.8,)
    assert row.source == "`throughput/new.json`" and row.load_average == "0.5 → 1.5"


def test_a_listed_run_not_of_the_served_defaults_fails(tmp_path: Path) -> None:
    _listed_run(tmp_path, ["--kind", "plain", "--workers", "2"], {"FOLLOWUP_CONTEXTUAL_VECTOR": "combined"})
    with pytest.raises(ValueError, match="not of the served defaults: 2 workers; FOLLOWUP_CONTEXTUAL_VECTOR set"):
        benchmark_rows(tmp_path)


def test_a_target_no_result_file_measures_is_said_to_be_not_measured(tmp_path: Path) -> None:
    _listed_run(tmp_path, ["--kind", "plain", "--top-k", "3"], {})
    _, note = summary(tmp_path).split("\n\nNot measured by a run that wrote its figures: ")
    assert "sample corpus: hybrid over HTTP, c=1 p50 (ms), target ≤ 20; " in note
    assert "1M: served RSS after the load runs (MB; anon + file-mapped), target ≤ 4,000" in note
    assert "sample corpus: plain questions (top_k 3), c=8" not in note  # the run above measured it
