"""The throughput benchmark's question kinds, the limit it states beside its figures and the file it writes (wrk
itself is not run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.summary import Throughput
from benchmarks.throughput import (
    EncoderLimit,
    WrkRun,
    encoder_limit,
    of_kind,
    options,
    parse_arguments,
    reader_limit,
    record,
)

BODIES: list[dict[str, object]] = [
    {"question": "plain?"},
    {"question": "on the page?", "article_id": "a"},
    {"question": "after a turn?", "history": ["earlier?"]},
    {"question": "both?", "article_id": "a", "history": ["earlier?"]},
]


def test_plain_questions_have_no_context_and_follow_ups_an_open_article() -> None:
    assert [b["question"] for b in of_kind(BODIES, "plain")] == ["plain?"]
    assert [b["question"] for b in of_kind(BODIES, "followup")] == ["on the page?", "both?"]
    assert of_kind(BODIES, "all") == BODIES


def wrk_run(concurrency: int, requests_per_s: float, p50_ms: float) -> WrkRun:
    return WrkRun(
        concurrency=concurrency,
        seconds=20.0,
        requests=int(requests_per_s * 20),
        requests_per_s=requests_per_s,
        p50_ms=p50_ms,
        p90_ms=p50_ms * 1.5,
        p99_ms=p50_ms * 2,
        non_2xx=0,
        socket_errors=0,
        server_cpu_ms_per_request=9.5,
        load_average_before=[0.5, 0.4, 0.3],
        load_average_after=[1.5, 0.6, 0.4],
    )


def test_the_json_holds_each_run_with_its_options_the_encoder_limit_and_the_load_average() -> None:
    argv = ["--index", "var/index", "--kind", "followup", "--top-k", "3", "--concurrency", "1,8", "--seconds", "20"]
    asked = options(parse_arguments(argv), {"FOLLOWUP_READER": "false", "HOME": "/root"})
    limit = EncoderLimit(questions=40, ms_per_question=4.0, cores=2, requests_per_s=500.0)
    runs = [wrk_run(1, 70.0, 12.0), wrk_run(8, 90.0, 85.0)]
    command = "python -m benchmarks.throughput " + " ".join(argv)
    written = json.loads(json.dumps(record(command, "2026-12-08T10:00:00Z", asked, limit, None, runs)))

    assert written["options"] == {
        "index": "var/index",
        "questions": "eval/gold/sample.jsonl",  # relative: no machine's path in a committed file
        "question_limit": None,
        "kind": "followup",
        "top_k": 3,
        "mode": "hybrid",
        "concurrency": [1, 8],
        "seconds": 20.0,
        "workers": 1,
        "code": ".",
        "environment": ["FOLLOWUP_READER"],  # names only: a value may be a secret
        "wrk_threads": 1,
    }
    assert written["encoder_limit"]["requests_per_s"] == 500.0 and written["reader_limit"] is None
    assert [(r["concurrency"], r["load_average_before"], r["share_of_encoder_limit"]) for r in written["runs"]] == [
        (1, [0.5, 0.4, 0.3], 0.14),
        (8, [0.5, 0.4, 0.3], 0.18),
    ]
    read = Throughput.model_validate(written)  # what benchmarks.summary reads of it
    assert read.questions == "followup" and read.variant() == "FOLLOWUP_READER set"


def test_a_beir_sets_questions_are_recorded_as_plain() -> None:
    argv = ["--index", "var/bench/100000", "--beir", "../shared/data/medquad-beir:dev", "--questions", "500"]
    asked = options(parse_arguments(argv), {})
    assert (asked.kind, asked.questions, asked.question_limit) == ("plain", "../shared/data/medquad-beir:dev", 500)


@pytest.mark.slow
def test_the_encoder_limit_is_the_served_encoders_rate_times_the_cores() -> None:
    limit = encoder_limit(["What dose of upadacitinib?", "Which vaccines before starting?"] * 10, cores=2)
    assert limit.questions == 20 and limit.cores == 2 and limit.ms_per_question > 0
    assert limit.requests_per_s == pytest.approx(2 * 1000 / limit.ms_per_question, rel=0.01)


@pytest.mark.slow
def test_the_reader_limit_adds_the_readers_time_to_the_encoders(sample_index_dir: Path) -> None:
    encoder = encoder_limit(["What dose of upadacitinib?"] * 5, cores=2)
    bodies: list[dict[str, object]] = [{"question": "What dose of upadacitinib?"}] * 12
    bodies += [{"question": "and in pregnancy?", "article_id": "ab6a97c2e0394c38"}] * 12
    reading = reader_limit(bodies, sample_index_dir, encoder)
    assert reading is not None and reading.questions == 24 and reading.ms_per_question > 0
    both = 2 * 1000 / (reading.ms_per_question + encoder.ms_per_question)
    assert reading.encoder_and_reader_requests_per_s == pytest.approx(both, rel=0.01)
    assert reading.encoder_and_reader_requests_per_s < min(reading.requests_per_s, encoder.requests_per_s)
