"""The rollout benchmark's phases, figures, options and corpus edit (no server is started: the rollout itself is
measured by running it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.rollout import (
    ACROSS_TAIL_S,
    GOLD,
    Measured,
    Request,
    Switch,
    edited_copy,
    options,
    parse_arguments,
    phases,
    plain_questions,
    record,
    report,
)
from corpus.loader import load_corpus
from tests.conftest import CORPUS


def test_a_request_belongs_to_the_phase_it_started_in_and_a_failed_one_is_counted_and_timed() -> None:
    published, switched = 10.0, 12.0
    requests = [Request(9.9, 0.010, None), Request(10.0, 0.500, "503 no index"), Request(11.0, 0.020, None)]
    requests += [Request(switched + ACROSS_TAIL_S - 0.1, 0.030, None), Request(switched + ACROSS_TAIL_S, 0.005, None)]
    split = phases(requests, published, switched)
    assert [split[name].requests for name in ("before", "across", "after")] == [1, 3, 1]
    assert split["across"].failed == 1 and split["across"].max_ms == 500.0 and split["before"].failed == 0
    assert split["after"].p99_ms == 5.0


def test_an_empty_phase_has_no_figures_rather_than_an_error() -> None:
    assert phases([], 1.0, 2.0)["after"].requests == 0


def test_the_questions_asked_are_the_plain_gold_ones() -> None:
    questions = plain_questions(GOLD)
    items = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert questions and len(questions) == sum(not i["article_id"] and not i["history"] for i in items)


def test_the_edited_copy_changes_one_article_and_still_loads(tmp_path: Path) -> None:
    edited = edited_copy(CORPUS, tmp_path / "corpus")
    before = {a.id: a for a in load_corpus(CORPUS).articles}
    after = load_corpus(tmp_path / "corpus")
    assert not after.errors and {a.id for a in after.articles} == set(before)
    assert [a.id for a in after.articles if a != before[a.id]] == [edited]


@pytest.mark.parametrize("argv", [["--replicas", "0"], ["--clients", "0"], ["--seconds-after", "-1"]])
def test_options_out_of_range_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        parse_arguments(argv)
    assert refused.value.code == 2


def test_the_json_holds_the_switch_each_phase_the_options_and_the_load_average() -> None:
    asked = options(parse_arguments(["--clients", "2"]), {"FOLLOWUP_OVERRIDES_URL": "postgresql://x", "HOME": "/"})
    each = {"http://a": 3.1, "http://b": 4.2}
    switch = Switch(command_s=4.2, announced_s=2.1, publish_exit_s=3.0, replicas_s=each, publish_output="released")
    requests = [Request(t / 10, 0.02, None) for t in range(200)]
    measured = Measured(
        "gen-1", "gen-2", "27b8483195f9c2f0", switch, phases(requests, 5.0, 9.2), 200, 0, [], [1.0, 1, 1], [2.0, 1, 1]
    )
    written = json.loads(json.dumps(record("python -m benchmarks.rollout", "2026-12-08T03:00:00Z", asked, measured)))
    assert written["options"]["replicas"] == 3 and written["options"]["clients"] == 2
    assert written["options"]["environment"] == ["FOLLOWUP_OVERRIDES_URL"] and not written["options"]["overrides_url"]
    assert written["switch"]["command_s"] == 4.2 and written["target_met"] is True
    assert sum(written["phases"][name]["requests"] for name in ("before", "across", "after")) == 200
    assert (written["load_average_start"], written["load_average_end"]) == ([1.0, 1, 1], [2.0, 1, 1])
    assert "served by every replica 4.2 s after" in report(asked, measured)
