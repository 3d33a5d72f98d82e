"""GET /metrics: Prometheus text with requests by route template and status, latency, and the served index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from api.app import create_app
from api.settings import AppSettings
from tests.conftest import SEED_ID


@pytest.fixture(scope="module")
def client(sample_index_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(AppSettings.of(index_dir=sample_index_dir, max_body_bytes=4096))) as test_client:
        yield test_client


def samples(client: TestClient) -> list[Sample]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return [sample for family in text_string_to_metric_families(response.text) for sample in family.samples]


def value(found: list[Sample], name: str, **labels: str) -> float:
    matching = [s.value for s in found if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    return sum(matching)


def test_requests_are_counted_by_route_template_and_status(client: TestClient) -> None:
    client.post("/v1/ask", json={"question": "How common was herpes zoster on upadacitinib?"})
    client.post("/v1/ask", json={"question": ""})
    client.post("/v1/ask", json={"question": "q" * 5000})
    client.get(f"/v1/articles/{SEED_ID}")
    client.get("/v1/articles/does-not-exist")
    client.get("/no/such/path")
    client.get("/another/unknown/path")
    found = samples(client)
    requests = "followup_http_requests_total"
    assert value(found, requests, method="POST", route="/v1/ask", status="200") == 1
    assert value(found, requests, method="POST", route="/v1/ask", status="422") == 1
    assert value(found, requests, method="POST", route="/v1/ask", status="413") == 1
    assert value(found, requests, route="/v1/articles/{article_id}", status="200") == 1
    assert value(found, requests, route="/v1/articles/{article_id}", status="404") == 1
    assert value(found, requests, route="unmatched", status="404") == 2
    # Route templates, never raw paths: an id or a scanner's path never becomes a label value.
    routes = {s.labels.get("route") for s in found if s.name == requests}
    assert not any(SEED_ID in route or "no/such" in route for route in routes if route)


def test_latency_histogram_per_route(client: TestClient) -> None:
    client.post("/v1/ask", json={"question": "Which tests should I screen for before starting upadacitinib?"})
    found = samples(client)
    count = value(found, "followup_http_request_duration_seconds_count", method="POST", route="/v1/ask")
    infinite = value(found, "followup_http_request_duration_seconds_bucket", route="/v1/ask", le="+Inf")
    assert count >= 1 and infinite == count
    assert value(found, "followup_http_request_duration_seconds_sum", route="/v1/ask") > 0


def test_index_generation_and_chunk_count(client: TestClient) -> None:
    health = client.get("/healthz").json()
    found = samples(client)
    assert value(found, "followup_index_chunks") == health["chunks"]
    assert value(found, "followup_index_articles") == health["articles"] == 8  # the 2 not approved are not counted
    assert value(found, "followup_index_articles_indexed") == health["articles_indexed"] == 10
    assert value(found, "followup_index_info", generation=health["index_version"]) == 1


def test_each_app_has_its_own_registry(client: TestClient, sample_index_dir: Path) -> None:
    before = value(samples(client), "followup_http_requests_total", route="/healthz")
    with TestClient(create_app(AppSettings.of(index_dir=sample_index_dir))) as other:
        other.get("/healthz")
        assert value(samples(other), "followup_http_requests_total", route="/healthz") == 1
    assert value(samples(client), "followup_http_requests_total", route="/healthz") == before


def test_whether_questions_are_declined_is_reported(client: TestClient, sample_index_dir: Path) -> None:
    """A platform team sees abstention switched off (by the setting, or by a generation without an answerability
    model: rag/answerability.py) without asking a question that should be declined."""
    assert client.get("/healthz").json()["abstaining"] is True
    assert value(samples(client), "followup_abstaining") == 1
    with TestClient(create_app(AppSettings.of(index_dir=sample_index_dir, abstention=False))) as off:
        assert off.get("/healthz").json()["abstaining"] is False
        assert value(samples(off), "followup_abstaining") == 0
