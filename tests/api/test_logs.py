"""Structured logs: one JSON object per line with request id, route, status and latency; no question text."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.logs import RequestIdFilter, json_formatter, request_id_from
from api.settings import AppSettings

QUESTION = "Mr Zebedee Quixote, 71, herpes zoster on upadacitinib since Friday: what is the rate?"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The app's loggers write JSON (as `followup serve` configures them) into a buffer for the test."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("followup")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def ask(sample_index_dir: Path, log_questions: bool, request_id: str | None = None) -> str:
    app = create_app(AppSettings.of(index_dir=sample_index_dir, log_questions=log_questions))
    headers = {"X-Request-ID": request_id} if request_id else {}
    with TestClient(app) as client:
        response = client.post("/v1/ask", json={"question": QUESTION}, headers=headers)
    assert response.status_code == 200
    return response.headers["x-request-id"]


def test_request_is_logged_as_json_without_the_question(sample_index_dir: Path, json_lines: io.StringIO) -> None:
    request_id = ask(sample_index_dir, log_questions=False, request_id="trace-42")
    assert request_id == "trace-42"
    lines = records(json_lines)
    (access,) = [r for r in lines if r["name"] == "followup.access"]
    assert access["request_id"] == "trace-42" and access["method"] == "POST" and access["route"] == "/v1/ask"
    assert access["status"] == 200 and access["duration_ms"] > 0
    (answered,) = [r for r in lines if r["name"] == "followup.ask"]
    assert answered["request_id"] == "trace-42" and answered["question_chars"] == len(QUESTION)
    assert "question" not in answered
    assert "Zebedee" not in json_lines.getvalue()


def test_question_is_logged_only_when_asked_to(sample_index_dir: Path, json_lines: io.StringIO) -> None:
    ask(sample_index_dir, log_questions=True)
    (answered,) = [r for r in records(json_lines) if r["name"] == "followup.ask"]
    assert answered["question"] == QUESTION


@pytest.mark.parametrize("given", [None, "", "a" * 65, "has space", "new\nline", "émoji"])
def test_unusable_request_ids_are_replaced(given: str | None) -> None:
    generated = request_id_from(given)
    assert generated != given and len(generated) == 32 and int(generated, 16) >= 0


def test_plain_request_ids_are_kept() -> None:
    assert request_id_from("0f8c2a9e-1b7d-4c43-9d56-3a2e0c1b9f77") == "0f8c2a9e-1b7d-4c43-9d56-3a2e0c1b9f77"
