"""No input yields a 5xx: every field of every route fuzzed with what JSON, URLs and headers can carry but the app
may not expect (lone surrogates, NUL and other control characters, huge and non-finite numbers, deep nesting),
against the real app, index and model over ASGI with httpx (Starlette's TestClient)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from api.app import create_app
from api.errors import MAX_ECHO_CHARS, printable
from api.settings import AppSettings
from tests.conftest import SEED_ID, examples

TOKEN = "fuzz-admin-token"
KEY = "fuzz-api-key"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-API-Key": KEY}
FUZZ = settings(
    max_examples=examples(150), deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def test_printable_escapes_lone_surrogates_and_cuts_long_text() -> None:
    assert printable("a\ud800b") == "a\\ud800b"
    assert printable("\x00ok") == "\x00ok"  # JSON escapes control characters itself
    assert printable("x" * 5000) == "x" * MAX_ECHO_CHARS + "…"
    json.dumps(printable("\udfff" * 300)).encode("utf-8")


# -- strategies --------------------------------------------------------------------------------------------------

surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
controls = st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\x85\u2028\u2029\ufeff\ufffe")
nasty_text = st.text(st.characters(codec=None) | surrogates | controls, max_size=40) | st.sampled_from(
    ["\x00", "\x00\ud800", "\ud800", "\udfff", "?!…", "", " ", "x" * 3000, "\x00" * 2001]
)
huge_numbers = (
    st.integers(min_value=-(10**60), max_value=10**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([10**4000, -(10**400), 1e308, -1e308, 5e-324])
)
scalars = nasty_text | huge_numbers | st.booleans() | st.none()
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nasty_text, inner, max_size=3), max_leaves=8
)
field_values = scalars | json_values | st.integers(2, 3000).map(lambda depth: _nested(depth))


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


def _json(value: Any) -> bytes:
    """JSON text as a client may send it: surrogates as `\\ud800` escapes, infinities as `1e309`/`Infinity`/`NaN`."""
    try:
        return json.dumps(value, ensure_ascii=True, allow_nan=True).encode("ascii")
    except (RecursionError, ValueError):  # deeper than json.dumps goes, or an integer too long for str()
        return b'{"question": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"


ask_bodies = st.fixed_dictionaries(
    {},
    optional={
        "question": field_values,
        "article_id": field_values,
        "history": field_values | st.lists(nasty_text, max_size=12),
        "top_k": field_values,
        "mode": field_values | st.sampled_from(["hybrid", "bm25", "dense"]),
        "\ud800": field_values,
    },
)
raw_json = st.sampled_from(
    [
        b'{"question": "ok", "top_k": 1e309}',
        b'{"question": "ok", "top_k": -1e309}',
        b'{"question": "\\u0000\\ud800"}',
        b'{"question": "ok", "history": ["\\ud800"]}',
        b'{"question": "ok", "article_id": "\\udfff"}',
        b'{"question": "ok", "top_k": ' + b"9" * 5000 + b"}",
        b"[" * 20_000 + b"]" * 20_000,
        b'{"question": "\xff\xfe"}',
        b"\x00",
        b"",
    ]
)
path_segments = st.binary(min_size=1, max_size=60).map(lambda raw: quote_from_bytes(raw, safe="")) | st.sampled_from(
    [SEED_ID, "%ED%A0%80", "%00", "x" * 5000, "%C0%AF"]
)
query_values = path_segments | st.sampled_from(["1e309", "9" * 5000, "NaN", "-Infinity", "0x10", ""])
header_values = st.binary(max_size=80).filter(lambda raw: b"\r" not in raw and b"\n" not in raw) | st.just(b"x" * 9000)


# -- the app -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(sample_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Admin on and an API key set, so every route and both credentials are exercised (an index copy: a fuzzed
    status change must not reach other tests)."""
    index_dir = tmp_path_factory.mktemp("fuzz") / "index"
    shutil.copytree(sample_index_dir, index_dir, ignore=shutil.ignore_patterns("overrides.sqlite*"))
    settings_ = AppSettings.of(index_dir=index_dir, admin_token=SecretStr(TOKEN), api_key=SecretStr(KEY))
    with TestClient(create_app(settings_), raise_server_exceptions=False) as test_client:
        yield test_client


