"""Answers a follow-up question: retrieve (BM25, dense), fuse, keep approved passages, add the caveat."""
