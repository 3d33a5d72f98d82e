"""benchmarks/RESULTS.md opens with the newest measurement of each figure, as the committed results render it: a
run file added or written again fails here until `python -m benchmarks.summary --write` (or `python -m benchmarks`,
which regenerates the whole file) catches up."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from benchmarks.report import write_results
from benchmarks.summary import RESULTS, RESULTS_MD, benchmark_rows, summary
from eval.summary import between_markers

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
