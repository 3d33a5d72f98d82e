"""Admin endpoints, auth, readiness and CORS, in-process (the real app, index and model)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from pydantic import SecretStr
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.security import ConfigError
from api.settings import AppSettings
from index.embedder import Embedder
from index.store import current_generation
from rag.building import build_index
from rag.settings import PipelineSettings
from tests.conftest import CORPUS, SEED_ID
from tests.postgres import Postgres

TOKEN = "s3cret-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
SUBMITTED_ID = "0b8267243f1606b2"  # "What are the treatment options for a patient with alopecia areata?"
ASAS40 = "What share of biologic-naive ankylosing spondylitis patients reached ASAS40 at week 14 on upadacitinib?"
ALOPECIA = "What are the treatment options for alopecia areata?"


def _settings(index_dir: Path, **extra: object) -> AppSettings:
    return AppSettings.of(index_dir=index_dir, admin_token=SecretStr(TOKEN), **extra)


@pytest.fixture
def client(index_copy: Path) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(index_copy))) as test_client:
        yield test_client


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> dict[str, object]:
    """Settings of each override store: the default SQLite file beside the index, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return {}
    return {"overrides_url": SecretStr(request.getfixturevalue("postgres_url"))}


def _ask_ids(client: TestClient, question: str, headers: dict[str, str] | None = None) -> set[str]:
    response = client.post("/v1/ask", json={"question": question, "top_k": 50}, headers=headers or {})
    assert response.status_code == 200, response.text
    return {p["article_id"] for p in response.json()["passages"]}


def _set(client: TestClient, article_id: str, status: str, reason: str = "test") -> dict[str, object]:
    response = client.post(
        f"/v1/admin/articles/{article_id}/status", json={"status": status, "reason": reason}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}])
def test_admin_endpoints_need_the_bearer_token(client: TestClient, headers: dict[str, str]) -> None:
    for path, body in (
        ("/v1/admin/reload", None),
        (f"/v1/admin/articles/{SEED_ID}/status", {"status": "retracted", "reason": "x"}),
    ):
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 401
        assert response.json()["detail"] == "admin token missing or wrong"
    assert SEED_ID in _ask_ids(client, ASAS40)  # nothing changed


def test_retraction_takes_effect_at_once_and_is_audited(index_copy: Path, store: dict[str, object]) -> None:
    with TestClient(create_app(_settings(index_copy, **store))) as client:
        _check_retraction_takes_effect_at_once_and_is_audited(client)


def _check_retraction_takes_effect_at_once_and_is_audited(client: TestClient) -> None:
    assert SEED_ID in _ask_ids(client, ASAS40)
    # No waiting anywhere below: the change is visible to the very next request.
    body = _set(client, SEED_ID, "retracted", "withdrawn by the journal")
    assert body["status"] == "retracted" and body["corpus_status"] == "approved" and body["served"] is False
    for mode in ("hybrid", "bm25", "dense"):
        response = client.post("/v1/ask", json={"question": ASAS40, "top_k": 50, "mode": mode})
        assert SEED_ID not in {p["article_id"] for p in response.json()["passages"]}
        assert len(response.json()["passages"]) > 0
    assert client.get(f"/v1/articles/{SEED_ID}").status_code == 404
    follow_up = client.post("/v1/ask", json={"question": "and in pregnancy?", "article_id": SEED_ID})
    assert follow_up.status_code == 404
    audit = client.get(f"/v1/admin/articles/{SEED_ID}/status", headers=ADMIN).json()["audit"]
    assert [(a["who"], a["reason"], a["old_status"], a["new_status"]) for a in audit] == [
        ("admin", "withdrawn by the journal", "approved", "retracted")
    ]
    _set(client, SEED_ID, "approved", "reinstated")
    assert SEED_ID in _ask_ids(client, ASAS40)
    assert client.get(f"/v1/articles/{SEED_ID}").json()["review_status"] == "approved"


def test_approving_a_submitted_article_serves_it_without_a_rebuild(client: TestClient) -> None:
    assert client.get(f"/v1/articles/{SUBMITTED_ID}").status_code == 404
    assert SUBMITTED_ID not in _ask_ids(client, ALOPECIA)
    _set(client, SUBMITTED_ID, "approved", "reviewed by Dr B")
    assert client.get(f"/v1/articles/{SUBMITTED_ID}").json()["review_status"] == "approved"
    passages = client.post("/v1/ask", json={"question": ALOPECIA, "top_k": 50}).json()["passages"]
    assert SUBMITTED_ID in {p["article_id"] for p in passages}
    assert all(p["review_status"] == "approved" for p in passages)
    _set(client, SUBMITTED_ID, "under_review", "second look")
    assert SUBMITTED_ID not in _ask_ids(client, ALOPECIA)


