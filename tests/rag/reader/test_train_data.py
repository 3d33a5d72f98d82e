"""What the reader may train on: questions of the training half only, none a held-out question asks word for word,
and out-of-scope questions made of everyday words."""

from __future__ import annotations

import random

from eval.beir_eval import half
from index.lexicon import read_lexicon
from index.vocabulary import WORDNET_DIR, WordNet
from rag.everyday import OUT_OF_SCOPE, everyday_nouns, out_of_scope_questions
from rag.reader.train import TRAINING_HALF, training_questions


def test_training_questions_are_of_the_training_half_and_not_asked_again_in_the_other() -> None:
    ids = [f"q{i}" for i in range(40)]
    held_out = [q for q in ids if half(q) != TRAINING_HALF]
    queries = {q: f"question {q}" for q in ids} | {held_out[0]: "What is (are) gout ?"}
    repeated = next(q for q in ids if half(q) == TRAINING_HALF)
    queries[repeated] = "what is (are)  GOUT ?"  # the same question, another id
    qrels = {q: {f"doc-{q}": 1} for q in ids}
    training, held_out_documents = training_questions(queries, qrels)
    assert training and all(half(q) == TRAINING_HALF for q in training)
    assert repeated not in training
    assert held_out_documents == {f"doc-{q}" for q in held_out}


def test_out_of_scope_questions_name_no_medical_word() -> None:
    medical = WordNet.read(WORDNET_DIR).medical_words()
    questions = out_of_scope_questions(200, random.Random(0))
    assert len(set(questions)) > 150
    assert not [q for q in questions for word in q.lower().rstrip("?").split() if word in medical and len(word) > 5]
    nouns = everyday_nouns()
    assert all(len(words) > 100 for words in nouns.values())


def test_the_template_lexicon_states_its_source() -> None:
    lexicon = read_lexicon(OUT_OF_SCOPE)
    slots = {slot for _, slot in lexicon.entries}
    assert slots == set(everyday_nouns())
    assert all("{}" in template for template, _ in lexicon.entries)
