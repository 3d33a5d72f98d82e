"""The sentence-transformers model: passage and query embeddings, and word-piece counting for chunking."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

# Weights are loaded from a local folder only; a hub download would fail (and must not be tried) here.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Embedder:
    def __init__(self, model_path: Path, batch_size: int = 64, device: str = "cpu") -> None:
        from sentence_transformers import SentenceTransformer

        if not model_path.is_dir():
            raise FileNotFoundError(f"embedding model folder not found: {model_path}")
        self.model_path = model_path
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(model_path), device=device)
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"{model_path}: the model does not report its embedding dimension")
        self.dim: int = int(dim)
        # Content word pieces the model reads, after [CLS] and [SEP].
        self.max_tokens: int = int(self._model.max_seq_length or 512) - 2

    @property
    def name(self) -> str:
        return self.model_path.name

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text`, special tokens excluded; no truncation (we count to decide where to split)."""
        encoded = self._model.tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)
        return len(encoded["input_ids"])

    def encode(self, texts: list[str], show_progress: bool = False) -> NDArray[np.float32]:
        """Unit-length vectors, so inner product is cosine similarity."""
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)
