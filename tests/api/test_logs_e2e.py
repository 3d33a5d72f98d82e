"""The real `followup serve` process logs JSON lines (its own and uvicorn's), with no question text by default."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.api.servers import Server

pytestmark = pytest.mark.e2e

QUESTION = "Ms Ottoline Vexbury, 63, on upadacitinib: how often did herpes zoster occur?"


def test_server_logs_json_with_request_ids_and_no_question(served: Server) -> None:
    """On the shared server, started with the defaults (FOLLOWUP_LOG_QUESTIONS unset)."""
    response = httpx.post(f"{served.base}/v1/ask", json={"question": QUESTION}, timeout=30)
    assert response.status_code == 200
    request_id = response.headers["x-request-id"]
    text = _logged_until(served.log, request_id)
    assert "Vexbury" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(r["name"].startswith("uvicorn") for r in lines)  # uvicorn's own lines are JSON too
    (access,) = [r for r in lines if r["name"] == "followup.access" and r["request_id"] == request_id]
    assert access["route"] == "/v1/ask" and access["status"] == 200 and access["duration_ms"] > 0
    (answered,) = [r for r in lines if r["name"] == "followup.ask" and r.get("request_id") == request_id]
    assert answered["request_id"] == request_id and "question" not in answered


def _logged_until(log: Path, request_id: str) -> str:
    """The log once the request's access line is in it (the server writes it as the response leaves)."""
    deadline = time.monotonic() + 10
    while (text := log.read_text()).count(request_id) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    return text
