"""The integer-arithmetic query encoder export: written whole, served by path, close to the model it quantises."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from benchmarks.quantize_query_encoder import main, quantize
from index.embedder import Embedder
from index.onnx_encoder import packaged_onnx_path
from rag.settings import PipelineSettings

QUESTIONS = ["Which tests should I screen for before starting upadacitinib?", "how long until it works?", "IL-17"]


def test_the_export_computes_in_integers_and_embeds_close_to_the_model(
    tmp_path: Path, settings: PipelineSettings, embedder: Embedder
) -> None:
    out = tmp_path / "query-int8.onnx"
    quantize(packaged_onnx_path(), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # nothing half-written left beside it
    operators = {node.op_type for node in onnx.load(str(out)).graph.node}
    assert "MatMulInteger" in operators
    encoder = settings.replace(query_encoder="onnx-int8", query_onnx_path=out).served_query_encoder()
    assert encoder is not None
    cosine = (encoder(QUESTIONS) * embedder.encode(QUESTIONS)).sum(axis=1)
    assert (cosine > 0.97).all(), cosine  # close, not equal: eval/HISTORY.md (eleventh pass) measures what that costs
    assert np.allclose(np.linalg.norm(encoder(QUESTIONS), axis=1), 1.0, atol=1e-5)


def test_a_missing_source_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path / "x.onnx"), "--source", str(tmp_path / "missing.onnx")]) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path / 'missing.onnx'} is not a file"
    assert not (tmp_path / "x.onnx").exists()
