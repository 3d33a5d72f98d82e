"""Everyday questions nobody here wrote: templates of `rag/reader/lexicons/out_of_scope.tsv` filled with WordNet
nouns of four lexicographer files (animals, artifacts, food, places), medical lemmas removed. The reader learns from
them that a question about pasta is not answered by a passage about vaccines (rag/reader/pairs.py), and the
answerability model learns what the reader says of such questions (rag/answerability_training.py)."""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

from index.lexicon import read_lexicon
from index.vocabulary import WORDNET_DIR, WordNet

OUT_OF_SCOPE = Path(__file__).resolve().parent / "reader" / "lexicons" / "out_of_scope.tsv"
# WordNet 3.0 lexicographer files (lexnames(5)) the out-of-scope slots draw from
LEXICOGRAPHER_FILES = {"animal": "05", "artifact": "06", "food": "13", "location": "15"}
_LEMMA = re.compile(r"^[a-z]+(?:_[a-z]+)?$")


def out_of_scope_questions(count: int, rng: random.Random, wordnet_dir: Path = WORDNET_DIR) -> list[str]:
    """Everyday questions: a template of `lexicons/out_of_scope.tsv` with a WordNet noun of its slot's kind."""
    templates = read_lexicon(OUT_OF_SCOPE).entries
    nouns = everyday_nouns(wordnet_dir)
    questions = []
    for _ in range(count):
        template, slot = rng.choice(templates)
        questions.append(template.replace("{}", rng.choice(nouns[slot]).replace("_", " ")))
    return questions


@cache
def everyday_nouns(wordnet_dir: Path = WORDNET_DIR) -> dict[str, list[str]]:
    """One- and two-word lower-case noun lemmas of each slot's lexicographer file, less any lemma of a medical
    synset (an "atrium" is a hall and a heart chamber). Read once per process: each of a build's answerability
    draws asks for them (about 1 s to read WordNet); callers must not change the lists."""
    wordnet = WordNet.read(wordnet_dir)
    medical = set(wordnet.medical_synsets())
    medical_lemmas = {lemma.lower() for offset in medical for lemma in wordnet.nouns[offset].lemmas}
    files = {number: slot for slot, number in LEXICOGRAPHER_FILES.items()}
    nouns: dict[str, set[str]] = {slot: set() for slot in LEXICOGRAPHER_FILES}
    with (wordnet_dir / "data.noun").open(encoding="latin-1") as handle:
        for line in handle:
            if line.startswith("  "):
                continue
            fields = line.split(" ", 5)
            slot = files.get(fields[1])
            if slot is None or fields[0] in medical:
                continue
            lemma = fields[4]
            if _LEMMA.match(lemma) and len(lemma) >= 4 and not medical_lemmas & {lemma, *lemma.split("_")}:
                nouns[slot].add(lemma)
    return {slot: sorted(words) for slot, words in nouns.items()}
