"""The HTTP contract, in-process (the real app, index and model); the e2e test covers a real server."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import AppSettings
from rag.types import CAVEAT
from tests.conftest import SEED_ID


@pytest.fixture(scope="module")
def client(sample_index_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(AppSettings.of(index_dir=sample_index_dir))) as test_client:
        yield test_client


def test_ask_returns_passages_with_citations_and_caveat(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": "How common was herpes zoster on upadacitinib?"})
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is True and body["outcome"] == "answered" and body["reason"] is None
    assert body["caveat"] == CAVEAT
    passage = body["passages"][0]
    for field in (
        "rank",
        "score",
        "chunk_id",
        "article_id",
        "article_title",
        "section",
        "text",
        "citations",
        "references",
        "review_status",
        "last_updated",
        "url",
        "scores",
    ):
        assert field in passage
    assert passage["review_status"] == "approved"
    assert len(body["passages"]) == 5


@pytest.mark.parametrize(
    "payload",
    [
        {"question": ""},
        {"question": "   "},
        {"question": "x" * 3000},
        {},
        {"question": "ok?", "top_k": 0},
        {"question": "ok?", "top_k": 51},
        {"question": "ok?", "mode": "semantic"},
        {"question": "ok?", "unexpected": 1},
        {"question": 42},
        {"question": "ok?", "history": "not a list"},
    ],
)
def test_bad_input_is_422_with_json_detail(client: TestClient, payload: dict[str, object]) -> None:
    response = client.post("/v1/ask", json=payload)
    assert response.status_code == 422
    assert "detail" in response.json()


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_unknown_article_context_is_404(client: TestClient) -> None:
    # Well-formed input (so not 422) that names an article we may not serve.
    response = client.post("/v1/ask", json={"question": "and in pregnancy?", "article_id": "nope"})
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_article_endpoint_serves_approved_articles_only(client: TestClient) -> None:
    article = client.get(f"/v1/articles/{SEED_ID}").json()
    assert article["review_status"] == "approved"
    assert article["sections"][1]["title"] == "Clinical Trial Efficacy Data"
    assert len(article["references"]) == 7
    for unknown in ("0b8267243f1606b2", "does-not-exist"):  # submitted; missing
        response = client.get(f"/v1/articles/{unknown}")
        assert response.status_code == 404
        assert "detail" in response.json()


def test_healthz(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["chunks"] > 0


def test_question_text_is_not_logged_by_default(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    secret = "Mrs Example, 54, on upadacitinib with fever since Tuesday"
    with caplog.at_level(logging.DEBUG):
        assert client.post("/v1/ask", json={"question": secret}).status_code == 200
    (record,) = [r for r in caplog.records if r.name == "followup.ask"]
    assert record.question_chars == len(secret) and not hasattr(record, "question")
    assert secret not in caplog.text and "Mrs Example" not in caplog.text


@pytest.mark.parametrize("question", ["\u0000", "?!", "... ---", "\u0000\u0001 ?"])
def test_a_question_without_words_is_declined_not_rejected(client: TestClient, question: str) -> None:
    response = client.post("/v1/ask", json={"question": question, "article_id": SEED_ID})
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is False and body["passages"] == [] and body["answerability"] == 0
    assert body["outcome"] == "declined" and body["reason"] == "The question has no words to answer."
    assert body["caveat"] == CAVEAT


def test_an_off_topic_follow_up_on_an_article_page_is_declined(client: TestClient) -> None:
    question = "How do I reset the password of my home wifi router?"
    body = client.post("/v1/ask", json={"question": question, "article_id": SEED_ID, "top_k": 3}).json()
    assert body["answered"] is False and body["passages"] == []
