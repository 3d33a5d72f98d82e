from __future__ import annotations

from index.tokenize import Tokenizer

SCREENING = "Which tests should I screen for before starting upadacitinib?"


def test_scaffolding_is_dropped_and_content_words_kept() -> None:
    assert Tokenizer("english_and_scaffolding", stem=False)(SCREENING) == [
        "tests",
        "screen",
        "before",
        "starting",
        "upadacitinib",
    ]
    assert Tokenizer("english", stem=False)(SCREENING)[:3] == ["which", "tests", "should"]


def test_scaffolding_keeps_the_words_that_name_the_answer_wanted() -> None:
    words = Tokenizer("english_and_scaffolding", stem=False)("How long, and when, does US labelling apply?")
    assert words == ["how", "long", "when", "us", "labelling", "apply"]
    assert Tokenizer("english_and_question_words", stem=False)("How long until it works?") == [
        "long",
        "until",
        "works",
    ]


def test_hyphenated_terms_count_whole_and_by_parts() -> None:
    assert Tokenizer("english_and_scaffolding")("IL-17 inhibitors") == ["il-17", "il", "17", "inhibitor"]


def test_tokenizer_bm25_and_settings_share_one_default() -> None:
    from index.bm25 import Bm25Index
    from index.settings import IndexSettings

    default = IndexSettings.model_fields["bm25_stopwords"].default
    assert Tokenizer().stopwords_name == default == "english_and_scaffolding"
    assert Bm25Index.build(["a claim about dosing"]).tokenize.stopwords_name == default


def test_accents_and_greek_letters_fold_to_the_ascii_a_clinician_types() -> None:
    tokenize = Tokenizer("english_and_scaffolding", stem=False)
    assert tokenize("Sjögren's, Ménière's") == tokenize("Sjogren, Meniere") == ["sjogren", "meniere"]
    assert tokenize("IL-1β") == tokenize("IL-1beta") == ["il-1beta", "il", "1beta"]
    assert tokenize("NF-κB") == tokenize("NF-kappaB")
    assert tokenize("IL-1β") != tokenize("IL-1α")  # before folding both were "il-1"


def test_normalising_is_recorded_in_the_manifest_and_can_be_switched_off() -> None:
    from index.settings import IndexSettings
    from index.store import Bm25Params

    as_built = Tokenizer(normalize=False)
    assert as_built("Ménière's") == ["m", "ni", "re", "s"]
    assert Bm25Params.from_settings(IndexSettings()).normalize is True
    assert Bm25Params.from_settings(IndexSettings(bm25_normalize=False)).normalize is False


def test_possessives_and_contractions_leave_no_fragment_terms() -> None:
    """ "what's the dose?" used to carry a term "s", which a small corpus has in a few passages ("Crohn's")."""
    tokenize = Tokenizer("english_and_scaffolding", stem=False)
    assert tokenize("what's the dose?") == tokenize("what is the dose?") == ["what", "dose"]
    assert tokenize("she’s on it for Crohn's") == ["crohn"]  # the patient's pronouns are scaffolding
    assert tokenize("it isn't working, can't we switch?") == tokenize("it is not working, can not we switch?")
    assert tokenize("they've stopped; they're better") == ["stopped", "better"]
