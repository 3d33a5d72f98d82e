"""Property-based API testing: schemathesis generates valid and invalid requests from our OpenAPI schema.

The real app, index and model answer every case (in-process over ASGI). Every response must be a documented
status with a body matching its schema, and none may be a server error. Every operation in the schema is fuzzed,
so a new route is covered without touching this file. Generation is derandomized, so a run is repeatable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from index.settings import Settings

# Cases per operation and mode; each /v1/ask case embeds a question, the rest are cheap. Each mode must reach
# half of the 500 cases the issue asks for (operations without inputs yield only a case or two).
EXAMPLES = {"POST /v1/ask": 200}
DEFAULT_EXAMPLES = 75
MIN_CASES_PER_MODE = 250
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(sample_index_dir: Path) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(index_dir=sample_index_dir)))


@pytest.fixture(scope="module")
def api_headers() -> dict[str, str]:
    """Headers sent with every generated case (e.g. an admin bearer token once admin routes are documented)."""
    return {}


def operations(schema: schemathesis.BaseSchema) -> Iterator[schemathesis.APIOperation]:
    for result in schema.get_all_operations():
        yield result.ok()


def has_inputs(operation: schemathesis.APIOperation) -> bool:
    return bool(list(operation.iter_parameters())) or bool(operation.body)


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_every_operation_conforms_to_its_schema(
    api_schema: schemathesis.BaseSchema, api_headers: dict[str, str], mode: schemathesis.GenerationMode
) -> None:
    cases: Counter[str] = Counter()
    for operation in operations(api_schema):
        if mode is schemathesis.GenerationMode.NEGATIVE and not has_inputs(operation):
            continue  # nothing to make invalid

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES.get(operation.label, DEFAULT_EXAMPLES),
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call_and_validate(headers=api_headers, checks=CHECKS)
            cases[case.operation.label] += 1
            # Every error is JSON with a `detail` (the conformance checks cover the documented ones).
            if response.status_code >= 400:
                assert "detail" in response.json()

        check()
    print(f"{mode.value}: {dict(cases)}")  # the figures, with pytest -s
    assert sum(cases.values()) >= MIN_CASES_PER_MODE, dict(cases)
