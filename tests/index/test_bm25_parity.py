"""bm25s (what we serve) ranks exactly as rank_bm25.BM25Okapi(epsilon=0), the reference most tutorials use."""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from index.bm25 import Bm25Index
from index.tokenize import Tokenizer

tokenize = Tokenizer()

DOCS = [
    "Upadacitinib 15 mg once daily for ankylosing spondylitis after NSAID failure.",
    "Screen for latent tuberculosis, hepatitis B and C before starting a JAK inhibitor.",
    "IL-17 inhibitors can worsen Crohn's disease and are avoided in active IBD.",
    "Herpes zoster is more frequent with JAK inhibitors; the recombinant zoster vaccine is preferred.",
    "TNF inhibitors remain first-line for most patients with axial spondyloarthritis.",
    "Live vaccines should be avoided during therapy with upadacitinib.",
    "Weight loss of 10% improves blood pressure and glucose control in adults with obesity.",
    "Hot tub folliculitis is caused by Pseudomonas aeruginosa and usually resolves without treatment.",
    "Alopecia areata may respond to intralesional corticosteroids or JAK inhibitors such as baricitinib.",
    "Upadacitinib upadacitinib upadacitinib: dosing, monitoring and safety of upadacitinib.",
]
QUERIES = [
    "upadacitinib dosing",
    "tuberculosis screening before JAK inhibitor",
    "IL-17 Crohn's disease",
    "vaccines on upadacitinib",
    "zoster",
    "hot tub rash",
    "inhibitor",
]


@pytest.mark.parametrize("query", QUERIES)
def test_ranking_equals_rank_bm25_okapi(query: str) -> None:
    ours = Bm25Index.build(DOCS, method="robertson", k1=1.5, b=0.75)
    reference = BM25Okapi([tokenize(d) for d in DOCS], k1=1.5, b=0.75, epsilon=0)
    expected = np.asarray(reference.get_scores(tokenize(query)))
    got = ours.scores(tokenize(query))
    # Same ranking; scores differ only by the constant factor (k1 + 1) that bm25s leaves out.
    assert np.argsort(-got, kind="stable").tolist() == np.argsort(-expected, kind="stable").tolist()
    np.testing.assert_allclose(got * 2.5, expected, rtol=1e-5, atol=1e-6)
    top = [row for row, _ in ours.search(tokenize(query), k=5)]
    assert top == [int(i) for i in np.argsort(-expected, kind="stable")[: len(top)] if expected[i] > 0]


def test_unknown_terms_match_nothing() -> None:
    assert Bm25Index.build(DOCS).search(tokenize("xylophone quasar"), k=5) == []