def _no_server_error(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        if response.status_code >= 400:
            # The caller's values are never echoed: they may be unencodable, huge, or a patient's details.
            assert isinstance(body["detail"], str) or all(set(i) == {"loc", "msg", "type"} for i in body["detail"])


@pytest.mark.parametrize(
    "body",
    [
        b'{"question": "\\u0000\\ud800"}',
        b'{"question": "ok", "top_k": 1e309}',
        b'{"question": "ok", "history": ["\\ud800"]}',
        b'{"question": "ok", "article_id": "\\ud800"}',
        b"[" * 20_000 + b"]" * 20_000,
    ],
)
def test_the_issue_cases_are_422(client: TestClient, body: bytes) -> None:
    response = client.post("/v1/ask", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    _no_server_error(response)


@pytest.mark.parametrize("question", ["\x00", "?!?", "\x00\x01\x02", "…"])
def test_questions_without_words_are_valid_input(client: TestClient, question: str) -> None:
    response = client.post("/v1/ask", json={"question": question}, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["caveat"]


@FUZZ
@given(body=ask_bodies.map(_json) | raw_json, content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_ask_never_answers_5xx(client: TestClient, body: bytes, content_type: str) -> None:
    headers = {**AUTH, "Content-Type": content_type} if content_type else AUTH
    _no_server_error(client.post("/v1/ask", content=body, headers=headers))


@FUZZ
@given(
    names=st.lists(st.sampled_from(["q", "article_id", "k", "x", "q"]), max_size=4),
    values=st.lists(query_values, min_size=4, max_size=4),
)
def test_related_never_answers_5xx(client: TestClient, names: list[str], values: list[str]) -> None:
    query = "&".join(f"{name}={value}" for name, value in zip(names, values, strict=False))
    _no_server_error(client.get(f"/v1/related?{query}", headers=AUTH))


@FUZZ
@given(segment=path_segments, k=query_values)
def test_article_routes_never_answer_5xx(client: TestClient, segment: str, k: str) -> None:
    for path in (f"/v1/articles/{segment}", f"/v1/articles/{segment}/related?k={k}", f"/articles/{segment}"):
        _no_server_error(client.get(path, headers=AUTH))
    _no_server_error(client.get(f"/v1/articles?{quote(segment)}={k}", headers=AUTH))


@FUZZ
@given(
    segment=path_segments,
    body=st.fixed_dictionaries(
        {}, optional={"status": field_values | st.just("approved"), "reason": field_values, "\x00": field_values}
    ).map(_json)
    | raw_json,
)
def test_admin_routes_never_answer_5xx(client: TestClient, segment: str, body: bytes) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    _no_server_error(client.get(f"/v1/admin/articles/{segment}/status", headers=headers))
    _no_server_error(client.post(f"/v1/admin/articles/{segment}/status", content=body, headers=headers))
    _no_server_error(client.post("/v1/admin/reload", content=body, headers={"Authorization": "Bearer wrong"}))


@FUZZ
@given(
    name=st.sampled_from(["Authorization", "X-API-Key", "X-Request-ID", "Content-Type", "Content-Length", "Origin"]),
    value=header_values,
    path=st.sampled_from(["/v1/ask", "/v1/admin/reload", "/v1/related?q=ok", "/v1/articles", "/healthz", "/metrics"]),
)
def test_headers_never_cause_5xx(client: TestClient, name: str, value: bytes, path: str) -> None:
    headers: dict[str, str | bytes] = {**AUTH, name: value}
    method = "POST" if path in ("/v1/ask", "/v1/admin/reload") else "GET"
    _no_server_error(client.request(method, path, content=b'{"question": "ok"}', headers=headers))
