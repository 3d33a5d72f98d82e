"""Follow-ups made from a BEIR set whose documents are titled by their subject (eval/followups.py)."""

from __future__ import annotations

from eval.datasets import BeirSet
from eval.followups import follow_ups

DATA = BeirSet(
    name="toy",
    corpus={
        "d1#1": ("Glaucoma", "Glaucoma damages the optic nerve."),
        "d1#2": ("Glaucoma", "Symptoms include loss of side vision."),
        "d2#1": ("Gout", "Gout is a form of arthritis."),
    },
    queries={
        "q1": "What is (are) Glaucoma ?",
        "q2": "What are the symptoms of glaucoma ?",
        "q3": "What causes joint pain ?",
        "q4": "Is Gout or Glaucoma inherited ?",
    },
    qrels={"q1": {"d1#1": 1}, "q2": {"d1#2": 1}, "q3": {"d2#1": 1}, "q4": {"d1#1": 1, "d2#1": 1}},
)


def test_a_question_naming_its_subject_becomes_a_follow_up_after_an_overview_question() -> None:
    original, followed = follow_ups(DATA)
    assert [q.id for q in original] == [q.id for q in followed] == ["q2"]  # q1 asks nothing without its subject
    (asked,) = followed
    assert asked.question == "What are the symptoms of it ?"
    assert asked.history == ["What is (are) Glaucoma ?"]
    assert asked.relevant == original[0].relevant == ["d1#2"]
