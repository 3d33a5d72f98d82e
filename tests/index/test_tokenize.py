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
    from index.settings import Settings

    default = Settings.model_fields["bm25_stopwords"].default
    assert Tokenizer().stopwords_name == default == "english_and_scaffolding"
    assert Bm25Index.build(["a claim about dosing"]).tokenize.stopwords_name == default
