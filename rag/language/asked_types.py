"""The kinds of answer a question asks for, matched to the passages that hold one (index/answer_types.py).

A question asks for a type by its words ("dose", "how common", "how long"), not by its numbers: those a question
carries are the patient's ("a 14-year-old", "109 kg"), not the answer. It asks for a definition as "what is X?",
"define X" or "what does X mean?", but not "what is the dose?"; for a genetic cause as "genetic changes", "genetic
cause" or "which gene".

A change here changes the BM25 scores an index's answerability model was trained on: bump
`index.answer_types.VERSION` with it.
"""

from __future__ import annotations

import re

from index.answer_types import holds

# How many times an asked type counts in the query. A definition or a genetic cause is asked by a question that names
# nothing but its focus ("What is X?", "What are the genetic changes related to X?"): every passage about X matches the
# focus alike and only the type tells them apart, so at one count a type many passages hold loses to a short page that
# repeats X. A quantity is asked beside words that say which one ("the dose of upadacitinib"), and counting it more
# lost SciFact and gold (eval/RESULTS.md, fourth pass, item 2). Chosen on MedQuAD dev half A, confirmed on half B;
# neither SciFact's claims nor the gold questions ask for these two types (eleventh pass, item 6).
COUNTS = {"@definition": 5, "@gene": 5}

# The words that ask for each kind.
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


def asked_types(question: str) -> list[str]:
    """The answer types a question asks for. A time the question names asks for one too ("does it hold up after a
    year?", "still improving after 3 months?"): a follow-up that names a time asks about timing."""
    return [
        kind
        for kind, pattern in _ASKS.items()
        if pattern.search(question) or (kind == "@duration" and holds(kind, question))
    ]


def counted_types(question: str) -> list[str]:
    """The type terms a question's BM25 query carries: each asked type as many times as it counts."""
    return [kind for kind in asked_types(question) for _ in range(COUNTS.get(kind, 1))]
