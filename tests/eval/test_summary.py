"""eval/RESULTS.md opens with the table the committed result JSON renders, so its summary cannot go stale: a result
file written again fails here until `python -m eval.summary --write` (and, for the file's date and command,
eval/results/summary-sources.json) catches up."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from eval.summary import RESULTS, RESULTS_MD, Row, Target, between_markers, eval_rows, result_file, table

STALE = "eval/RESULTS.md's 'Today's figures' differ from eval/results/: run `python -m eval.summary --write`"


def test_results_md_opens_with_the_figures_the_json_gives() -> None:
    document = RESULTS_MD.read_text(encoding="utf-8")
    start, end = between_markers(document, RESULTS_MD)
    assert document[start:end] == table(eval_rows()), STALE
    assert document.startswith("# Retrieval results\n\n## Today's figures\n")


def test_every_row_names_the_result_file_behind_it() -> None:
    rows = eval_rows()
    assert rows and not [row.figure for row in rows if result_file(row, RESULTS) is None]


def test_a_result_file_written_again_asks_for_its_date_and_command(tmp_path: Path) -> None:
    for name in ("gold.json", "medquad-dev.json", "scifact-train.json", "summary-sources.json"):
        shutil.copy(RESULTS / name, tmp_path / name)
    with (tmp_path / "medquad-dev.json").open("a", encoding="utf-8") as file:
        file.write("\n")
    with pytest.raises(ValueError, match=r"medquad-dev\.json was written again.*summary-sources\.json"):
        eval_rows(tmp_path)


def test_a_row_typed_in_names_no_result_file() -> None:
    typed = Row("a figure", "83.2%", (0.832,), (), "followup eval …", "2026-12-07", "–", "printed by the run")
    assert result_file(typed, RESULTS) is None
    assert result_file(replace(typed, source="`summary-sources.json`"), RESULTS) is None  # hand-kept, not a run's
    assert result_file(replace(typed, source="`gold.json`"), RESULTS) == RESULTS / "gold.json"


def test_targets_say_met_only_when_every_run_meets_them() -> None:
    at_most = Target(20, "≤ 20", at_least=False)
    assert at_most.verdict([17.5, 18.7]) == "≤ 20: met"
    assert at_most.verdict([17.5, 22.1]) == "≤ 20: missed"
    assert Target(0.95, "≥ 0.95").verdict([0.746]) == "≥ 0.95: missed"
