"""Which of a question's drug and disease names no servable article mentions (rag/unmentioned.py): only names the
medical sources give (index/medical_names.py), read against the articles servable at the time of the question."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from index.medical_names import Mentions, medical_names
from rag.answer import Answerer
from rag.unmentioned import unmentioned

NAMES = ("warfarin", "gout", "multiple sclerosis", "sclerosis", "COPD", "upadacitinib", "rinvoq", "droperidol")
MENTIONS = Mentions(NAMES, {"upa-article": (5, 6), "ms-draft": (2,)})  # upadacitinib and Rinvoq; multiple sclerosis


def nothing(_: Iterable[str]) -> bool:
    return False


def everything(article_ids: Iterable[str]) -> bool:
    return any(True for _ in article_ids)


def test_names_are_reported_as_written_once_each_in_order() -> None:
    question = "Warfarin's dose in gout, and warfarin with NSAIDs?"
    assert unmentioned(question, MENTIONS, nothing) == ["Warfarin", "gout"]


def test_a_name_of_several_words_counts_whole() -> None:
    assert unmentioned("Is it safe in multiple  sclerosis?", MENTIONS, nothing) == ["multiple  sclerosis"]
    assert unmentioned("and in systemic sclerosis?", MENTIONS, nothing) == ["sclerosis"]
    assert unmentioned("is it multiple?", MENTIONS, nothing) == []


def test_an_abbreviation_counts_only_as_typed() -> None:
    assert unmentioned("What about COPD's inhalers?", MENTIONS, nothing) == ["COPD"]
    assert unmentioned("what about copd?", MENTIONS, nothing) == []


def test_a_name_is_compared_as_the_question_writes_it_not_by_its_stem() -> None:
    """Stemmed, "cup" was "cupping" and "garden" was "gardenal": a question's word must be the name."""
    mentions = Mentions(("cupping", "gardenal", "droperidol"), {})
    assert unmentioned("Who won the football world cup in 2014?", mentions, nothing) == []
    assert unmentioned("How do I repaint a rusty garden gate?", mentions, nothing) == []
    assert unmentioned("Dropéridol or droperidol?", mentions, nothing) == ["Dropéridol"]


def test_a_name_counts_as_mentioned_only_while_an_article_that_mentions_it_is_servable() -> None:
    question = "Rinvoq or upadacitinib in multiple sclerosis?"
    assert unmentioned(question, MENTIONS, everything) == []
    assert unmentioned(question, MENTIONS, lambda ids: "upa-article" in ids) == ["multiple sclerosis"]
    assert unmentioned(question, MENTIONS, nothing) == ["Rinvoq", "upadacitinib", "multiple sclerosis"]


def test_without_the_generation_s_names_nothing_is_reported() -> None:
    assert unmentioned("warfarin?", None, nothing) == []


# Everyday questions, written for this test, that share nouns with the corpus (water, pool, spa, chlorine, yoga,
# weight, sugar, tea, soap, hair, skin, car, bath, smoke), with nouns the issue named (cup, garden, yolk, oil), and
# with words a drug or disease list holds in another sense (olive oil, egg yolk and house dust are allergen extracts
# in the drug dictionary; blight, lichen, cataract, wine and cigar sit below WordNet's diseases and drugs; superman and
# Elvis are street names for LSD; Fargo is a drug's brand).
EVERYDAY = (
    "Who won the football world cup in 2014?",
    "How do I repaint a rusty garden gate?",
    "Can I freeze an egg yolk left over from baking?",
    "Which oil is best for frying chips at home?",
    "How much olive oil goes into a basic vinaigrette?",
    "How long should I brew a pot of green tea?",
    "How many sugar cubes fit in a standard tea cup?",
    "How do I stop lichen growing on my garden wall?",
    "What causes blight on tomato plants and how do I stop it?",
    "How do I get dog hair off a velvet sofa?",
    "What is the quickest way to clear house dust from bookshelves?",
    "Can I use baking soda to clean a burnt saucepan?",
    "How thick does pond ice need to be for skating?",
    "How do I repot an aloe vera plant that has outgrown its pot?",
    "Which fish oil capsules are cheapest at the supermarket?",
    "How do I make a cup of hot chocolate with cocoa powder?",
    "How do I remove candle wax from a tablecloth?",
    "Where can I buy a Cuban cigar in Havana?",
    "How long does a tornado usually last?",
    "Who played Superman in the 1978 film?",
    "Which songs did Elvis record at Sun Studio?",
    "How high is the cataract on the Nile at Aswan?",
    "What is the salt to water ratio for brining a turkey?",
    "How warm should the water in a backyard pool be for swimming?",
    "How much chlorine do I add to a spa after a party?",
    "How do I get soap scum off a glass shower door?",
    "Which yoga mat grips best in a hot yoga class?",
    "What weight of flour makes a loaf of white bread?",
    "How do I keep my car windscreen from icing up on cold mornings?",
    "How do I stop my wood stove smoking into the room?",
    "Why does the skin on my custard go wrinkly?",
    "How do I fix a dripping bath tap?",
    "What is the best red wine to serve with roast lamb?",
    "How cold does Fargo get in January?",
    "Where does the Rhine meet the North Sea?",
    "Can I plant garlic and onions in the same garden bed?",
)


@pytest.fixture(scope="module")
def every_name() -> Mentions:
    """Every name the installed sources give, mentioned by no article."""
    return Mentions(medical_names(), {})


def test_the_everyday_questions_are_many() -> None:
    assert len(set(EVERYDAY)) >= 30


@pytest.mark.parametrize("question", EVERYDAY)
def test_no_everyday_word_is_a_medical_name(every_name: Mentions, question: str) -> None:
    """Even with no article servable, no word of these questions is listed."""
    assert unmentioned(question, every_name, nothing) == []


def test_the_sources_name_drugs_and_diseases_of_one_and_several_words(every_name: Mentions) -> None:
    question = "Warfarin, Xanax or COPD inhalers in multiple sclerosis, cystic fibrosis and Parkinson's disease?"
    assert unmentioned(question, every_name, nothing) == [
        "Warfarin",
        "Xanax",
        "COPD",
        "multiple sclerosis",
        "cystic fibrosis",
        "Parkinson's disease",
    ]


def test_the_answer_names_the_drug_no_approved_article_mentions(answerer: Answerer) -> None:
    seed = "ab6a97c2e0394c38"
    other_drug = answerer.ask("what's the ixekizumab dose instead?", article_id=seed)
    assert other_drug.unmentioned == ["ixekizumab"]
    assert other_drug.reason is not None and "ixekizumab" in other_drug.reason
    # A brand the corpus says by its generic name, and a lay word, are not reported; a disease of two words is.
    assert answerer.ask("Can someone already taking Rinvoq get their jabs?").unmentioned == []
    assert answerer.ask("Is upadacitinib used in multiple sclerosis?").unmentioned == ["multiple sclerosis"]


def test_no_everyday_question_gets_a_reason_naming_one_of_its_words(answerer: Answerer) -> None:
    for question in EVERYDAY:
        answer = answerer.ask(question)
        assert answer.unmentioned == [], question
        assert "mentions" not in (answer.reason or ""), question
