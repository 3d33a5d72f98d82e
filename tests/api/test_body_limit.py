"""The request body cap: 413 with a JSON detail, whether the size is declared or only streamed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from api.app import create_app
from api.body_limit import BodySizeLimit
from api.settings import AppSettings

LIMIT = 2048


@pytest.fixture(scope="module")
def client(sample_index_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(AppSettings.of(index_dir=sample_index_dir, max_body_bytes=LIMIT))) as test_client:
        yield test_client


def test_declared_oversized_body_is_413_json(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": "q" * 1900, "history": ["h" * 500]})
    assert response.status_code == 413
    assert str(LIMIT) in response.json()["detail"]
    assert response.headers["x-request-id"]


def test_streamed_oversized_body_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"question": "'
        for _ in range(10):
            yield b"q" * 500
        yield b'"}'

    response = client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "detail" in response.json()


def test_body_under_the_cap_is_answered(client: TestClient) -> None:
    body = json.dumps({"question": "How common was herpes zoster on upadacitinib? " + "x" * 1800})
    assert len(body) < LIMIT
    assert client.post("/v1/ask", content=body, headers={"content-type": "application/json"}).status_code == 200


def test_413_is_documented(client: TestClient) -> None:
    responses = client.get("/openapi.json").json()["paths"]["/v1/ask"]["post"]["responses"]
    assert {"200", "413", "422"} <= set(responses)


async def _run(app: BodySizeLimit, messages: list[Message], headers: list[tuple[bytes, bytes]]) -> list[Message]:
    pending = list(messages)
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    await app(scope, receive, send)
    return sent


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_lying_content_length_is_cut_off_and_the_app_never_runs(anyio_backend: str) -> None:
    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("the application must not see an oversized body")

    chunks = [{"type": "http.request", "body": b"x" * 800, "more_body": True} for _ in range(3)]
    sent = await _run(BodySizeLimit(inner, max_bytes=1024), chunks, [(b"content-length", b"10")])
    assert sent[0]["status"] == 413
    assert "detail" in json.loads(sent[1]["body"])


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_accepted_body_reaches_the_app_whole(anyio_backend: str) -> None:
    seen: list[bytes] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        seen.append(message["body"])
        assert message["more_body"] is False
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    chunks = [
        {"type": "http.request", "body": b"abc", "more_body": True},
        {"type": "http.request", "body": b"def", "more_body": False},
    ]
    sent = await _run(BodySizeLimit(inner, max_bytes=1024), chunks, [])
    assert seen == [b"abcdef"] and sent[0]["status"] == 204
