"""Invariants of chunking, over generated articles (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.chunking import chunk_article
from corpus.markdown import render_body
from corpus.model import Article, Block, Reference, ReviewStatus, Section
from index.embedder import Embedder

WORDS = st.sampled_from(
    [
        "upadacitinib",
        "week",
        "52%",
        "ASAS40",
        "placebo",
        "p=0.0003",
        "IL-17",
        "hepatitis",
        "B",
        "screen",
        "patients",
        "achieved",
        "response",
        "237.6",
        "patient-years",
        "the",
        "and",
        "zoster",
        "(TNF)",
        "dose",
    ]
)
SENTENCE = st.lists(WORDS, min_size=1, max_size=40).map(lambda ws: " ".join(ws) + ".")
TEXT = st.lists(SENTENCE, min_size=1, max_size=30).map(" ".join)
CITATIONS = st.lists(st.integers(1, 5), max_size=3, unique=True).map(tuple)
BLOCK = st.builds(Block, kind=st.sampled_from(["paragraph", "bullet"]), text=TEXT, citations=CITATIONS)
SECTION = st.builds(
    Section,
    title=st.sampled_from(["Efficacy", "Safety", "Dosing", "Monitoring"]),
    level=st.just(2),
    blocks=st.lists(BLOCK, min_size=1, max_size=4).map(tuple),
    subsections=st.lists(
        st.builds(Section, title=st.just("Details"), level=st.just(3), blocks=st.lists(BLOCK, max_size=3).map(tuple)),
        max_size=2,
    ).map(tuple),
)
ARTICLE = st.builds(
    Article,
    id=st.just("gen"),
    question=st.just("What do we know?"),
    status=st.just(ReviewStatus.APPROVED),
    last_updated=st.just(dt.date(2026, 1, 1)),
    references=st.just(tuple(Reference(number=n, text=f"Sample reference {n}.") for n in range(1, 6))),
    answer=st.lists(BLOCK, max_size=2).map(tuple),
    sections=st.lists(SECTION, min_size=1, max_size=3).map(tuple),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(article=ARTICLE)
def test_every_claim_character_is_in_exactly_one_chunk_with_its_citations(article: Article, embedder: Embedder) -> None:
    chunks = chunk_article(article, embedder.count_tokens, embedder.max_tokens)
    body, spans = render_body(article)
    covered = [0] * len(body)
    for chunk in chunks:
        assert body[chunk.start : chunk.end] == chunk.text
        assert embedder.count_tokens(chunk.embed_text) + 2 <= 256
        for i in range(chunk.start, chunk.end):
            covered[i] += 1
    for span in spans:
        # Each claim's text is covered exactly once (whitespace where a long claim was split may fall between).
        assert all(covered[i] == 1 or (covered[i] == 0 and body[i].isspace()) for i in range(span.start, span.end))
        holders = [c for c in chunks if span.start <= c.start < span.end]
        assert holders and all(c.citations == span.block.citations for c in holders)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
