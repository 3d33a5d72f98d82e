"""`python -m benchmarks.medquad_source --out DIR --vectors-from INDEX`: a `--source` for `python -m benchmarks`
with every MedQuAD chunk, for a machine that cannot afford to embed them all (~29k chunks, hours under load).

Texts, articles and BM25 are real: the chunk-text distribution, and so BM25's posting lengths at 1M chunks, match
the original benchmark's source. Vectors are real where INDEX's embedding cache has the text; every other chunk
gets the vector of a real one plus N(0, NOISE) noise, renormalised, as scale.py makes its copies. Dense figures
over such a corpus describe the index's size and speed, not retrieval quality.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
from pathlib import Path

import numpy as np

from benchmarks import scale
from corpus.chunking import chunk_article
from corpus.medquad import read_medquad
from index.builder import EMBEDDING_CACHE
from index.embed_cache import EmbeddingCache
from index.embedder import Embedder
from index.settings import IndexSettings
from index.store import Manifest, current_generation

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.medquad_source", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--vectors-from", type=Path, required=True, help="an index folder with embeddings.sqlite")
    parser.add_argument("--medquad", type=Path, default=Path("../shared/data/medquad/medquad.jsonl.gz"))
    args = parser.parse_args()
    settings = IndexSettings()
    embedder = Embedder(settings.resolved_model_path(), settings.embed_batch_size)
    articles = list(read_medquad(args.medquad))
    chunks = [c for a in articles for c in chunk_article(a, embedder.count_tokens, embedder.max_tokens)]
    model = Manifest.model_validate_json((current_generation(args.vectors_from) / "manifest.json").read_text()).model
    key = f"{embedder.model_path}:{embedder.dim}"
    with sqlite3.connect(args.vectors_from / EMBEDDING_CACHE) as db:
        known = {
            digest: np.frombuffer(blob, dtype=np.float32)
            for digest, blob in db.execute("SELECT text_hash, vector FROM embeddings WHERE model = ?", (key,))
        }
    real_rows = [r for r, c in enumerate(chunks) if EmbeddingCache.text_hash(c.embed_text) in known]
    rng = np.random.default_rng(0)
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    for row in real_rows:
        vectors[row] = known[EmbeddingCache.text_hash(chunks[row].embed_text)]
    others = np.setdiff1d(np.arange(len(chunks)), real_rows)
    noisy = vectors[rng.choice(real_rows, len(others))] + rng.normal(0, scale.NOISE, (len(others), embedder.dim))
    vectors[others] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    source = scale.Source(chunks, articles, vectors, model)
    directory, _ = scale.build(source, scale.Scaled(chunks, vectors, len(real_rows)), args.out, settings)
    print(f"{directory}: {len(chunks)} MedQuAD chunks of {len(articles)} articles, {len(real_rows)} with real vectors")


if __name__ == "__main__":
    main()
