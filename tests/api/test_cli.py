"""The command line: one-line errors and a non-zero exit for bad input, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import RAY_LOCAL, _optional_ray_address, app
from corpus.markdown import load
from tests.api.servers import free_port
from tests.conftest import CORPUS, SEED_ID, SEED_PAGE

runner = CliRunner()


def test_import_page_writes_the_canonical_article(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "page", str(SEED_PAGE), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert load(tmp_path / f"{SEED_ID}.md") == load(CORPUS / "articles" / f"{SEED_ID}.md")


def test_missing_input_is_one_line_and_exit_1(tmp_path: Path) -> None:
    for args in (
        ["import", "page", str(tmp_path / "nope.txt"), "--out", str(tmp_path)],
        ["index", "build", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "index")],
        ["ask", "anything?", "--index", str(tmp_path / "no-index")],
        ["eval", "--gold", str(tmp_path / "missing.jsonl"), "--modes", "semantic"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
        assert "Traceback" not in result.output


@pytest.mark.slow  # loads the model before the corpus check fails
def test_strict_build_fails_on_an_invalid_article(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad.md").write_text(
        "---\nid: x\nquestion: q?\nstatus: published\nlast_updated: 2026-01-01\n---\n\nHi.\n"
    )
    result = runner.invoke(app, ["index", "build", "--corpus", str(corpus), "--index", str(tmp_path / "i"), "--strict"])
    assert result.exit_code == 1
    assert "bad.md:4: unknown status 'published'" in result.output


def test_import_page_status_override(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "page", str(SEED_PAGE), "--out", str(tmp_path), "--status", "under_review"])
    assert result.exit_code == 0, result.output
    assert load(tmp_path / f"{SEED_ID}.md").status.value == "under_review"
    bad = runner.invoke(app, ["import", "page", str(SEED_PAGE), "--out", str(tmp_path), "--status", "done"])
    assert bad.exit_code == 1 and bad.output.startswith("error: unknown --status 'done'")


def test_an_unreachable_status_database_is_one_line_and_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_OVERRIDES_URL", f"postgresql://followup:s3cr3t@127.0.0.1:{free_port()}/followup")
    for args in (["serve", "--index", str(tmp_path)], ["ask", "anything?", "--index", str(tmp_path)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith("error: the review-status database postgresql://followup@127.0.0.1:")
        assert result.output.count("\n") == 1 and "s3cr3t" not in result.output


def test_fewer_than_one_worker_is_one_line_and_exit_1(tmp_path: Path) -> None:
    for count in ("0", "-2"):
        result = runner.invoke(app, ["serve", "--index", str(tmp_path), "--workers", count])
        assert result.exit_code == 1 and result.output == f"error: --workers must be 1 or more, not {count}\n"


def test_a_bare_ray_option_means_a_local_ray_or_the_configured_address() -> None:
    assert _optional_ray_address(["index", "build", "--ray"]) == ["index", "build", "--ray", RAY_LOCAL]
    assert _optional_ray_address(["index", "build", "--ray", "--strict"]) == [
        "index",
        "build",
        "--ray",
        RAY_LOCAL,
        "--strict",
    ]
    assert _optional_ray_address(["index", "build", "--ray", "10.0.0.5:6379"]) == [
        "index",
        "build",
        "--ray",
        "10.0.0.5:6379",
    ]
