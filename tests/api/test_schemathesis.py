"""Property-based API testing: schemathesis generates valid and invalid requests from our OpenAPI schema.

Twice: in-process over ASGI (hypothesis drives each operation; the figures per operation print with -s), and as an
outside client would, `st run --checks all` over every phase against a real `followup serve`, with the admin
token given, once without and once with an API key configured. Every response must be a documented status with a
body matching its schema, valid requests must be accepted and invalid ones rejected, and none may be a server
error. Every operation in the schema is fuzzed, so a new route is covered without touching this file. Generation
is seeded, so a run is repeatable.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.settings import AppSettings
from tests.api.servers import running_server
from tests.conftest import PROFILE, examples

ADMIN_TOKEN = "schemathesis-admin-token"
API_KEY = "schemathesis-api-key"
ST = Path(sys.executable).parent / "st"
# Per operation and phase: 100 with the full profile; 25 by default (about 11 s a run against the sample index; both
# runs took 43 s at 50), beside the in-process cases below.
ST_EXAMPLES = examples(100) if PROFILE == "full" else 25

# Cases per operation and mode; each /v1/ask case embeds a question and reads passages with the reader, the rest
# are cheap. With the full hypothesis profile each mode must reach half of the 500 cases the issue asks for
# (operations without inputs yield only a case or two). The default profile runs at most 30 per operation here
# (both modes took 160 s at 50 once the reader read every answer); `st run` below covers every operation again.
EXAMPLES = {"POST /v1/ask": examples(200) if PROFILE == "full" else 30}
DEFAULT_EXAMPLES = examples(75) if PROFILE == "full" else 30
MIN_CASES_PER_MODE = 250 if PROFILE == "full" else 100
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def api_schema(sample_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    index_dir = _copy(sample_index_dir, tmp_path_factory.mktemp("in-process") / "index")
    app = create_app(AppSettings.of(index_dir=index_dir, admin_token=SecretStr(ADMIN_TOKEN)))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module")
def api_headers() -> dict[str, str]:
    """Headers sent with every generated case: the admin token, so the admin routes get past their 401."""
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


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


@pytest.mark.parametrize("api_key", [None, API_KEY], ids=["no-api-key", "api-key"])
def test_st_run_finds_no_failure(
    sample_index_dir: Path, tmp_path_factory: pytest.TempPathFactory, api_key: str | None
) -> None:
    """The command line an outside client runs, every check and phase; schemathesis exits non-zero on a failure."""
    env = {"FOLLOWUP_ADMIN_TOKEN": ADMIN_TOKEN} | ({"FOLLOWUP_API_KEY": api_key} if api_key else {})
    headers = ["-H", f"Authorization: Bearer {ADMIN_TOKEN}"] + (["-H", f"X-API-Key: {api_key}"] if api_key else [])
    folder = tmp_path_factory.mktemp("st")
    with running_server(_copy(sample_index_dir, folder / "index"), folder / "server.log", env) as server:
        command = [str(ST), "run", f"{server.base}/openapi.json", "--checks", "all", *headers]
        command += ["--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(ST_EXAMPLES)]
        command += ["--seed", "14", "--workers", "1", "--no-color", "--generation-database", "none"]
        run = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=folder)
    print(run.stdout[-3000:])
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout


def _copy(index_dir: Path, target: Path) -> Path:
    """A copy of the index without its overrides: admin cases change review statuses that other tests rely on."""
    shutil.copytree(index_dir, target, ignore=shutil.ignore_patterns("overrides.sqlite*"))
    return target
