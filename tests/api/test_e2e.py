"""End to end: the real `followup serve` process on a free port, asked over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from rag.types import CAVEAT
from tests.api.servers import free_port
from tests.conftest import SEED_ID

pytestmark = pytest.mark.e2e


def test_asks_over_http(server: str) -> None:
    response = httpx.post(
        f"{server}/v1/ask",
        json={
            "question": "What share of biologic-naive ankylosing spondylitis patients reached ASAS40 at "
            "week 14 on upadacitinib?"
        },
        timeout=30,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["caveat"] == CAVEAT
    top = body["passages"][0]
    assert top["article_id"] == SEED_ID and "52%" in top["text"] and top["citations"] == [2]


def test_screening_claim_is_in_the_top_3_over_http(server: str) -> None:
    body = httpx.post(
        f"{server}/v1/ask",
        json={"question": "Which tests should I screen for before starting upadacitinib?", "top_k": 3},
        timeout=30,
    ).json()
    assert [6, 7] in [p["citations"] for p in body["passages"]]


def test_bad_questions_are_422_over_http(server: str) -> None:
    for question in ("", "q" * 3000):
        response = httpx.post(f"{server}/v1/ask", json={"question": question}, timeout=30)
        assert response.status_code == 422
        assert "detail" in response.json()


def test_eval_url_mode_scores_the_running_server(server: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    gold = Path(__file__).resolve().parents[2] / "eval" / "gold" / "sample.jsonl"
    out = tmp_path / "gold.json"
    result = CliRunner().invoke(
        app,
        ["eval", "--gold", str(gold), "--url", server, "--modes", "bm25,hybrid", "--limit", "80", "--json", str(out)],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(out.read_text())
    assert summary["split"] == "gold" and summary["queries"] >= 40
    assert summary["results"]["hybrid"]["ndcg@10"] > 0.5
    assert (tmp_path / "gold.hybrid.trec").read_text().count(" Q0 ") > 100


def test_eval_url_mode_reports_an_unreachable_server(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    gold = Path(__file__).resolve().parents[2] / "eval" / "gold" / "sample.jsonl"
    result = CliRunner().invoke(app, ["eval", "--gold", str(gold), "--url", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "ConnectError" in result.output
