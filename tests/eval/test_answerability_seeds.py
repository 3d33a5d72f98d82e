"""The seed study's shares: answered among answerable questions, declined among out-of-scope ones, per split."""

from __future__ import annotations

import numpy as np
import pytest

from eval.answerability_seeds import shares
from eval.datasets import GoldQuestion, GoldSplit, Scope
from rag.answerability import FEATURES, AnswerabilityModel


def _model() -> AnswerabilityModel:
    """Probability rises with the first feature alone; threshold 0.5 answers a positive first feature."""
    n = len(FEATURES)
    model = AnswerabilityModel.uncalibrated([0.0] * n, [1.0] * n, [10.0] + [0.0] * (n - 1), 0.0)
    return model.model_copy(update={"threshold": 0.5, "target_answered": 0.95, "floor": 0.2, "floor_answered": 0.98})


def _features(first: float) -> np.ndarray:
    return np.array([first] + [0.0] * (len(FEATURES) - 1))


def test_shares_count_answered_and_declined_per_split() -> None:
    questions = [
        GoldQuestion(id="a1", question="q", split=GoldSplit.REPORT),
        GoldQuestion(id="a2", question="q", split=GoldSplit.REPORT),
        GoldQuestion(id="o1", question="q", answerable=False, scope=Scope.OFF_TOPIC, split=GoldSplit.REPORT),
        GoldQuestion(id="n1", question="q", answerable=False, scope=Scope.NEAR_MISS, split=GoldSplit.REPORT),
        GoldQuestion(id="t1", question="q", split=GoldSplit.TUNE),
    ]
    features = {"a1": _features(1.0), "a2": _features(-1.0), "o1": _features(-1.0), "n1": _features(1.0), "t1": None}
    figures = shares(_model(), questions, features)
    assert figures["report answered"] == pytest.approx(50.0)
    assert figures["report off_topic declined"] == pytest.approx(100.0)
    assert figures["report near_miss declined"] == pytest.approx(0.0)
    assert figures["tune answered"] == pytest.approx(0.0)  # no features (no words): never answered


def test_a_set_without_splits_or_out_of_scope_questions_gets_one_figure_under_its_name() -> None:
    questions = [GoldQuestion(id=f"q{i}", question="q") for i in range(4)]
    features = {f"q{i}": _features(1.0 if i else -1.0) for i in range(4)}
    assert shares(_model(), questions, features, "scifact-train") == {"scifact-train answered": pytest.approx(75.0)}
