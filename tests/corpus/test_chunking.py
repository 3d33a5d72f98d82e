from __future__ import annotations

from corpus.chunking import chunk_article
from corpus.markdown import load, loads, render_body
from index.embedder import Embedder
from tests.conftest import CORPUS, SEED_ID

LONG = """---
id: long1
question: What is known about condition Y?
status: approved
last_updated: 2026-02-01
references: {1: Sample reference.}
---

## Overview

{paragraph} [1]
"""


def seed_chunks(embedder: Embedder):  # type: ignore[no-untyped-def]
    article = load(CORPUS / "articles" / f"{SEED_ID}.md")
    return article, chunk_article(article, embedder.count_tokens, embedder.max_tokens)


def test_one_chunk_per_claim_with_its_citations_and_section(embedder: Embedder) -> None:
    _, chunks = seed_chunks(embedder)
    select_axis = [c for c in chunks if "SELECT-AXIS 1" in c.text]
    assert len(select_axis) == 1
    assert select_axis[0].citations == (2,)
    assert select_axis[0].section == (
        "Clinical Trial Efficacy Data",
        "For biologic-naive patients with ankylosing spondylitis",
    )
    screening = next(c for c in chunks if c.text.startswith("Screen for latent tuberculosis"))
    assert screening.citations == (6, 7)


def test_spans_locate_the_chunk_text_in_the_article(embedder: Embedder) -> None:
    article, chunks = seed_chunks(embedder)
    body, _ = render_body(article)
    assert all(body[c.start : c.end] == c.text for c in chunks)


def test_chunk_ids_are_stable_and_unique(embedder: Embedder) -> None:
    _, first = seed_chunks(embedder)
    _, second = seed_chunks(embedder)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert len({c.chunk_id for c in first}) == len(first)


def test_long_claims_split_within_the_model_limit_and_keep_citations(embedder: Embedder) -> None:
    sentence = "Patients with condition Y often report fatigue, joint pain and morning stiffness lasting hours."
    article = loads(LONG.replace("{paragraph}", " ".join([sentence] * 60)))
    chunks = chunk_article(article, embedder.count_tokens, embedder.max_tokens)
    assert len(chunks) > 1
    for chunk in chunks:
        # Counted with the model's tokenizer, header and special tokens included.
        assert embedder.count_tokens(chunk.embed_text) + 2 <= 256
        assert chunk.citations == (1,)
        assert chunk.text.endswith(".")  # split at sentence boundaries
    body, _ = render_body(article)
    assert all(body[c.start : c.end] == c.text for c in chunks)


def test_one_endless_sentence_still_fits(embedder: Embedder) -> None:
    article = loads(LONG.replace("{paragraph}", "word " * 900))
    chunks = chunk_article(article, embedder.count_tokens, embedder.max_tokens)
    assert all(embedder.count_tokens(c.embed_text) + 2 <= 256 for c in chunks)
    assert sum(len(c.text.split()) for c in chunks) == 900
