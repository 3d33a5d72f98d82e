"""The sentence-transformers model: passage and query embeddings, and word-piece counting for chunking."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

# Weights are loaded from a local folder only; a hub download would fail (and must not be tried) here.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# The modules of a plain sentence-transformers model (a transformer, one pooling, optional normalisation): for it
# the dimension, length limit and tokenizer can be read from its files without loading torch and the weights.
_PLAIN_MODULES = (
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
)


class Embedder:
    """Loads the weights only when something is embedded: a rebuild whose embeddings are all cached (and the
    chunker's word-piece counts) need only the tokenizer, which saves seconds of torch start-up per build."""

    def __init__(self, model_path: Path, batch_size: int = 64, device: str = "cpu") -> None:
        if not model_path.is_dir():
            raise FileNotFoundError(f"embedding model folder not found: {model_path}")
        self.model_path = model_path
        self.batch_size = batch_size
        self._device = device
        self._model: Any = None
        self._lock = threading.Lock()
        plain = _plain_model(model_path)
        if plain is None:
            model = self._loaded()
            dim = model.get_embedding_dimension()
            if dim is None:
                raise ValueError(f"{model_path}: the model does not report its embedding dimension")
            self.dim: int = int(dim)
            # Content word pieces the model reads, after [CLS] and [SEP].
            self.max_tokens: int = int(model.max_seq_length or 512) - 2
            self._count = self._count_with_model
        else:
            self.dim, max_length, tokenizer = plain
            self.max_tokens = max_length - 2
            self._tokenizer = tokenizer
            self._count = self._count_with_tokenizer

    @property
    def name(self) -> str:
        return self.model_path.name

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text`, special tokens excluded; no truncation (we count to decide where to split)."""
        return self._count(text)

    def encode(self, texts: list[str], show_progress: bool = False) -> NDArray[np.float32]:
        """Unit-length vectors, so inner product is cosine similarity."""
        vectors = self._loaded().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(self.model_path), device=self._device)
            return self._model

    def _count_with_model(self, text: str) -> int:
        encoded = self._loaded().tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)
        return len(encoded["input_ids"])

    def _count_with_tokenizer(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


def _plain_model(model_path: Path) -> tuple[int, int, Any] | None:
    """(dimension, max sequence length, tokenizer) of a plain model read from its files; None for any other."""
    try:
        modules = json.loads((model_path / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"] for m in modules]
        pooling_dir = model_path / next(m["path"] for m in modules if m["type"].endswith(".Pooling"))
        pooling = json.loads((pooling_dir / "config.json").read_text(encoding="utf-8"))
        max_length = int(json.loads((model_path / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError, StopIteration, TypeError):
        return None
    modes = [key for key, on in pooling.items() if key.startswith("pooling_mode_") and on is True]
    if kinds[:2] != list(_PLAIN_MODULES[:2]) or any(k not in _PLAIN_MODULES for k in kinds) or len(modes) != 1:
        return None
    if not (model_path / "tokenizer.json").is_file():
        return None
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return int(pooling["word_embedding_dimension"]), max_length, tokenizer
