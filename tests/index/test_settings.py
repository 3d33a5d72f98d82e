"""Settings refuse what the server must not run with, naming the variable to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from index.settings import Settings
from index.vocabulary import source_versions


def test_the_overrides_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLOWUP_OVERRIDES_URL", "postgresql://followup:s3cr3t-pw@db.internal:5432/followup")
    settings = Settings()
    assert settings.overrides_url is not None
    assert settings.overrides_url.get_secret_value() == "postgresql://followup:s3cr3t-pw@db.internal:5432/followup"
    assert "s3cr3t" not in repr(settings)  # a secret: never printed with the settings


def test_the_overrides_url_must_be_postgresql() -> None:
    with pytest.raises(ValidationError, match=r"postgresql://user:password@host:port/database"):
        Settings(overrides_url=SecretStr("mysql://followup@db/followup"))


def test_only_one_override_store_may_be_configured() -> None:
    with pytest.raises(ValidationError, match=r"FOLLOWUP_OVERRIDES_URL .* or FOLLOWUP_OVERRIDES_DB .*not both"):
        Settings(overrides_url=SecretStr("postgresql://db/followup"), overrides_db=Path("o.sqlite"))


def test_the_vocabulary_changes_the_index_fingerprint_only_when_on() -> None:
    off = Settings(vocabulary=False).index_fingerprint()
    assert "vocabulary" not in off  # indexes built without it keep the cache key they had before it existed
    assert Settings(vocabulary=True).index_fingerprint() != off
    assert Settings(vocabulary_weight=0.2).index_fingerprint() == Settings().index_fingerprint()  # query time only


def test_an_upgraded_vocabulary_source_changes_the_index_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    """A newer drug dictionary builds another vocabulary: cached evaluation indexes must not be reused for it."""
    before, off = Settings().index_fingerprint(), Settings(vocabulary=False).index_fingerprint()
    upgraded = source_versions() | {"drug-named-entity-recognition": "99.0"}
    monkeypatch.setattr("index.settings.source_versions", lambda: upgraded)
    assert Settings().index_fingerprint() != before
    assert Settings(vocabulary=False).index_fingerprint() == off  # without the vocabulary its sources don't matter


def test_the_answerability_draws_change_the_index_fingerprint_only_off_the_default() -> None:
    default = Settings().index_fingerprint()
    assert "answerability_draws" not in default  # the default's key is the training key (rag/answerability_training)
    assert Settings(answerability_draws=1).index_fingerprint() != default
