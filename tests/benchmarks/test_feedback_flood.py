"""The feedback-flood benchmark's options, the figures it writes and its refusal of an index it cannot serve (no
server is started: the flood itself is measured by running it)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import httpx
import pytest

from benchmarks.feedback_flood import (
    FLOOD_RATE_LIMIT,
    Article,
    Change,
    FloodFailed,
    Measured,
    flood_figures,
    main,
    options,
    parse_arguments,
    record,
    report,
    schedule,
    serves,
)

ARTICLE = Article("ab6a97c2e0394c38", "What is upadacitinib?")


def test_the_options_written_name_the_raised_rate_limit_and_only_the_names_of_inherited_settings() -> None:
    args = parse_arguments(["--index", "var/cache/corpus-x", "--seconds", "5", "--clients", "2"])
    asked = options(args, {"FOLLOWUP_API_KEY": "secret", "HOME": "/root"})
    assert (asked.index, asked.seconds, asked.clients, asked.changes, asked.article_id) == (
        "var/cache/corpus-x",
        5.0,
        2,
        5,
        None,
    )
    assert asked.feedback_rate_limit == FLOOD_RATE_LIMIT and asked.environment == ["FOLLOWUP_API_KEY"]


@pytest.mark.parametrize("argv", [["--clients", "0"], ["--seconds", "0"], ["--changes", "0"], []])
def test_options_out_of_range_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        parse_arguments(argv if not argv else ["--index", "x", *argv])
    assert refused.value.code == 2


def test_the_flood_counts_each_answer_and_rates_only_the_accepted_posts() -> None:
    statuses = Counter({"201": 900, "429": 5, "503": 2, "error": 1})
    flood = flood_figures(statuses, [0.01] * 908, seconds=10.0, clients=2)
    assert (flood.posted, flood.accepted, flood.refused, flood.errors) == (908, 900, 5, 1)
    assert flood.other_statuses == {"503": 2} and flood.accepted_per_s == 90.0 and flood.p50_ms == 10.0


def test_an_answer_serves_the_article_only_with_a_passage_from_it() -> None:
    passages = {"passages": [{"article_id": "other"}, {"article_id": ARTICLE.id}]}
    assert serves(httpx.Response(200, json=passages), ARTICLE.id)
    assert not serves(httpx.Response(200, json={"passages": [{"article_id": "other"}]}), ARTICLE.id)
    assert not serves(httpx.Response(404, json={"detail": "not an approved article"}), ARTICLE.id)
    with pytest.raises(FloodFailed, match="answered 503"):
        serves(httpx.Response(503, json={"detail": "no index"}), ARTICLE.id)


def test_the_changes_are_spread_over_the_flood_none_at_its_edges() -> None:
    assert schedule(10.0, 5) == [1.0, 3.0, 5.0, 7.0, 9.0]


def _measured(retracted_ms: list[float]) -> Measured:
    changes = []
    for number, served in enumerate(retracted_ms):
        changes.append(Change("retracted", 1.0 + 2 * number, 12.0 + number, served, 2))
        changes.append(Change("approved", 1.5 + 2 * number, 11.0, served + 50, 1))
    flood = flood_figures(Counter({"201": 1000}), [0.02] * 1000, seconds=5.0, clients=2)
    return Measured(ARTICLE, flood, changes, [0.5, 0.4, 0.3], [1.9, 0.7, 0.4])


def test_the_json_holds_each_change_with_the_flood_rate_the_options_and_the_load_average() -> None:
    asked = options(parse_arguments(["--index", "var/cache/corpus-x", "--seconds", "5"]), {})
    measured = _measured([120.0, 80.0, 300.0])
    command = "python -m benchmarks.feedback_flood --index var/cache/corpus-x --seconds 5"
    written = json.loads(json.dumps(record(command, "2026-12-08T00:40:00Z", asked, measured)))

    assert written["command"] == command and written["started_utc"] == "2026-12-08T00:40:00Z"
    assert written["options"]["index"] == "var/cache/corpus-x" and written["options"]["seconds"] == 5.0
    assert written["flood"]["accepted_per_s"] == 200.0 and written["flood"]["refused"] == 0
    assert written["retracted_served"] == {"p50_ms": 120.0, "max_ms": 300.0}
    assert written["approved_served"] == {"p50_ms": 170.0, "max_ms": 350.0}
    assert written["admin_request"]["retracted"] == {"p50_ms": 13.0, "max_ms": 14.0}
    assert [c["status"] for c in written["changes"]] == ["retracted", "approved"] * 3
    assert written["target_ms"] == 1000.0 and written["target_met"] is True
    assert (written["load_average_start"], written["load_average_end"]) == ([0.5, 0.4, 0.3], [1.9, 0.7, 0.4])
    assert written["article"] == {"id": ARTICLE.id, "question": ARTICLE.question}


def test_a_retraction_over_its_second_misses_the_target_and_says_so() -> None:
    asked = options(parse_arguments(["--index", "x"]), {})
    measured = _measured([120.0, 1000.5])
    assert not measured.target_met
    printed = report(asked, measured)
    assert "200.0 posts/s accepted" in printed and f"FOLLOWUP_FEEDBACK_RATE_LIMIT={FLOOD_RATE_LIMIT}" in printed
    assert "retracted, served after (ms): 120, 1000.5 (p50 560.2, max 1000.5)" in printed
    assert printed.splitlines()[-2].endswith("missed")


@pytest.mark.parametrize("made", ["nothing", "no generation", "an unverified generation"])
def test_an_index_it_cannot_serve_is_one_line_and_nothing_is_written_into_it(
    made: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmp_path / "index"
    if made != "nothing":
        index.mkdir()
        (index / "CURRENT").write_text("gen-20261208T000000000000Z", encoding="utf-8")
    if made == "an unverified generation":
        (index / "gen-20261208T000000000000Z").mkdir()
    before = sorted(tmp_path.rglob("*"))
    out = tmp_path / "flood.json"

    assert main(["--index", str(index), "--seconds", "1", "--json", str(out)]) == 2

    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1 and "Traceback" not in error
    assert sorted(tmp_path.rglob("*")) == before and not out.exists()
