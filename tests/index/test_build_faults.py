"""A real `followup index build` killed (SIGKILL) at every stage of writing a generation, and at random times:
what `CURRENT` names always verifies, and the next build succeeds and clears the debris.

Stage kills use the test-only `FOLLOWUP_CRASH_AT` hook (index/faults.py), since the write itself takes
milliseconds; timed kills from outside cover the rest of the build.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.faults import STAGES
from index.store import POINTER, current_generation, generations, load_index, verify_generation
from tests.conftest import CORPUS, REPO

PUBLISHING_STAGES = {"published", "pruning"}  # killed after the pointer switch: the new generation is current


def _build(index_dir: Path, crash_at: str | None = None) -> subprocess.Popen[str]:
    # These builds test the write protocol, not answerability: one draw of free labels keeps each build short.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO), "FOLLOWUP_ANSWERABILITY_DRAWS": "1"}
    env.pop("FOLLOWUP_CRASH_AT", None)
    if crash_at is not None:
        env["FOLLOWUP_CRASH_AT"] = crash_at
    command = [sys.executable, "-m", "api", "index", "build", "--corpus", str(CORPUS), "--index", str(index_dir)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)


def _leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith((".build-", ".trash-", f".{POINTER}.")))


@pytest.fixture
def index_copy(sample_index_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(sample_index_dir, copy)  # with its embedding cache: builds here embed nothing
    return copy


def test_a_build_killed_at_any_stage_leaves_a_verified_current_generation(index_copy: Path) -> None:
    for stage in STAGES:
        before = current_generation(index_copy).name
        process = _build(index_copy, crash_at=stage)
        output, _ = process.communicate(timeout=300)
        assert process.returncode == -signal.SIGKILL, f"{stage}: build was not killed:\n{output}"
        after = current_generation(index_copy)
        if stage in PUBLISHING_STAGES:
            assert after.name > before, stage  # the switch happened; the generation is complete
        else:
            assert after.name == before, stage
        verify_generation(after)
        assert load_index(index_copy).version == after.name
    served = current_generation(index_copy).name
    process = _build(index_copy)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert current_generation(index_copy).name > served
    assert _leftovers(index_copy) == []
    assert len(generations(index_copy)) == 2  # the served one and the one before it
    for generation in generations(index_copy):
        verify_generation(generation)


def test_a_build_killed_at_random_times_never_breaks_the_current_generation(index_copy: Path) -> None:
    # Start-up dominates a build of the sample corpus; kill times spread over it and the write.
    started = time.monotonic()
    process = _build(index_copy)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    duration = time.monotonic() - started
    for fraction in (0.3, 0.6, 0.8, 0.9, 1.0):
        process = _build(index_copy)
        try:
            process.wait(timeout=duration * fraction)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        verify_generation(current_generation(index_copy))
        load_index(index_copy)
    process = _build(index_copy)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert _leftovers(index_copy) == []
