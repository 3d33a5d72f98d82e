"""The gold evaluation's separation table: how well the answerability score ranks answerable questions above
out-of-scope ones, apart from where the threshold lies."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.datasets import GoldQuestion, GoldSplit, Scope, load_gold
from eval.gold_eval import abstention_table, outcome_figures, run_gold, separation_table
from rag.answer import Answerer, Ranked
from rag.outcome import Decision
from rag.types import Mode, Outcome

GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold" / "sample.jsonl"


def _ranked(score: float) -> Ranked:
    outcome = Outcome.ANSWERED if score >= 0.5 else Outcome.UNCERTAIN if score >= 0.2 else Outcome.DECLINED
    return Ranked(hits=[], answerability=score, decision=Decision(outcome, None))


def _rows(lines: list[str]) -> dict[str, list[str]]:
    return {cells[0]: cells[1:] for line in lines[2:] for cells in [[c.strip() for c in line.strip("|").split("|")]]}


def test_the_outcome_table_counts_each_kind_by_outcome() -> None:
    report = GoldSplit.REPORT
    questions = [GoldQuestion(id=f"a{i}", question="q", split=report) for i in range(4)] + [
        GoldQuestion(id="o1", question="q", answerable=False, scope=Scope.OFF_TOPIC, split=report),
    ]
    ranked = {"a0": _ranked(0.9), "a1": _ranked(0.9), "a2": _ranked(0.3), "a3": _ranked(0.1), "o1": _ranked(0.3)}
    lines = abstention_table(questions, ranked, relevant_in_top3={"a0", "a2", "a3"})
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    rows = {(row[0], row[1]): row[2:] for row in cells}
    # a0 answered and a2 uncertain show a relevant passage; a3 has one but is declined, a1 shows none
    assert rows["report", "answerable"] == ["4", "50.0%", "25.0%", "25.0%", "50.0%"]
    assert rows["report", "off-topic"] == ["1", "0.0%", "100.0%", "0.0%", "–"]


def test_the_outcome_figures_are_the_table_as_numbers_per_split_and_over_both() -> None:
    questions = [GoldQuestion(id=f"a{i}", question="q", split=GoldSplit.REPORT) for i in range(2)] + [
        GoldQuestion(id="o1", question="q", answerable=False, scope=Scope.OFF_TOPIC, split=GoldSplit.TUNE),
        GoldQuestion(id="o2", question="q", answerable=False, scope=Scope.OFF_TOPIC, split=GoldSplit.REPORT),
    ]
    ranked = {"a0": _ranked(0.9), "a1": _ranked(0.1), "o1": _ranked(0.1), "o2": _ranked(0.3)}
    figures = outcome_figures(questions, ranked, relevant_in_top3={"a0", "a1"})
    assert figures["report · answerable"] == {
        "questions": 2.0,
        "answered": 0.5,
        "uncertain": 0.0,
        "declined": 0.5,
        "answered or uncertain, relevant in top 3": 0.5,
    }
    assert figures["all · off-topic"]["declined"] == 0.5 and figures["tune · off-topic"]["declined"] == 1.0
    assert "tune · answerable" not in figures


def test_the_table_gives_auc_and_what_the_best_threshold_for_the_target_declines() -> None:
    report = GoldSplit.REPORT
    questions = [GoldQuestion(id=f"a{i}", question="q", split=report) for i in range(4)] + [
        GoldQuestion(id="o1", question="q", answerable=False, scope=Scope.OFF_TOPIC, split=report),
        GoldQuestion(id="n1", question="q", answerable=False, scope=Scope.NEAR_MISS, split=report),
        GoldQuestion(id="n2", question="q", answerable=False, scope=Scope.NEAR_MISS, split=report),
    ]
    scores = {"a0": 0.9, "a1": 0.8, "a2": 0.6, "a3": 0.2, "o1": 0.1, "n1": 0.7, "n2": 0.3}
    ranked = {q: _ranked(s) for q, s in scores.items()}
    rows = _rows(separation_table(questions, ranked, target=0.75))
    # 75% of 4 answered: the threshold is the third best answerable score (0.6), which declines o1 and n2, not n1
    assert rows["report"] == ["1.000", "0.625", "100.0%", "50.0%"]
    # every answerable question answered: the threshold falls to 0.2, below all but o1
    assert _rows(separation_table(questions, ranked, target=0.99))["report"][2:] == ["100.0%", "0.0%"]


def test_a_split_without_answerable_or_out_of_scope_questions_has_no_figures_it_cannot_compute() -> None:
    questions = [
        GoldQuestion(id="a", question="q", split=GoldSplit.TUNE),
        GoldQuestion(id="o", question="q", answerable=False, scope=Scope.OFF_TOPIC, split=GoldSplit.REPORT),
    ]
    rows = _rows(separation_table(questions, {"a": _ranked(0.9), "o": _ranked(0.1)}, target=0.95))
    assert rows == {"tune": ["–", "–", "–", "–"]}


@pytest.mark.slow  # the real model over the sample index
def test_the_served_score_ranks_the_gold_answerable_questions_above_the_off_topic_ones(answerer: Answerer) -> None:
    questions = load_gold(GOLD)
    ranked = run_gold(answerer, questions, [Mode.HYBRID.value]).ranked[Mode.HYBRID.value]
    rows = _rows(separation_table(questions, ranked, target=0.95))
    assert set(rows) == {"tune", "report"}
    for figures in rows.values():
        off_topic_auc, near_miss_auc = (float(f) for f in figures[:2])
        assert off_topic_auc > 0.5 and 0.0 <= near_miss_auc <= 1.0
        assert all(f.endswith("%") for f in figures[2:])
