"""Stable ids for questions that are known only by their text (related questions on a page)."""

import hashlib
import re


def question_id(question: str) -> str:
    """16 hex digits of the SHA-256 of the question, case and spacing folded."""
    folded = re.sub(r"\s+", " ", question).strip().casefold()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:16]
