"""Builds the hybrid index (BM25 + dense) from chunks of the corpus's articles and persists it on disk."""
