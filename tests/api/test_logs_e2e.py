"""The real `followup serve` process logs JSON lines (its own and uvicorn's), with no question text by default."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.api.test_e2e import free_port

pytestmark = pytest.mark.e2e

QUESTION = "Ms Ottoline Vexbury, 63, on upadacitinib: how often did herpes zoster occur?"


def test_server_logs_json_with_request_ids_and_no_question(sample_index_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    log_file = tmp_path / "server.log"
    command = [sys.executable, "-m", "api", "serve", "--port", str(port), "--index", str(sample_index_dir)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "FOLLOWUP_LOG_QUESTIONS": "false"}
    with log_file.open("w") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.25)
            else:
                pytest.fail(f"server did not start:\n{log_file.read_text()}")
            response = httpx.post(f"{base}/v1/ask", json={"question": QUESTION}, timeout=30)
            assert response.status_code == 200
            request_id = response.headers["x-request-id"]
        finally:
            process.terminate()
            process.wait(timeout=30)
    text = log_file.read_text()
    assert "Vexbury" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(r["name"].startswith("uvicorn") for r in lines)  # uvicorn's own lines are JSON too
    (access,) = [r for r in lines if r["name"] == "followup.access" and r["request_id"] == request_id]
    assert access["route"] == "/v1/ask" and access["status"] == 200 and access["duration_ms"] > 0
    (answered,) = [r for r in lines if r["name"] == "followup.ask"]
    assert answered["request_id"] == request_id and "question" not in answered
