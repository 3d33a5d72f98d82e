"""`followup index publish`, `index build --publish`, `index rollback` with a fleet and `fleet status`: one-line
errors and exit 1, never a traceback."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from tests.fleet import Generations

runner = CliRunner()


def one_line_error(args: list[str], env: dict[str, str | None], expected: str) -> None:
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 1, (args, result.output)
    assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
    assert expected in result.output, result.output


def test_without_a_fleet_database_each_says_so(tmp_path: Path) -> None:
    env: dict[str, str | None] = {"FOLLOWUP_OVERRIDES_URL": None}  # unset
    no_fleet = "no fleet"
    one_line_error(["index", "publish", "--index", str(tmp_path), "--generation", "gen-x"], env, no_fleet)
    one_line_error(["index", "build", "--index", str(tmp_path), "--publish"], env, no_fleet)
    one_line_error(["fleet", "status"], env, no_fleet)


def test_a_publish_nobody_decides_fails_with_the_reason_and_rollback_needs_a_release(
    fleet_generations: Generations, postgres_url: str
) -> None:
    env: dict[str, str | None] = {"FOLLOWUP_OVERRIDES_URL": postgres_url}
    folder = str(fleet_generations.folder)
    one_line_error(["index", "publish", "--index", folder], env, "no replica has checked in")
    args = ["index", "publish", "--index", folder, "--canary", "nobody", "--wait", "0.3"]
    one_line_error(args, env, "canary nobody did not decide within 0.3 s")
    one_line_error(["index", "rollback"], env, "nothing was released to the fleet yet")
    status = runner.invoke(app, ["fleet", "status"], env=env)
    assert status.exit_code == 0 and "(no replica has checked in)" in status.output
    assert f"{fleet_generations.old} failed" in status.output  # CURRENT's generation, with the reason
