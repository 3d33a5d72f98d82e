"""Builds the hybrid index (BM25 + dense) from chunks of approved articles and persists it on disk."""