def test_an_override_changes_what_no_approved_article_mentions_from_the_next_request(client: TestClient) -> None:
    """The submitted article is the one that names deuruxolitinib, the seed article the one that names adalimumab."""

    def unmentioned(question: str) -> tuple[list[str], str]:
        body = client.post("/v1/ask", json={"question": question}).json()
        return body["unmentioned"], body["reason"] or ""

    newer_jak = "Is deuruxolitinib an option for alopecia areata?"
    names, reason = unmentioned(newer_jak)
    assert names == ["deuruxolitinib"] and reason.startswith("No approved article mentions deuruxolitinib.")
    _set(client, SUBMITTED_ID, "approved", "reviewed by Dr B")
    names, reason = unmentioned(newer_jak)
    assert names == [] and "deuruxolitinib" not in reason
    _set(client, SUBMITTED_ID, "under_review", "second look")
    assert unmentioned(newer_jak)[0] == ["deuruxolitinib"]

    switch = "Could adalimumab be tried instead of upadacitinib?"
    assert unmentioned(switch)[0] == []
    _set(client, SEED_ID, "retracted", "withdrawn by the journal")
    assert unmentioned(switch)[0] == ["adalimumab"]


@pytest.mark.parametrize(
    "body",
    [
        {"status": "published", "reason": "x"},
        {"status": "retracted"},
        {"status": "retracted", "reason": ""},
        {"status": "retracted", "reason": "   "},
        {"status": "retracted", "reason": "x" * 501},
        {"status": "retracted", "reason": "x", "by": "me"},
    ],
)
def test_bad_status_changes_are_422(client: TestClient, body: dict[str, str]) -> None:
    response = client.post(f"/v1/admin/articles/{SEED_ID}/status", json=body, headers=ADMIN)
    assert response.status_code == 422 and "detail" in response.json()


def test_unknown_article_is_404(client: TestClient) -> None:
    response = client.post(
        "/v1/admin/articles/does-not-exist/status", json={"status": "retracted", "reason": "x"}, headers=ADMIN
    )
    assert response.status_code == 404 and "does-not-exist" in response.json()["detail"]


def test_overrides_survive_a_restart_and_yield_to_a_build_that_includes_them(
    index_copy: Path, settings: PipelineSettings, embedder: Embedder, tmp_path: Path, store: dict[str, object]
) -> None:
    with TestClient(create_app(_settings(index_copy, **store))) as client:
        _set(client, SEED_ID, "retracted", "withdrawn")
    with TestClient(create_app(_settings(index_copy, **store))) as client:  # a restart
        assert client.get(f"/v1/articles/{SEED_ID}").status_code == 404
        # A build whose corpus still says approved does not undo the retraction.
        build_index(CORPUS, index_copy, settings, embedder)
        assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 200
        assert client.get(f"/v1/articles/{SEED_ID}").status_code == 404
        # The corpus catches up: the build includes the retraction, and from then on the corpus decides.
        corpus = tmp_path / "corpus"
        shutil.copytree(CORPUS, corpus)
        settings = settings.replace(abstention=False)  # statuses are under test, not what a build learns
        article = corpus / "articles" / f"{SEED_ID}.md"
        article.write_text(article.read_text().replace("status: approved", "status: retracted", 1))
        build_index(corpus, index_copy, settings, embedder)
        assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 200
        status = client.get(f"/v1/admin/articles/{SEED_ID}/status", headers=ADMIN).json()
        assert status["corpus_status"] == "retracted" and status["status"] == "retracted"
        assert status["audit"][-1]["who"] == "build"
        shutil.copy(CORPUS / "articles" / f"{SEED_ID}.md", article)  # re-approved in the corpus
        build_index(corpus, index_copy, settings, embedder)
        assert client.post("/v1/admin/reload", headers=ADMIN).status_code == 200
        assert client.get(f"/v1/articles/{SEED_ID}").status_code == 200


def test_an_unreachable_status_database_refuses_changes_and_serving_goes_on(
    index_copy: Path, postgres: Postgres, postgres_url: str
) -> None:
    with TestClient(create_app(_settings(index_copy, overrides_url=SecretStr(postgres_url)))) as client:
        _set(client, SEED_ID, "retracted", "withdrawn")
        database = sql.Identifier(postgres_url.rsplit("/", 1)[1])
        with psycopg.connect(postgres.url(), autocommit=True) as conn:  # the database goes away
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(database))
        change = {"status": "approved", "reason": "x"}
        refused = client.post(f"/v1/admin/articles/{SEED_ID}/status", json=change, headers=ADMIN)
        assert refused.status_code == 503
        detail = refused.json()["detail"]
        assert "review-status database" in detail and "FOLLOWUP_OVERRIDES_URL" in detail
        assert SEED_ID not in _ask_ids(client, ASAS40)  # still served from the last statuses it had
        assert client.get(f"/v1/articles/{SEED_ID}").status_code == 404


