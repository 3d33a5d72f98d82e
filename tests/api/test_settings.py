"""Each layer's settings: what they refuse, how they compose, and the README's configuration tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings

from api.settings import AppSettings, ServerSettings
from index.fleet.settings import FleetSettings
from index.ray_settings import RaySettings
from index.settings import IndexSettings
from rag.settings import RelatedSettings, RetrievalSettings
from tests.conftest import REPO

# Every settings class, as the README names it: the tables must list exactly their variables.
CLASSES: tuple[type[BaseSettings], ...] = (
    IndexSettings,
    RaySettings,
    RetrievalSettings,
    RelatedSettings,
    ServerSettings,
    FleetSettings,
)
MOST_FIELDS = 25
_ROW = re.compile(r"^\| `(FOLLOWUP_[A-Z0-9_]+)` \| (.*?) \|")


def test_the_overrides_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_OVERRIDES_URL", "postgresql://followup:s3cr3t-pw@db.internal:5432/followup")
    settings = ServerSettings()
    assert settings.overrides_url is not None
    assert settings.overrides_url.get_secret_value() == "postgresql://followup:s3cr3t-pw@db.internal:5432/followup"
    assert "s3cr3t" not in repr(settings) and "s3cr3t" not in repr(AppSettings())  # a secret: never printed


def test_the_overrides_url_must_be_postgresql() -> None:
    with pytest.raises(ValidationError, match=r"postgresql://user:password@host:port/database"):
        ServerSettings(overrides_url=SecretStr("mysql://followup@db/followup"))


def test_only_one_override_store_may_be_configured() -> None:
    with pytest.raises(ValidationError, match=r"FOLLOWUP_OVERRIDES_URL .* or FOLLOWUP_OVERRIDES_DB .*not both"):
        ServerSettings(overrides_url=SecretStr("postgresql://db/followup"), overrides_db=Path("o.sqlite"))


def test_each_value_goes_to_the_class_that_reads_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_CANDIDATES", "123")
    settings = AppSettings.of(index_dir=tmp_path, abstention=False, related_candidates=7, port=9000)
    assert settings.index.index_dir == tmp_path and settings.retrieval.abstention is False
    assert settings.related.related_candidates == 7 and settings.server.port == 9000
    assert settings.retrieval.candidates == 123  # the rest from the environment
    assert settings.resolved_overrides_db() == tmp_path / "overrides.sqlite"
    assert settings.replace(port=9001).server.port == 9001 and settings.server.port == 9000
    with pytest.raises(ValueError, match="no setting 'candidate'"):
        AppSettings.of(candidate=5)
    with pytest.raises(ValidationError):
        AppSettings.of(candidates=0)


def test_no_settings_class_has_more_than_25_fields() -> None:
    assert {kind.__name__: len(kind.model_fields) for kind in CLASSES if len(kind.model_fields) > MOST_FIELDS} == {}


def test_every_variable_is_read_by_one_class_and_every_class_is_composed() -> None:
    names = [name for kind in CLASSES for name in kind.model_fields]
    assert len(names) == len(set(names))
    assert {kind.__name__ for kind in AppSettings.parts().values()} == {k.__name__ for k in CLASSES} - {"RaySettings"}


def _tables() -> dict[str, dict[str, str]]:
    """The README's configuration tables: class name (from each `###` heading) → variable → default cell."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in section.splitlines():
        if line.startswith("### "):
            named = re.search(r"`(\w+Settings)`", line)
            assert named is not None, f"a configuration heading names no settings class: {line!r}"
            current = tables.setdefault(named.group(1), {})
        elif (row := _ROW.match(line)) is not None:
            assert current is not None, f"a variable before any class heading: {line!r}"
            assert row.group(1) not in current, f"{row.group(1)} listed twice"
            current[row.group(1)] = row.group(2)
    return tables


def _shown(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def test_the_readme_lists_every_variable_of_every_class_with_its_default() -> None:
    tables = _tables()
    assert set(tables) == {kind.__name__ for kind in CLASSES}
    for kind in CLASSES:
        fields = kind.model_fields
        listed = tables[kind.__name__]
        assert set(listed) == {f"FOLLOWUP_{name.upper()}" for name in fields}, kind.__name__
        for name, field in fields.items():
            default = field.get_default(call_default_factory=True)
            cell = listed[f"FOLLOWUP_{name.upper()}"]
            if default is None or default == []:
                assert not re.fullmatch(r"`[^`<]*`", cell), f"FOLLOWUP_{name.upper()}: no default value, says {cell}"
            else:
                assert cell == f"`{_shown(default)}`", f"FOLLOWUP_{name.upper()}"


def test_feedback_never_shares_the_overrides_file_and_has_no_sqlite_file_with_postgresql(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="must not be the overrides file"):
        ServerSettings(overrides_db=tmp_path / "o.sqlite", feedback_db=tmp_path / "o.sqlite")
    with pytest.raises(ValidationError, match="FOLLOWUP_FEEDBACK_DB is SQLite"):
        ServerSettings(overrides_url=SecretStr("postgresql://db/followup"), feedback_db=tmp_path / "f.sqlite")
    assert AppSettings.of(index_dir=tmp_path).resolved_feedback_db() == tmp_path / "feedback.sqlite"
