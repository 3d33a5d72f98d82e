"""The reader: a cross-encoder trained here (`python -m rag.reader.train`) that reads a question beside each of
the top fused passages and scores whether the passage answers it. The shipped model lies in `model/` with its
card (what it was trained on, by which command, and the figures it reached)."""
