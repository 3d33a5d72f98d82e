"""Embeddings cached by (model, text hash) in SQLite, so a rebuild re-embeds only chunks whose text changed."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from corpus.progress import Progress

Encoder = Callable[[list[str]], NDArray[np.float32]]


class EmbeddingCache:
    def __init__(self, path: Path, model_key: str, dim: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (model TEXT, text_hash TEXT, vector BLOB, "
            "PRIMARY KEY (model, text_hash))"
        )
        self._model_key = model_key
        self._dim = dim
        self.hits = 0
        self.misses = 0

    @staticmethod
    def text_hash(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def encode(
        self, texts: list[str], encoder: Encoder, batch_size: int | None = 1024, desc: str = "embed"
    ) -> NDArray[np.float32]:
        """Vectors for `texts` in order; only texts not seen before with this model go to `encoder`.

        `batch_size` None hands every unseen text to one `encoder` call, for encoders that split the work
        themselves (Ray: one pipeline, its actors loading the model once, rather than one per batch).
        """
        hashes = [self.text_hash(t) for t in texts]
        found: dict[str, NDArray[np.float32]] = {}
        for start in range(0, len(hashes), 900):
            batch = list(set(hashes[start : start + 900]))
            stored = self._db.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN "
                f"({','.join('?' * len(batch))})",
                [self._model_key, *batch],
            )
            found.update((h, np.frombuffer(v, dtype=np.float32)) for h, v in stored)
        missing: dict[str, str] = {}
        for digest, text in zip(hashes, texts, strict=True):
            if digest not in found:
                missing.setdefault(digest, text)
        self.hits, self.misses = len(texts) - sum(h in missing for h in hashes), len(missing)
        items = list(missing.items())
        with Progress(len(items), desc, "chunks") as bar:
            self._encode_missing(items, encoder, batch_size or max(len(items), 1), found, bar)
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        return np.stack([found[h] for h in hashes]).astype(np.float32)

    def _encode_missing(
        self,
        items: list[tuple[str, str]],
        encoder: Encoder,
        batch_size: int,
        found: dict[str, NDArray[np.float32]],
        bar: Progress,
    ) -> None:
        for start in range(0, len(items), batch_size):
            part = items[start : start + batch_size]
            vectors = encoder([text for _, text in part])
            rows = [
                (self._model_key, digest, v.astype(np.float32).tobytes())
                for (digest, _), v in zip(part, vectors, strict=True)
            ]
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)
            found.update((digest, v.astype(np.float32)) for (digest, _), v in zip(part, vectors, strict=True))
            bar.update(len(part))

    def close(self) -> None:
        self._db.close()
