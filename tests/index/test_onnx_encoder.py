from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from index.embedder import Embedder
from index.onnx_encoder import BATCH, OnnxQueryEncoder, configured_query_encoder, packaged_onnx_path
from index.store import LoadedIndex
from rag.answer import Answerer
from rag.settings import PipelineSettings, RetrievalSettings

QUESTIONS = [
    "What share of biologic-naive ankylosing spondylitis patients reached ASAS40 at week 14 on upadacitinib?",
    "Which tests should I screen for before starting upadacitinib?",
    "What are the symptoms of adult acute lymphoblastic leukemia?",
    "IL-17",
]


@pytest.fixture(scope="module")
def onnx(settings: PipelineSettings) -> OnnxQueryEncoder:
    return OnnxQueryEncoder(packaged_onnx_path(), settings.index.resolved_model_path())


def test_onnx_vectors_match_the_torch_model(onnx: OnnxQueryEncoder, embedder: Embedder) -> None:
    ours, reference = onnx.encode(QUESTIONS), embedder.encode(QUESTIONS)
    assert ours.shape == reference.shape == (len(QUESTIONS), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert ((ours * reference).sum(axis=1) > 0.99).all()
    assert onnx.encode([]).shape == (0, 384)


def test_many_questions_are_encoded_in_batches_as_each_alone(onnx: OnnxQueryEncoder) -> None:
    """A build encodes thousands of questions at once; the server one at a time. Both give the same vectors."""
    many = [f"{question} ({i})" for i in range(BATCH + 5) for question in QUESTIONS[:1]]
    together = onnx.encode(many)
    assert together.shape == (len(many), 384)
    alone = np.vstack([onnx.encode([question]) for question in (many[0], many[BATCH], many[-1])])
    assert np.allclose(together[[0, BATCH, len(many) - 1]], alone, atol=1e-6)


def test_answerer_with_the_onnx_encoder_serves_approved_passages(
    sample_index: LoadedIndex, embedder: Embedder, settings: PipelineSettings
) -> None:
    configured = settings.replace(query_encoder="onnx-int8")
    encoder = configured.served_query_encoder()
    assert encoder is not None
    assert settings.replace(query_encoder="torch").served_query_encoder() is None
    assert configured_query_encoder("torch", settings.index.resolved_model_path()) is None
    answer = Answerer(sample_index, embedder, configured.retrieval, configured.related, query_encoder=encoder).ask(
        QUESTIONS[0], top_k=3
    )
    assert answer.answered and all(p.review_status == "approved" for p in answer.passages)
    # No encoder given: the torch model embeds the question.
    torch_answer = Answerer(sample_index, embedder, settings.retrieval, settings.related).ask(QUESTIONS[0], top_k=3)
    assert answer.passages[0].chunk_id == torch_answer.passages[0].chunk_id


def test_another_onnx_export_is_configurable_by_path(
    settings: PipelineSettings, onnx: OnnxQueryEncoder, tmp_path: Path
) -> None:
    """A deployment may bring its own export of the model (another quantisation, say): it embeds the questions."""
    export = tmp_path / "export.onnx"
    export.symlink_to(packaged_onnx_path())
    encoder = settings.replace(query_encoder="onnx-int8", query_onnx_path=export).served_query_encoder()
    assert encoder is not None
    assert np.allclose(encoder(QUESTIONS), onnx.encode(QUESTIONS), atol=1e-6)
    with pytest.raises(ValidationError, match="is not a file"):
        RetrievalSettings(query_onnx_path=tmp_path / "missing.onnx")
