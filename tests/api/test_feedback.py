"""Feedback on answers (POST /v1/feedback, api/routes/feedback.py) and `followup feedback export`: the real app
over a private copy of the sample index, the store a real SQLite file of its own beside it (or PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.feedback import Bounds, SqliteFeedbackStore
from api.feedback.postgres import PostgresFeedbackStore
from api.settings import AppSettings
from eval.datasets import load_gold
from tests.conftest import SEED_ID

QUESTION = "How common was herpes zoster on upadacitinib?"
ADMIN_TOKEN = "feedback-admin-token"
BOUNDS = Bounds(max_rows=100_000, retention_days=180)
runner = CliRunner()


def _client(index: Path, keep_questions: bool, **settings: object) -> TestClient:
    return TestClient(create_app(AppSettings.of(index_dir=index, feedback_questions=keep_questions, **settings)))


def _stored(index: Path) -> SqliteFeedbackStore:
    return SqliteFeedbackStore(index / "feedback.sqlite", BOUNDS)


def _first_passage(client: TestClient) -> str:
    body = client.post("/v1/ask", json={"question": QUESTION, "article_id": SEED_ID, "top_k": 3}).json()
    return str(body["passages"][0]["chunk_id"])


@pytest.fixture
def kept(index_copy: Path) -> Iterator[TestClient]:
    with _client(index_copy, keep_questions=True) as client:
        yield client


def test_feedback_with_questions_kept_exports_as_gold_questions(kept: TestClient, index_copy: Path) -> None:
    chunk = _first_passage(kept)
    asked = {"question": QUESTION, "article_id": SEED_ID, "history": ["is it approved for AS?"]}
    response = kept.post("/v1/feedback", json=asked | {"kind": "helpful", "chunk_id": chunk})
    assert response.status_code == 201 and response.json()["question_stored"] is True
    again = kept.post("/v1/feedback", json=asked | {"kind": "helpful", "chunk_id": chunk})
    assert again.status_code == 201 and again.json()["id"] == response.json()["id"]  # the same client's vote, once
    declined = {"question": "Ocrelizumab infusion rate?", "kind": "none_answer"}
    assert kept.post("/v1/feedback", json=declined).status_code == 201

    out = index_copy.parent / "feedback.jsonl"
    result = runner.invoke(cli, ["feedback", "export", "--index", str(index_copy), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 questions" in result.output and "1 answerable" in result.output
    assert (index_copy.parent / "feedback.votes.jsonl").is_file()
    answerable, unanswerable = load_gold(out)  # what followup eval --gold reads
    assert (answerable.question, answerable.article_id, answerable.history) == (QUESTION, SEED_ID, asked["history"])
    assert answerable.relevant == [chunk] and answerable.answerable and answerable.split.value == "tune"
    assert unanswerable.question == declined["question"] and not unanswerable.answerable


def test_without_the_setting_only_a_digest_is_stored(index_copy: Path) -> None:
    with _client(index_copy, keep_questions=False) as client:
        chunk = _first_passage(client)
        asked = {"question": QUESTION, "history": ["a patient detail"], "kind": "helpful", "chunk_id": chunk}
        body = client.post("/v1/feedback", json=asked).json()
        assert body["question_stored"] is False
    store = _stored(index_copy)
    (row,) = store.all()
    assert row.question is None and row.history == ()
    assert row.question_digest == store.digester.question(QUESTION, None, ("a patient detail",))  # keyed
    store.close()
    raw = (index_copy / "feedback.sqlite").read_bytes()
    assert QUESTION.encode() not in raw and b"a patient detail" not in raw and b"testclient" not in raw
    out = index_copy.parent / "feedback.jsonl"
    result = runner.invoke(cli, ["feedback", "export", "--index", str(index_copy), "--out", str(out)])
    assert result.exit_code == 0 and "wrote 0 questions" in result.output
    assert "1 more were given feedback without their text stored" in result.output
    assert out.read_text(encoding="utf-8") == ""


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"question": QUESTION, "kind": "helpful"}, 422),  # a passage's feedback names the passage
        ({"question": QUESTION, "kind": "none_answer", "chunk_id": "x:y"}, 422),  # a question's does not
        ({"question": QUESTION, "kind": "loved"}, 422),
        ({"question": "  ", "kind": "none_answer"}, 422),
        ({"question": QUESTION, "kind": "none_answer", "rating": 5}, 422),
        ({"question": QUESTION, "kind": "helpful", "chunk_id": f"{SEED_ID}:000000000000"}, 404),
        ({"question": QUESTION, "kind": "none_answer", "article_id": "0000000000000000"}, 404),  # as /v1/ask
    ],
)
def test_bad_feedback_is_refused_and_nothing_is_written(
    kept: TestClient, index_copy: Path, body: dict[str, object], status: int
) -> None:
    assert kept.post("/v1/feedback", json=body).status_code == status
    store = _stored(index_copy)
    assert store.all() == []
    store.close()


def test_export_without_a_store_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["feedback", "export", "--index", str(tmp_path), "--out", str(tmp_path / "f.jsonl")])
    assert result.exit_code != 0 and "no feedback store" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "f.jsonl").exists()


def test_with_postgresql_feedback_has_tables_of_its_own(index_copy: Path, postgres_url: str) -> None:
    """FOLLOWUP_OVERRIDES_URL: the same route and export, the rows in PostgreSQL, nothing in a SQLite file."""
    settings = AppSettings.of(index_dir=index_copy, feedback_questions=True, overrides_url=SecretStr(postgres_url))
    with TestClient(create_app(settings)) as client:
        chunk = _first_passage(client)
        body = {"question": QUESTION, "kind": "helpful", "chunk_id": chunk}
        assert client.post("/v1/feedback", json=body).status_code == 201
    assert not (index_copy / "overrides.sqlite").exists() and not (index_copy / "feedback.sqlite").exists()
    store = PostgresFeedbackStore(postgres_url, BOUNDS)
    (row,) = store.all()
    store.close()
    assert (row.question, row.chunk_id, row.kind.value) == (QUESTION, chunk, "helpful")
    out = index_copy.parent / "feedback.jsonl"
    export = ["feedback", "export", "--index", str(index_copy), "--out", str(out)]
    result = runner.invoke(cli, export, env={"FOLLOWUP_OVERRIDES_URL": postgres_url})
    assert result.exit_code == 0, result.output
    (exported,) = load_gold(out)
    assert exported.relevant == [chunk]


def test_a_flood_from_one_client_is_refused_with_when_to_retry(index_copy: Path) -> None:
    with _client(index_copy, keep_questions=False, feedback_rate_limit=5, feedback_rate_window_seconds=60) as client:
        statuses = []
        for number in range(8):
            response = client.post("/v1/feedback", json={"question": f"q{number}", "kind": "none_answer"})
            statuses.append(response.status_code)
        assert statuses == [201] * 5 + [429] * 3
        assert response.headers["Retry-After"] == "12" and "at most 5 per 60 s" in response.json()["detail"]
        assert client.post("/v1/feedback", json={"question": "q", "kind": "loved"}).status_code == 422  # no token
    store = _stored(index_copy)
    assert store.count() == 5
    store.close()


def test_review_status_changes_go_through_while_feedback_is_flooded(index_copy: Path) -> None:
    """An editor retracts and approves through the admin route while another thread posts feedback as fast as it
    can: every change answers 200 promptly and takes effect."""
    settings = {"admin_token": SecretStr(ADMIN_TOKEN), "feedback_rate_limit": 100_000}
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with _client(index_copy, keep_questions=True, **settings) as client:
        stop, posted, failed = threading.Event(), [0], []

        def flood() -> None:
            while not stop.is_set() and posted[0] < 2000:
                response = client.post("/v1/feedback", json={"question": f"q{posted[0]}", "kind": "none_answer"})
                if response.status_code != 201:
                    failed.append(response.status_code)
                posted[0] += 1

        flooding = threading.Thread(target=flood)
        flooding.start()
        try:
            while posted[0] < 10:
                time.sleep(0.005)
            for status in ("retracted", "approved", "retracted"):
                started = time.monotonic()
                change = {"status": status, "reason": "checked while feedback floods"}
                answer = client.post(f"/v1/admin/articles/{SEED_ID}/status", json=change, headers=admin)
                assert answer.status_code == 200 and time.monotonic() - started < 5.0, answer.text
        finally:
            stop.set()
            flooding.join(timeout=60)
        asked = client.post("/v1/ask", json={"question": QUESTION, "article_id": SEED_ID})
        assert asked.status_code == 404  # the last change, a retraction, is in effect
        assert failed == [] and posted[0] >= 10
