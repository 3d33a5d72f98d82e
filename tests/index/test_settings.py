"""The index build's settings: what keys a cached index (`IndexSettings.index_fingerprint`)."""

from __future__ import annotations

import pytest

from index.settings import IndexSettings
from index.vocabulary import source_versions


def test_the_vocabulary_changes_the_index_fingerprint_only_when_on() -> None:
    off = IndexSettings(vocabulary=False).index_fingerprint()
    assert "vocabulary" not in off  # indexes built without it keep the cache key they had before it existed
    assert IndexSettings(vocabulary=True).index_fingerprint() != off
    assert "vocabulary_weight" not in IndexSettings.model_fields  # query time only (rag/settings.py)


def test_an_upgraded_vocabulary_source_changes_the_index_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    """A newer drug dictionary builds another vocabulary: cached evaluation indexes must not be reused for it."""
    before, off = IndexSettings().index_fingerprint(), IndexSettings(vocabulary=False).index_fingerprint()
    upgraded = source_versions() | {"drug-named-entity-recognition": "99.0"}
    monkeypatch.setattr("index.settings.source_versions", lambda: upgraded)
    assert IndexSettings().index_fingerprint() != before
    assert IndexSettings(vocabulary=False).index_fingerprint() == off  # without the vocabulary its sources don't matter


def test_the_answerability_draws_change_the_index_fingerprint_only_off_the_default() -> None:
    default = IndexSettings().index_fingerprint()
    assert "answerability_draws" not in default  # the default's key is the training key (rag/answerability_training)
    assert IndexSettings(answerability_draws=1).index_fingerprint() != default
    assert IndexSettings(answerability_floor_target=0.99).index_fingerprint() != default
