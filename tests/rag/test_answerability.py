"""The answerability features and model file: what separates an off-topic question, and that an old one is refused."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from index.store import IndexUnavailable
from rag.answer import Answerer
from rag.answerability import (
    COMPUTED,
    FEATURES,
    MODEL_FILE,
    READER_REPLACES,
    AnswerabilityModel,
    learnt_features,
    logistic,
)
from rag.answerability_training import DRAWS, average, bag_scores


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
        "floor": 0.1,
        "floor_answered": 0.98,
        "calibration_questions": 10,
        "calibration_source": "pseudo-questions",
        "training": {},
        "draws": 1,
        "reader": "reader off",
    }


def test_a_model_of_an_older_version_asks_for_a_rebuild(tmp_path: Path) -> None:
    (tmp_path / MODEL_FILE).write_text(json.dumps(_model(list(FEATURES[:-1]))), encoding="utf-8")
    with pytest.raises(IndexUnavailable, match=r"other answerability features .*: rebuild it with 'followup index"):
        AnswerabilityModel.load(tmp_path)
    without_draws = {k: v for k, v in _model(list(FEATURES)).items() if k != "draws"}
    (tmp_path / MODEL_FILE).write_text(json.dumps(without_draws), encoding="utf-8")
    with pytest.raises(IndexUnavailable, match=r"written before draws existed: rebuild"):
        AnswerabilityModel.load(tmp_path)
    without_floor = {k: v for k, v in _model(list(FEATURES)).items() if not k.startswith("floor")}
    (tmp_path / MODEL_FILE).write_text(json.dumps(without_floor), encoding="utf-8")
    with pytest.raises(IndexUnavailable, match=r"written before floor, floor_answered existed: rebuild"):
        AnswerabilityModel.load(tmp_path)
    (tmp_path / MODEL_FILE).write_text(json.dumps(_model(list(FEATURES))), encoding="utf-8")
    assert AnswerabilityModel.load(tmp_path) is not None


def test_a_model_that_reads_the_reader_reads_its_own_columns(tmp_path: Path) -> None:
    features = list(learnt_features(True))
    raw = _model(features) | {"coef": [1.0 if f == "reader_best_logit" else 0.0 for f in features]}
    (tmp_path / MODEL_FILE).write_text(json.dumps(raw), encoding="utf-8")
    model = AnswerabilityModel.load(tmp_path)
    assert model is not None and model.reads_reader
    values = np.zeros(len(COMPUTED))
    values[COMPUTED.index("known_coverage_best_article")] = 50.0  # a feature the reader replaces: not read
    assert model.probability(values) == 0.5
    values[-1] = 2.0
    assert model.probability(values) > 0.8


def test_with_the_reader_its_score_replaces_the_word_overlap_features(answerer: Answerer) -> None:
    model = answerer.answerability_model
    assert model is not None and model.reads_reader
    assert tuple(model.features) == learnt_features(True)
    assert not set(READER_REPLACES) & set(model.features)


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


def test_a_drug_or_disease_the_corpus_lacks_counts_apart_from_lay_words(answerer: Answerer) -> None:
    """ "jabs" is a lay word for what the corpus calls vaccines; "warfarin" and "gout" name what no article covers."""
    at = FEATURES.index("foreign_medical")
    foreign = answerer.search("warfarin dose in gout?").features
    lay = answerer.search("which jabs before starting upadacitinib?").features
    assert foreign is not None and lay is not None
    assert foreign[at] > 0.5 and lay[at] == 0


def test_a_lay_word_the_corpus_says_another_way_is_not_outside_its_vocabulary(answerer: Answerer) -> None:
    """ "flu" is a word no article uses, but the clinical vocabulary links it to "influenza", which one does."""
    at = FEATURES.index("outside_vocabulary")
    linked = answerer.search("flu vaccine on upadacitinib?").features
    unknown = answerer.search("guitar vaccine on upadacitinib?").features
    assert linked is not None and unknown is not None
    assert linked[at] == 0 and unknown[at] > 0


def test_an_abbreviation_covers_as_much_as_what_the_corpus_says_for_it(answerer: Answerer) -> None:
    """No article says "ANC"; an article that says "neutrophil count" covers it as it covers the words."""
    at = FEATURES.index("known_coverage_best_article")
    short = answerer.search("lowest ANC to start upadacitinib?").features
    spelled = answerer.search("lowest neutrophil count to start upadacitinib?").features
    assert short is not None and spelled is not None
    assert short[at] == pytest.approx(spelled[at]) and short[at] > 0.5


def test_the_rarest_terms_are_covered_whatever_order_the_question_names_them_in(answerer: Answerer) -> None:
    """In a small corpus many terms share the highest IDF (one passage each): "smoker" and "etanercept" do here, in
    different articles. Which of them the question names first must not decide whether its rarest term is covered."""
    at = FEATURES.index("rarest_known_terms_covered")
    values = [
        answerer.search(question).features
        for question in ("smoker on etanercept: a JAK inhibitor?", "etanercept in a smoker: a JAK inhibitor?")
    ]
    assert values[0] is not None and values[1] is not None
    assert values[0][at] == values[1][at]


def test_the_served_model_averages_its_draws() -> None:
    """The bag answers when its members' logits, each over its own threshold, average at least zero."""
    rng = np.random.default_rng(0)
    members = [
        AnswerabilityModel.model_validate(
            _model(list(FEATURES))
            | {
                "mean": rng.normal(size=len(FEATURES)).tolist(),
                "scale": rng.uniform(0.5, 2, size=len(FEATURES)).tolist(),
                "coef": rng.normal(size=len(FEATURES)).tolist(),
                "intercept": float(rng.normal()),
                "threshold": threshold,
                "training": {"claim": 10},
            }
        )
        for threshold in (0.2, 0.6, 0.05)
    ]
    bag = average(members)
    assert bag.draws == 3 and bag.training == {"claim": 30}
    for values in rng.normal(size=(20, len(FEATURES))):
        margins = [_logit(m.probability(values)) - _logit(m.threshold) for m in members]
        assert _logit(bag.probability(values)) == pytest.approx(
            np.mean([_logit(m.probability(values)) for m in members])
        )
        assert (bag.probability(values) >= bag.threshold) == (np.mean(margins) >= 0)


def test_the_floor_is_set_on_the_bag_s_scores_each_calibration_question_once() -> None:
    """Two draws scored both real questions out of fold, a third held out a pseudo-question: three scores, each at
    the mean logit of the draws that did not learn from it (pooled, the real questions counted twice each)."""
    held_out = [{"real 0": 0.0, "real 1": 2.0}, {"real 0": 2.0, "real 1": 2.0}, {"pseudo": -1.0}]
    assert bag_scores(held_out) == pytest.approx([logistic(1.0), logistic(2.0), logistic(-1.0)])


def test_the_index_serves_a_bag_of_draws(answerer: Answerer) -> None:
    model = answerer.answerability_model
    assert model is not None and model.draws == DRAWS
    assert model.floor <= model.threshold and model.floor_answered > model.target_answered


def _logit(p: float) -> float:
    return math.log(p / (1 - p))