def test_reload_swaps_generation_and_refuses_a_corrupted_one(
    client: TestClient, index_copy: Path, settings: PipelineSettings, embedder: Embedder
) -> None:
    first = client.get("/readyz").json()["index_version"]
    second = build_index(CORPUS, index_copy, settings, embedder).directory
    response = client.post("/v1/admin/reload", headers=ADMIN)
    assert response.status_code == 200
    assert response.json() == {"generation": second.name, "previous": first}
    third = build_index(CORPUS, index_copy, settings, embedder).directory
    chunks = third / "chunks.arrow"
    chunks.write_bytes(chunks.read_bytes()[:-50])
    response = client.post("/v1/admin/reload", headers=ADMIN)
    assert response.status_code == 409
    assert str(chunks) in response.json()["detail"] and response.json()["serving"] == second.name
    assert client.get("/healthz").json()["index_version"] == second.name
    assert SEED_ID in _ask_ids(client, ASAS40)


def test_without_an_index_it_is_alive_but_not_ready_until_one_is_loaded(
    tmp_path: Path, settings: PipelineSettings, embedder: Embedder
) -> None:
    index_dir = tmp_path / "empty"
    with TestClient(create_app(_settings(index_dir))) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["ready"] is False and "no index at" in ready.json()["reason"]
        ask = client.post("/v1/ask", json={"question": ASAS40})
        assert ask.status_code == 503 and "not ready" in ask.json()["detail"]
        refused = client.post("/v1/admin/reload", headers=ADMIN)
        assert refused.status_code == 409 and refused.json()["serving"] is None
        build_index(CORPUS, index_dir, settings.replace(abstention=False), embedder)  # readiness is under test
        assert client.post("/v1/admin/reload", headers=ADMIN).json()["previous"] is None
        assert client.get("/readyz").json() == {
            "ready": True,
            "reason": None,
            "index_version": current_generation(index_dir).name,
            "pid": os.getpid(),
        }


def test_api_key_guards_read_endpoints_when_set(index_copy: Path) -> None:
    with TestClient(create_app(_settings(index_copy, api_key=SecretStr("reader-key")))) as client:
        for headers in ({}, {"X-API-Key": "wrong"}):
            assert client.post("/v1/ask", json={"question": ASAS40}, headers=headers).status_code == 401
            assert client.get(f"/v1/articles/{SEED_ID}", headers=headers).status_code == 401
        assert SEED_ID in _ask_ids(client, ASAS40, {"X-API-Key": "reader-key"})
        assert client.get(f"/v1/articles/{SEED_ID}", headers={"X-API-Key": "reader-key"}).status_code == 200
        ask = client.get("/openapi.json").json()["paths"]["/v1/ask"]["post"]
        assert ask["security"] == [{"APIKeyHeader": []}] and "401" in ask["responses"]
        assert client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200


def test_without_an_api_key_the_schema_asks_for_none(client: TestClient) -> None:
    """No key configured: no security requirement and no 401 on the read routes (a request needs no header)."""
    schema = client.get("/openapi.json").json()
    for path in ("/v1/ask", "/v1/articles", "/v1/articles/{article_id}", "/v1/related"):
        for operation in schema["paths"][path].values():
            assert "security" not in operation and "401" not in operation["responses"], path
    reload = schema["paths"]["/v1/admin/reload"]["post"]
    assert {"200", "401", "409"} <= set(reload["responses"]) and reload["security"] == [{"HTTPBearer": []}]
    for method in ("get", "post"):
        status = schema["paths"]["/v1/admin/articles/{article_id}/status"][method]
        assert {"200", "401", "404", "422", "503"} <= set(status["responses"])


def test_wrong_method_lists_every_method_of_the_path(client: TestClient) -> None:
    response = client.put(f"/v1/admin/articles/{SEED_ID}/status", headers=ADMIN)
    assert response.status_code == 405 and {"GET", "POST"} <= set(response.headers["allow"].split(", "))


def test_cors_allows_only_configured_origins(index_copy: Path) -> None:
    allowed = "https://widget.example.org"
    with TestClient(create_app(_settings(index_copy, cors_origins=[allowed]))) as client:
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        ok = client.options("/v1/ask", headers={"Origin": allowed, **preflight})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == allowed
        other = client.options("/v1/ask", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in other.headers
        simple = client.get(f"/v1/articles/{SEED_ID}", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in simple.headers


@pytest.mark.slow  # starts the app (loads the model)
def test_admin_is_off_without_a_token_and_refused_when_forced_on(tmp_path: Path) -> None:
    with TestClient(create_app(AppSettings.of(index_dir=tmp_path))) as client:
        assert client.post("/v1/admin/reload").status_code == 404
    with pytest.raises(ConfigError, match="FOLLOWUP_ADMIN_TOKEN"):
        create_app(AppSettings.of(index_dir=tmp_path, admin_enabled=True))


def test_serve_refuses_to_start_with_admin_enabled_and_no_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLLOWUP_ADMIN_ENABLED", "true")
    monkeypatch.delenv("FOLLOWUP_ADMIN_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("error: admin endpoints are enabled but FOLLOWUP_ADMIN_TOKEN is not set")
    assert result.output.count("\n") == 1
