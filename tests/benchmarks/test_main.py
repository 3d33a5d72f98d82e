"""`python -m benchmarks` end to end on a tiny corpus, from the shared MedQuAD data as a fresh clone has it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.figures import BenchmarkResult
from benchmarks.source import MEDQUAD
from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not MEDQUAD.is_file(), reason=f"no shared MedQuAD data at {MEDQUAD} (../shared beside the repo)")
def test_a_tiny_benchmark_runs_from_the_shared_data(tmp_path: Path) -> None:
    out = tmp_path / "results" / "tiny.json"
    command = [sys.executable, "-m", "benchmarks", "--chunks", "120", "--json", str(out)]
    command += ["--work", str(tmp_path / "work"), "--results-md", str(tmp_path / "RESULTS.md")]
    command += ["--queries", "8", "--requests", "16", "--concurrency", "1,2", "--baseline-queries", "4"]
    # No answerability model: the benchmark's path is under test, not what a build learns after embedding (its
    # training reads every free label with the reader: 40 of this test's 85 s). The served path with one is tested
    # in tests/api and tests/rag.
    env = {**os.environ, "FOLLOWUP_ABSTENTION": "false"}
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900, env=env)
    assert run.returncode == 0, run.stderr[-4000:]
    result = BenchmarkResult.model_validate(json.loads(out.read_text(encoding="utf-8")))
    assert result.size is not None and result.size.corpus.chunks == 120
    assert result.size.http is not None and result.size.http["workers_1"].runs["hybrid_c2"].errors == 0
    assert "| corpus | 120 real + 0 varied |" in (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
