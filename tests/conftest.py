"""Shared fixtures: the real packaged model and a real index of the sample corpus, built once per session."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval.runner import served_answerer
from index.embedder import Embedder
from index.store import LoadedIndex, load_index
from rag.answer import Answerer
from rag.building import build_index
from rag.settings import PipelineSettings
from tests.fleet import Generations, build_generations
from tests.postgres import Postgres, running_postgres

# Property tests on the real pipeline are costly per example. The default profile caps every test at 50 examples;
# `HYPOTHESIS_PROFILE=full pytest` runs each with the count it was written for (`examples`), before a release or
# after changing what such a test covers.
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
DEFAULT_EXAMPLES = 50
hypothesis_settings.register_profile("default", max_examples=DEFAULT_EXAMPLES, deadline=None)
hypothesis_settings.register_profile("full", deadline=None)
hypothesis_settings.load_profile(PROFILE)


def examples(full: int) -> int:
    """A test's example count: `full` under the full profile, at most the default profile's cap otherwise."""
    return full if PROFILE == "full" else min(full, DEFAULT_EXAMPLES)


XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1…; None when the suite runs in one process

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_PAGE = FIXTURES / "000_ab6a97c2e0394c38.txt"
SEED_ID = "ab6a97c2e0394c38"
GOLD = REPO / "eval" / "gold" / "sample.jsonl"


@pytest.fixture(scope="session")
def settings() -> PipelineSettings:
    """The served defaults, with the sample corpus's own calibration questions (as `make index` builds it)."""
    return PipelineSettings.of(answerability_calibration=GOLD)


@pytest.fixture(scope="session")
def unlearnt(settings: PipelineSettings) -> PipelineSettings:
    """The served settings without abstention, for builds that test what is written, cached or published rather
    than what is learnt after embedding (they then train no answerability model)."""
    return settings.replace(abstention=False)


@pytest.fixture(scope="session")
def embedder(settings: PipelineSettings) -> Embedder:
    return Embedder(settings.index.resolved_model_path())


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory: pytest.TempPathFactory, settings: PipelineSettings, embedder: Embedder) -> Path:
    """The sample corpus's index, as `make index` builds it. Under pytest-xdist one worker builds it (the others
    wait on a lock) and each worker serves its own copy, so a worker's writes beside it stay its own."""
    index_dir = tmp_path_factory.mktemp("sample-index")
    if XDIST_WORKER is None:
        build_index(CORPUS, index_dir, settings, embedder)
        return index_dir
    shared = tmp_path_factory.getbasetemp().parent / "sample-index-shared"  # the run's folder, shared by workers
    with FileLock(f"{shared}.lock"):
        if not (shared / "CURRENT").is_file():
            build_index(CORPUS, shared, settings, embedder)
    shutil.copytree(shared, index_dir, dirs_exist_ok=True)
    return index_dir


@pytest.fixture(scope="session")
def sample_index(sample_index_dir: Path) -> LoadedIndex:
    return load_index(sample_index_dir)


@pytest.fixture(scope="session")
def answerer(sample_index: LoadedIndex, embedder: Embedder, settings: PipelineSettings) -> Answerer:
    return served_answerer(sample_index, settings, embedder)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One throwaway PostgreSQL server for the session (skips where PostgreSQL is not installed)."""
    with running_postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres: Postgres) -> Iterator[str]:
    """A fresh, empty database on it for one test, dropped after it."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield postgres.create_database(name)
    postgres.drop_database(name)


# A test that needs one of these loads the real model, builds an index or starts a server: the slow tier.
SLOW_FIXTURES = frozenset({"embedder", "sample_index_dir", "sample_index", "answerer", "server", "fleet_generations"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks `slow` every test that uses a slow fixture or starts a server (`e2e`), so `pytest -m "not slow"` is
    the fast tier; tests slow for another reason carry the mark themselves.

    Tests that need no sample index run first: under pytest-xdist one worker builds the index while the other
    works through them, instead of both waiting for it."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: "sample_index_dir" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def fleet_generations(
    tmp_path_factory: pytest.TempPathFactory, settings: PipelineSettings, embedder: Embedder
) -> Generations:
    """Two small generations in a publisher's folder (tests/fleet.py); tests copy it, never change it."""
    return build_generations(tmp_path_factory.mktemp("fleet") / "source", settings, embedder)
