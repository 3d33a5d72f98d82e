"""The kinds of answer a question asks for, matched to the passages that hold one (index/answer_types.py).

A question asks for a type by its words ("dose", "how common", "how long"), not by its numbers: those a question
carries are the patient's ("a 14-year-old", "109 kg"), not the answer. It asks for a definition as "what is X?",
"define X" or "what does X mean?", but not "what is the dose?"; for a genetic cause as "genetic changes", "genetic
cause" or "which gene".

The cue words are data (lexicons/asked_types.tsv, lexicons/not_definitions.tsv, whose headers say where they come
from). A change of them or of the patterns here changes the BM25 scores an index's answerability model was trained
on: bump `index.answer_types.VERSION` and the lexicons' version with it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from index.answer_types import holds
from index.lexicon import read_lexicon

LEXICONS = Path(__file__).parent / "lexicons"
CUES = LEXICONS / "asked_types.tsv"
NOT_DEFINITIONS = LEXICONS / "not_definitions.tsv"

# How many times an asked type counts in the query. A definition or a genetic cause is asked by a question that names
# nothing but its focus ("What is X?", "What are the genetic changes related to X?"): every passage about X matches the
# focus alike and only the type tells them apart, so at one count a type many passages hold loses to a short page that
# repeats X. A quantity is asked beside words that say which one ("the dose of upadacitinib"), and counting it more
# lost SciFact and gold (eval/HISTORY.md, fourth pass, item 2). Chosen on MedQuAD dev half A, confirmed on half B;
# neither SciFact's claims nor the gold questions ask for these two types (eleventh pass, item 6).
COUNTS = {"@definition": 5, "@gene": 5}


@cache
def _asks() -> dict[str, re.Pattern[str]]:
    """The words that ask for each kind: a cue of the lexicon anywhere in the question, whole; a definition also by
    "What is X?", "what are X?" or "what does X mean?", but not "what is the dose?", "what is it for?"."""
    cues: dict[str, list[str]] = {}
    for kind, cue in read_lexicon(CUES).entries:
        cues.setdefault(kind, []).append(cue)
    openers = "|".join(cues.pop("@definition"))
    not_subjects = "|".join(read_lexicon(NOT_DEFINITIONS).words())
    asks = {kind: re.compile(rf"\b(?:{'|'.join(found)})\b", re.IGNORECASE) for kind, found in cues.items()}
    asks["@definition"] = re.compile(
        rf"^\W*(?:what(?:'s|\s+is|\s+are)(?:\s+\(are\))?\s+(?![\w-]+'s\b)(?!(?:{not_subjects})\b)|(?:{openers})\s)"
        r"|\bwhat\s+does\s+.{1,60}\s+mean\b",
        re.IGNORECASE,
    )
    return asks


def asked_types(question: str) -> list[str]:
    """The answer types a question asks for. A time the question names asks for one too ("does it hold up after a
    year?", "still improving after 3 months?"): a follow-up that names a time asks about timing."""
    return [
        kind
        for kind, pattern in _asks().items()
        if pattern.search(question) or (kind == "@duration" and holds(kind, question))
    ]


def counted_types(question: str) -> list[str]:
    """The type terms a question's BM25 query carries: each asked type as many times as it counts."""
    return [kind for kind in asked_types(question) for _ in range(COUNTS.get(kind, 1))]
