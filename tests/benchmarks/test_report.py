"""The committed results render: every run file in `benchmarks/results/` is a typed result, so a fresh clone's
`python -m benchmarks` (which regenerates RESULTS.md from them) cannot fail on a file another tool wrote."""

from __future__ import annotations

import json

from benchmarks.report import read_results, render
from tests.conftest import REPO

RESULTS = REPO / "benchmarks" / "results"


def test_every_committed_run_reads_and_renders() -> None:
    runs = [p for p in RESULTS.glob("*.json") if "machine" in json.loads(p.read_text(encoding="utf-8"))]
    results = read_results(RESULTS)  # raises, naming the file, if one misses a figure or has an unknown one
    assert len(results) == len(runs) > 0
    assert "## Targets" in render(results)
