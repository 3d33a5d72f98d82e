"""The answerability features and model file: what separates an off-topic question, and what an old index does."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from rag.answer import Answerer
from rag.answerability import FEATURES, MODEL_FILE, AnswerabilityModel


def _model(features: list[str]) -> dict[str, object]:
    n = len(features)
    return {
        "features": features,
        "mean": [0.0] * n,
        "scale": [1.0] * n,
        "coef": [0.0] * n,
        "intercept": 0.0,
        "threshold": 0.5,
        "target_answered": 0.95,
        "calibration_questions": 10,
        "training": {},
    }


def test_a_model_of_other_features_is_not_used_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / MODEL_FILE).write_text(json.dumps(_model(list(FEATURES[:-1]))), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="rag.answerability"):
        assert AnswerabilityModel.load(tmp_path) is None
    assert "rebuilt" in caplog.text
    (tmp_path / MODEL_FILE).write_text(json.dumps(_model(list(FEATURES))), encoding="utf-8")
    assert AnswerabilityModel.load(tmp_path) is not None


def test_real_calibration_questions_train_beside_the_free_labels(answerer: Answerer) -> None:
    model = answerer.answerability_model
    assert model is not None and model.calibration_source.endswith("sample.jsonl")
    assert model.training["clinician question"] >= 60 and model.training["clinician out of scope"] >= 20
    assert model.training["claim"] >= 100 and model.training["entity swap"] >= 100
    assert model.calibration_questions >= 60  # the answerable tune questions, each scored out of fold


def test_the_top_hit_stands_out_from_the_corpus_centroid_only_for_an_in_scope_question(answerer: Answerer) -> None:
    """An off-topic medical question can be as close to some passage as a covered one is, but no closer than to
    the corpus as a whole."""
    at = FEATURES.index("cosine_over_centroid")
    covered = answerer.search("Does hot tub folliculitis need antibiotics?").features
    off_topic = answerer.search("Target INR for warfarin with a mechanical mitral valve?").features
    assert covered is not None and off_topic is not None
    assert covered[at] > off_topic[at] + 0.1
