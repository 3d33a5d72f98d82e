"""Answer types for BM25: what kind of answer a question wants, matched to passages that hold one.

A clinician asks "what's the dose?", "how common is shingles on it?", "how long until it works?"; the claim that
answers says "15 mg once daily", "occurred in 1% of patients", "within 2 to 4 weeks", without the question's words.
Predictive annotation (Prager, Brown, Coden & Radev, SIGIR 2000) indexes each passage with the types of answer it
holds and adds the type a question asks for to its query, so the type is matched like any other term and weighed by
its IDF (a type most passages hold counts for little).

The two sides are read differently on purpose: a passage holds a type when its claim (not its header, the article's
question, which would tag all of an article's claims) states a quantity of that kind (a dose, a proportion, a
duration); a question asks for one by its words ("dose", "how common", "how long"), since the numbers a question
carries are the patient's ("a 14-year-old", "109 kg"), not the answer.

One type is not a quantity: `@definition`, the commonest question type in question answering ("What is X?",
TREC's definition questions). A passage holds it when its first sentence defines something ("X is a rare disorder
of…", "X refers to…"); a question asks for it as "what is X?", "define X" or "what does X mean?", but not "what is
the dose?".

Nor is `@gene`, a genetic cause: a passage that names the gene or chromosome that varies ("mutations in the PTEN
gene", "variations in several genes"), asked for as "genetic changes", "genetic cause" or "which gene". Without it
the page that says how a condition is inherited ("one copy of the altered gene…") outranked the one that names its
gene (eval/RESULTS.md, eleventh pass).
"""

from __future__ import annotations

import re

VERSION = 7  # part of an index's cache key: bump when what a pattern matches, or what a type counts, changes

_NUMBER = r"\d+(?:[.,]\d+)?"
_SPELLED = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few)"

# Passages: quantities of each kind.
_HOLDS = {
    "@dose": re.compile(
        rf"\b{_NUMBER}\s?(?:-\s?{_NUMBER}\s?)?(?:mg|mcg|µg|micrograms?|milligrams?|grams?|g|iu|units?|ml|mmol)"
        r"(?:/(?:kg|m2|day|d|dose))?\b",
        re.IGNORECASE,
    ),
    "@proportion": re.compile(
        rf"{_NUMBER}\s?%|\b{_NUMBER}\s?percent\b|\b(?:{_NUMBER}|one)\s(?:in|out of)\s(?:every\s)?{_NUMBER}\b",
        re.IGNORECASE,
    ),
    "@duration": re.compile(
        # "once a day", "twice a week", "three times a day" are how often, not how long.
        rf"(?<!once )(?<!twice )(?<!times )\b(?:{_NUMBER}|{_SPELLED})(?:\s?(?:-|to|or)\s?{_NUMBER})?[\s-]"
        r"(?:hours?|days?|weeks?|months?|years?)\b(?![\s-]old)",  # "a 14-year-old" is an age
        re.IGNORECASE,
    ),
    # A genetic cause names the gene that varies: "mutations in the PTEN gene", "variations in several genes",
    # "a deletion of chromosome 15"; not "one copy of the altered gene", which says how a condition is inherited.
    "@gene": re.compile(
        r"\b(?:mutations?|variations?|variants?|changes|alterations?|deletions?|duplications?)\s+(?:in|of|within)\s+"
        r"(?:the\s+|a\s+|an\s+|one\s+|two\s+|several\s+|many\s+|multiple\s+|these\s+)?"
        r"(?:[A-Za-z0-9-]+\s+)?(?:genes?|chromosomes?)\b",
        re.IGNORECASE,
    ),
    # A definition opens its passage: "Glaucoma is a group of eye diseases…", "X refers to…"; read from the first
    # sentence only ("There is no cure" and "This condition is inherited…" are not definitions).
    "@definition": re.compile(
        r"^(?!there\b)[^.?!:;]{0,100}?\b(?:is|are)\s(?:also\s|usually\s|generally\s)?(?:a|an|one of|any|group|type"
        r"|kind|form|class|term|name)\b|^[^.?!:;]{0,100}?\b(?:refers to|is defined as|is the name)\b",
        re.IGNORECASE,
    ),
}
_FIRST_SENTENCE_ONLY = frozenset({"@definition"})
# How many times an asked type counts in the query. A definition or a genetic cause is asked by a question that names
# nothing but its focus ("What is X?", "What are the genetic changes related to X?"): every passage about X matches the
# focus alike and only the type tells them apart, so at one count a type many passages hold loses to a short page that
# repeats X. A quantity is asked beside words that say which one ("the dose of upadacitinib"), and counting it more
# lost SciFact and gold (eval/RESULTS.md, fourth pass, item 2). Chosen on MedQuAD dev half A, confirmed on half B;
# neither SciFact's claims nor the gold questions ask for these two types (eleventh pass, item 6).
COUNTS = {"@definition": 5, "@gene": 5}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")

# Questions: the words that ask for each kind.
_ASKS = {
    "@dose": re.compile(r"\b(?:dose|doses|dosing|dosage|dosed|how much)\b", re.IGNORECASE),
    "@proportion": re.compile(
        r"\b(?:how (?:common|often|many|frequent|frequently|likely|rare)|what (?:proportion|percentage|share)"
        r"|proportion|percentage|incidence|prevalence|frequency|risk of|chance of|odds of)\b",
        re.IGNORECASE,
    ),
    "@duration": re.compile(
        r"\b(?:how (?:long|soon|quickly|fast)|duration|time to|timeline|until|how many (?:days|weeks|months|years))\b",
        re.IGNORECASE,
    ),
    "@gene": re.compile(
        r"\bgenetic\s+(?:changes?|causes?|basis|alterations?|variants?|mutations?|defects?)\b|\b(?:what|which)\s+genes?\b"
        r"|\bgenes?\s+(?:involved|responsible|implicated)\b",
        re.IGNORECASE,
    ),
    # "What is X?", "what are X?", "define X", "what does X mean?": but not "what is the dose?", "what is it for?"
    "@definition": re.compile(
        r"^\W*(?:what(?:'s|\s+is|\s+are)(?:\s+\(are\))?\s+(?![\w-]+'s\b)(?!(?:the|a|an|it|its|this|that|these|those|there|known"
        r"|being|done|new|my|his|her|their|your|our|causing|wrong|happening|going|up|used|needed|recommended|next"
        r"|best|better|safe|safer|likely|available)\b)|(?:define|definition of|meaning of)\s)"
        r"|\bwhat\s+does\s+.{1,60}\s+mean\b",
        re.IGNORECASE,
    ),
}


def held_types(passage: str) -> list[str]:
    """The answer types a passage holds: the kinds of quantity it states, and whether it opens with a definition."""
    first_sentence = _SENTENCE_END.split(passage.strip(), maxsplit=1)[0]
    return [
        kind
        for kind, pattern in _HOLDS.items()
        if pattern.search(first_sentence if kind in _FIRST_SENTENCE_ONLY else passage)
    ]


def asked_types(question: str) -> list[str]:
    """The answer types a question asks for. A time the question names asks for one too ("does it hold up after a
    year?", "still improving after 3 months?"): a follow-up that names a time asks about timing."""
    return [
        kind
        for kind, pattern in _ASKS.items()
        if pattern.search(question) or (kind == "@duration" and _HOLDS[kind].search(question))
    ]
