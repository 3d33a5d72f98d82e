"""Scores retrieval against gold question sets (BEIR-format and our own), from outside `rag/`."""
