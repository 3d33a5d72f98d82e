"""A build killed (SIGKILL) at every stage of writing a generation, and a real `followup index build` killed at
random times: what `CURRENT` names always verifies, and the next build succeeds and clears the debris.

Stage kills use the test-only `FOLLOWUP_CRASH_AT` hook (index/faults.py), since the write itself takes
milliseconds. Each is a forked copy of this process building in-process (a fresh interpreter per stage would pay
its start-up thirteen times); one stage is also killed in a real CLI build, so the hook is known to work there, and
timed kills from outside cover the rest of the build.
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

from index.embedder import Embedder
from index.faults import CRASH_AT, STAGES
from index.store import POINTER, current_generation, generations, load_index, verify_generation
from rag.building import build_index
from rag.settings import PipelineSettings
from tests.conftest import CORPUS, GOLD, REPO

PUBLISHING_STAGES = {"published", "pruning"}  # killed after the pointer switch: the new generation is current


def _cli_build(index_dir: Path, crash_at: str | None = None) -> subprocess.Popen[str]:
    # The session index's settings, so the build reuses what it learnt (a build trains only when that changed).
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(REPO),
        "FOLLOWUP_ANSWERABILITY_CALIBRATION": str(GOLD),
    }
    env.pop(CRASH_AT, None)
    if crash_at is not None:
        env[CRASH_AT] = crash_at
    command = [sys.executable, "-m", "api", "index", "build", "--corpus", str(CORPUS), "--index", str(index_dir)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)


def _forked_build(index_dir: Path, settings: PipelineSettings, embedder: Embedder, crash_at: str) -> int:
    """The wait status of a forked copy of this process that builds the sample corpus into `index_dir`."""
    pid = os.fork()
    if pid == 0:  # the child: build until the crash point kills it; exit 3 if it never does
        code = 3
        try:
            os.environ[CRASH_AT] = crash_at
            build_index(CORPUS, index_dir, settings, embedder)
        except BaseException:
            code = 4
        finally:
            os._exit(code)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"{crash_at}: the forked build did not finish within 120 s")


def _leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith((".build-", ".trash-", f".{POINTER}.")))


@pytest.fixture
def index_copy(sample_index_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(sample_index_dir, copy)  # with its embedding cache: builds here embed nothing
    return copy


def _check_after_kill(index_copy: Path, stage: str, before: str) -> None:
    after = current_generation(index_copy)
    if stage in PUBLISHING_STAGES:
        assert after.name > before, stage  # the switch happened; the generation is complete
    else:
        assert after.name == before, stage
    verify_generation(after)
    assert load_index(index_copy).version == after.name


def test_a_build_killed_at_any_stage_leaves_a_verified_current_generation(
    index_copy: Path, settings: PipelineSettings, embedder: Embedder
) -> None:
    for stage in STAGES:
        before = current_generation(index_copy).name
        status = _forked_build(index_copy, settings, embedder, stage)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"{stage}: not killed ({status})"
        _check_after_kill(index_copy, stage, before)
    served = current_generation(index_copy).name
    process = _cli_build(index_copy)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert current_generation(index_copy).name > served
    assert _leftovers(index_copy) == []
    assert len(generations(index_copy)) == 2  # the served one and the one before it
    for generation in generations(index_copy):
        verify_generation(generation)


def test_the_crash_hook_kills_a_real_cli_build(index_copy: Path) -> None:
    before = current_generation(index_copy).name
    process = _cli_build(index_copy, crash_at="dense-written")
    output, _ = process.communicate(timeout=300)
    assert process.returncode == -signal.SIGKILL, f"build was not killed:\n{output}"
    _check_after_kill(index_copy, "dense-written", before)


def test_a_build_killed_at_random_times_never_breaks_the_current_generation(index_copy: Path) -> None:
    # Start-up dominates a build of the sample corpus; kill times spread over it and the write.
    started = time.monotonic()
    process = _cli_build(index_copy)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    duration = time.monotonic() - started
    for fraction in (0.5, 0.8, 0.95):
        process = _cli_build(index_copy)
        try:
            process.wait(timeout=duration * fraction)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        verify_generation(current_generation(index_copy))
        load_index(index_copy)
    process = _cli_build(index_copy)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert _leftovers(index_copy) == []
