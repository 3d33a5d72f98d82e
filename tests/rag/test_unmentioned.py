"""Which of a question's medical words no approved article mentions."""

from __future__ import annotations

from index.tokenize import Tokenizer
from rag.answer import Answerer
from rag.unmentioned import ForeignWords

tokenize = Tokenizer()


def test_one_word_names_are_reported_as_written_once_each_in_order() -> None:
    foreign = ForeignWords.of(["warfarin", "gout", "hot tub lung"], tokenize)
    assert foreign.unmentioned("Warfarin's dose in gout, and warfarin with NSAIDs?", tokenize) == ["Warfarin", "gout"]
    assert foreign.unmentioned("what about hot tub lung?", tokenize) == []  # a name of several words is not one
    assert {"hot", "tub", "lung"} <= foreign.terms  # though it still counts for answerability


def test_a_name_with_an_accent_is_one_word_not_its_fragments() -> None:
    """Before tokens were folded, "dropéridol" left "drop" among the names the corpus lacks."""
    foreign = ForeignWords.of(["dropéridol", "labétalol"], tokenize)
    assert foreign.unmentioned("any lab monitoring after the drop in neutrophils?", tokenize) == []
    assert foreign.unmentioned("droperidol or labetalol?", tokenize) == ["droperidol", "labetalol"]


def test_the_answer_names_the_drug_no_approved_article_mentions(answerer: Answerer) -> None:
    seed = "ab6a97c2e0394c38"
    other_drug = answerer.ask("what's the ixekizumab dose instead?", article_id=seed)
    assert other_drug.unmentioned == ["ixekizumab"]
    # A brand the corpus says by its generic name, and a lay word, are not reported.
    assert answerer.ask("Can someone already taking Rinvoq get their jabs?").unmentioned == []
