"""`GET /v1/related`, the article list and the static page and widget, in-process (real app, index and model)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import AppSettings
from tests.conftest import SEED_ID

UPADACITINIB = {"74595391ef825f8b", "4c0f9abcf5e8ef78", "d933c7ea9197f845", "d84228b7dcb0eda4"}


@pytest.fixture(scope="module")
def client(sample_index_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(AppSettings.of(index_dir=sample_index_dir))) as test_client:
        yield test_client


def test_related_to_the_seed(client: TestClient) -> None:
    response = client.get("/v1/related", params={"article_id": SEED_ID, "k": 5})
    assert response.status_code == 200
    items = response.json()["items"]
    assert items and {i["article_id"] for i in items} <= UPADACITINIB
    assert set(items[0]) == {"article_id", "question", "url", "score", "review_status"}
    assert all(i["review_status"] == "approved" for i in items)


def test_related_to_a_question(client: TestClient) -> None:
    items = client.get("/v1/related", params={"q": "hot tub rash after swimming"}).json()["items"]
    assert items[0]["article_id"] == "c083de5c99285477"


def test_k_limits_the_list(client: TestClient) -> None:
    assert len(client.get("/v1/related", params={"article_id": SEED_ID, "k": 1}).json()["items"]) == 1


def test_the_article_route_answers_as_the_older_query_form(client: TestClient) -> None:
    route = client.get(f"/v1/articles/{SEED_ID}/related", params={"k": 3})
    assert route.status_code == 200
    assert route.json() == client.get("/v1/related", params={"article_id": SEED_ID, "k": 3}).json()


def test_the_schema_has_one_operation_per_seed(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    by_question = {p["name"]: p for p in paths["/v1/related"]["get"]["parameters"]}
    assert set(by_question) == {"q", "k"} and by_question["q"]["required"] is True
    by_article = {p["name"] for p in paths["/v1/articles/{article_id}/related"]["get"]["parameters"]}
    assert by_article == {"article_id", "k"}


@pytest.mark.parametrize("article_id", ["no-such-article", "0df9f466bd3a078b"])  # unknown; under review
def test_unknown_or_unapproved_article_is_404(client: TestClient, article_id: str) -> None:
    response = client.get("/v1/related", params={"article_id": article_id})
    assert response.status_code == 404 and "detail" in response.json()
    assert client.get(f"/v1/articles/{article_id}/related").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"article_id": SEED_ID, "k": 0},
        {"article_id": SEED_ID, "k": 21},
        {"article_id": SEED_ID, "k": "five"},
        {},
        {"q": "   "},
        {"article_id": SEED_ID, "q": "upadacitinib"},
        {"q": "q" * 2001},
        {"k": 5},
    ],
)
def test_bad_parameters_are_422(client: TestClient, params: dict[str, object]) -> None:
    response = client.get("/v1/related", params=params)
    assert response.status_code == 422 and "detail" in response.json()


def test_article_list_has_approved_articles_only(client: TestClient) -> None:
    ids = {a["id"] for a in client.get("/v1/articles").json()}
    assert SEED_ID in ids and "0df9f466bd3a078b" not in ids and "0b8267243f1606b2" not in ids


def test_pages_and_widget_are_served_from_the_package(client: TestClient) -> None:
    for path in ("/", f"/articles/{SEED_ID}"):
        response = client.get(path)
        assert response.status_code == 200 and "text/html" in response.headers["content-type"]
        assert "Have a follow-up question?" in response.text
    widget = client.get("/widget/related.js")
    assert widget.status_code == 200 and "javascript" in widget.headers["content-type"]
    assert 'customElements.define("followup-related"' in widget.text
    for asset in ("/static/page.js", "/static/page.css"):
        assert client.get(asset).status_code == 200


def test_page_of_an_unapproved_article_is_404(client: TestClient) -> None:
    assert client.get("/articles/0df9f466bd3a078b").status_code == 404
