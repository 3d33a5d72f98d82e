"""Answer types for BM25: the kinds of answer a passage holds, indexed as terms of their own.

A clinician asks "what's the dose?", "how common is shingles on it?", "how long until it works?"; the claim that
answers says "15 mg once daily", "occurred in 1% of patients", "within 2 to 4 weeks", without the question's words.
Predictive annotation (Prager, Brown, Coden & Radev, SIGIR 2000) indexes each passage with the types of answer it
holds and adds the type a question asks for to its query, so the type is matched like any other term and weighed by
its IDF (a type most passages hold counts for little). This module is the build's half; what a question asks for is
read at query time (rag/language/asked_types.py).

A passage holds a type when its claim (not its header, the article's question, which would tag all of an article's
claims) states a quantity of that kind (a dose, a proportion, a duration).

One type is not a quantity: `@definition`, the commonest question type in question answering ("What is X?",
TREC's definition questions). A passage holds it when its first sentence defines something ("X is a rare disorder
of…", "X refers to…").

Nor is `@gene`, a genetic cause: a passage that names the gene or chromosome that varies ("mutations in the PTEN
gene", "variations in several genes"). Without it the page that says how a condition is inherited ("one copy of the
altered gene…") outranked the one that names its gene (eval/HISTORY.md, eleventh pass).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from index.lexicon import read_lexicon

# Part of an index's cache key (the answerability model is trained on the BM25 scores types give): bump it, and the
# version of the lexicons below and of rag/language/lexicons/asked_types.tsv, when what a pattern here or in
# rag/language/asked_types.py matches, or what a type counts there, changes.
VERSION = 7
LEXICON = Path(__file__).parent / "lexicons" / "held_types.tsv"

_NUMBER = r"\d+(?:[.,]\d+)?"


@cache
def _holds() -> dict[str, re.Pattern[str]]:
    """Passages: quantities of each kind, from the words of the lexicon."""
    slots: dict[str, list[str]] = {}
    for slot, entry in read_lexicon(LEXICON).entries:
        slots.setdefault(slot, []).append(entry)

    def one_of(slot: str, after: str = "") -> str:
        return "(?:" + "|".join(entry + after for entry in slots[slot]) + ")"

    unit, per, spelled, time = one_of("dose unit"), one_of("dose per"), one_of("spelled number"), one_of("time unit")
    change, determiner, gene = one_of("gene change"), one_of("gene determiner", r"\s+"), one_of("gene noun")
    adverb, head, phrase = one_of("definition adverb", r"\s"), one_of("definition head"), one_of("definition phrase")
    return {
        "@dose": re.compile(rf"\b{_NUMBER}\s?(?:-\s?{_NUMBER}\s?)?{unit}(?:/{per})?\b", re.IGNORECASE),
        "@proportion": re.compile(
            rf"{_NUMBER}\s?%|\b{_NUMBER}\s?percent\b|\b(?:{_NUMBER}|one)\s(?:in|out of)\s(?:every\s)?{_NUMBER}\b",
            re.IGNORECASE,
        ),
        "@duration": re.compile(
            # "once a day", "twice a week", "three times a day" are how often, not how long.
            rf"(?<!once )(?<!twice )(?<!times )\b(?:{_NUMBER}|{spelled})(?:\s?(?:-|to|or)\s?{_NUMBER})?[\s-]"
            rf"{time}\b(?![\s-]old)",  # "a 14-year-old" is an age
            re.IGNORECASE,
        ),
        # A genetic cause names the gene that varies: "mutations in the PTEN gene", "variations in several genes",
        # "a deletion of chromosome 15"; not "one copy of the altered gene", which says how a condition is inherited.
        "@gene": re.compile(
            rf"\b{change}\s+(?:in|of|within)\s+{determiner}?(?:[A-Za-z0-9-]+\s+)?{gene}\b", re.IGNORECASE
        ),
        # A definition opens its passage: "Glaucoma is a group of eye diseases…", "X refers to…"; read from the first
        # sentence only ("There is no cure" and "This condition is inherited…" are not definitions).
        "@definition": re.compile(
            rf"^(?!there\b)[^.?!:;]{{0,100}}?\b(?:is|are)\s{adverb}?{head}\b|^[^.?!:;]{{0,100}}?\b{phrase}\b",
            re.IGNORECASE,
        ),
    }


_FIRST_SENTENCE_ONLY = frozenset({"@definition"})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def held_types(passage: str) -> list[str]:
    """The answer types a passage holds: the kinds of quantity it states, and whether it opens with a definition."""
    first_sentence = _SENTENCE_END.split(passage.strip(), maxsplit=1)[0]
    return [
        kind
        for kind, pattern in _holds().items()
        if pattern.search(first_sentence if kind in _FIRST_SENTENCE_ONLY else passage)
    ]


def holds(kind: str, text: str) -> bool:
    """Whether the text states a quantity of the kind, read as a passage's claim is (the whole text)."""
    return _holds()[kind].search(text) is not None
