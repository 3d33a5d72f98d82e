"""The real `followup serve` process logs JSON lines (its own and uvicorn's), with no question text by default."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.api.servers import running_server

pytestmark = pytest.mark.e2e

QUESTION = "Ms Ottoline Vexbury, 63, on upadacitinib: how often did herpes zoster occur?"


def test_server_logs_json_with_request_ids_and_no_question(sample_index_dir: Path, tmp_path: Path) -> None:
    log_file = tmp_path / "server.log"
    with running_server(sample_index_dir, log_file, {"FOLLOWUP_LOG_QUESTIONS": "false"}) as server:
        response = httpx.post(f"{server.base}/v1/ask", json={"question": QUESTION}, timeout=30)
        assert response.status_code == 200
        request_id = response.headers["x-request-id"]
    text = log_file.read_text()
    assert "Vexbury" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(r["name"].startswith("uvicorn") for r in lines)  # uvicorn's own lines are JSON too
    (access,) = [r for r in lines if r["name"] == "followup.access" and r["request_id"] == request_id]
    assert access["route"] == "/v1/ask" and access["status"] == 200 and access["duration_ms"] > 0
    (answered,) = [r for r in lines if r["name"] == "followup.ask"]
    assert answered["request_id"] == request_id and "question" not in answered
