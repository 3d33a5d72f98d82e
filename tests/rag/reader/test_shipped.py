"""The reader shipped in rag/reader/model/: its files match its card, it reproduces the card's scores, and it
was trained on no question outside the training halves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eval.beir_eval import half
from eval.datasets import load_beir
from rag.reader.model import MODEL_DIR, ONNX_FILE, Reader, verify
from rag.reader.train import COLLECTIONS, TRAINING_HALF

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
SIZE_LIMIT = 30 * 2**20


def test_the_shipped_files_match_the_card() -> None:
    card = verify(MODEL_DIR)
    assert (MODEL_DIR / ONNX_FILE).stat().st_size <= SIZE_LIMIT
    assert card.command.startswith("python -m rag.reader.train") and len(card.commit) == 40
    assert card.data["files"] and card.figures


def test_the_shipped_model_reproduces_the_scores_on_its_card() -> None:
    card = verify(MODEL_DIR)
    reader = Reader(MODEL_DIR)
    assert len(card.probe) >= 3
    by_question: dict[str, list[dict[str, object]]] = {}
    for pair in card.probe:
        by_question.setdefault(str(pair["question"]), []).append(pair)
    for question, pairs in by_question.items():  # one batch a question, as the card's scores were read
        got = reader.logits(question, [str(p["passage"]) for p in pairs])
        # int8 activations are quantised per batch: a score depends on the batch it was read in, not the threads
        assert got.tolist() == pytest.approx([float(p["logit"]) for p in pairs], abs=1e-3)


def test_the_model_reads_an_everyday_question_as_not_answered_by_a_clinical_passage() -> None:
    card = verify(MODEL_DIR)
    by_question: dict[str, list[float]] = {}
    for pair in card.probe:
        by_question.setdefault(str(pair["question"]), []).append(float(pair["logit"]))
    clinical, varnish = (
        by_question["What dose of upadacitinib is used for rheumatoid arthritis?"],
        by_question["Which varnish protects an oak table best?"],
    )
    assert max(varnish) < max(clinical)


def test_no_training_question_is_outside_the_training_halves() -> None:
    ids = verify(MODEL_DIR).data["training_question_ids"]
    assert isinstance(ids, dict) and set(ids) == set(COLLECTIONS)
    for collection, questions in ids.items():
        assert questions, collection
        outside = [q for q in questions if half(q) != TRAINING_HALF]
        assert not outside, f"{collection}: {outside[:3]} are not in half {TRAINING_HALF}"


@pytest.mark.skipif(not DATA.is_dir(), reason=f"{DATA} is absent: the shared data sets are not on this machine")
def test_every_training_question_is_one_of_the_split_it_was_drawn_from() -> None:
    ids = verify(MODEL_DIR).data["training_question_ids"]
    assert isinstance(ids, dict)
    for collection, split in COLLECTIONS.items():
        qrels = load_beir(DATA / collection, split).qrels
        unknown = [q for q in ids[collection] if q not in qrels]
        assert not unknown, f"{collection}: {unknown[:3]} are not in qrels/{split}.tsv"
        assert np.mean([half(q) == TRAINING_HALF for q in qrels]) < 0.6  # the halves are halves
