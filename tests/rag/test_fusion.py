from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.fusion import Fusion, convex_fusion, fuse, reciprocal_rank_fusion
from rag.types import Hit
from tests.conftest import examples


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion([Hit(1, 9.0), Hit(2, 5.0)], [Hit(2, 0.9), Hit(3, 0.8)], k=60)
    by_row = {h.row: h for h in fused}
    assert by_row[2].fused == pytest.approx(1 / 62 + 1 / 61)
    assert by_row[1].fused == pytest.approx(1 / 61)
    assert [h.row for h in fused] == [2, 1, 3]
    assert (by_row[2].bm25_rank, by_row[2].dense_rank) == (2, 1)
    assert by_row[3].bm25 is None and by_row[3].dense == 0.8


def test_rrf_rejects_bad_k() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        reciprocal_rank_fusion([], [], k=0)


def test_weighted_rrf_tilts_toward_the_heavier_retriever() -> None:
    bm25, dense = [Hit(1, 9.0), Hit(2, 5.0)], [Hit(2, 0.9), Hit(1, 0.8)]
    assert reciprocal_rank_fusion(bm25, dense, k=60, bm25_weight=0.5)[0].fused == pytest.approx(1 / 61 + 1 / 62)
    assert [h.row for h in reciprocal_rank_fusion(bm25, dense, k=60, bm25_weight=0.8)] == [1, 2]
    assert [h.row for h in reciprocal_rank_fusion(bm25, dense, k=60, bm25_weight=0.2)] == [2, 1]


@pytest.mark.parametrize("method", [Fusion.MINMAX, Fusion.ZSCORE, Fusion.THEORETICAL_MINMAX])
def test_convex_fusion_weights_normalised_scores(method: Fusion) -> None:
    bm25 = [Hit(1, 12.0), Hit(2, 6.0), Hit(3, 1.0)]
    dense = [Hit(3, 0.9), Hit(2, 0.5), Hit(4, 0.1)]
    only_bm25 = convex_fusion(bm25, dense, bm25_weight=1.0, method=method)
    assert [h.row for h in only_bm25][:3] == [1, 2, 3]
    only_dense = convex_fusion(bm25, dense, bm25_weight=0.0, method=method)
    assert [h.row for h in only_dense][:2] == [3, 2]  # 1 and 4 tie at the floor of the dense list
    assert {h.row for h in convex_fusion(bm25, dense, 0.5, method)} == {1, 2, 3, 4}


def test_convex_fusion_rejects_bad_weight() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        convex_fusion([], [], bm25_weight=1.5, method=Fusion.ZSCORE)


def test_theoretical_minmax_keeps_a_flat_ranking_flat() -> None:
    # Dense cannot tell rows 2 and 3 apart (cosines 0.43 and 0.42); BM25 can. Min-max stretches the dense gap to
    # the full scale and lets it win; scaling from the cosine floor of -1 keeps it a hundredth, so BM25 decides.
    bm25 = [Hit(3, 8.0), Hit(2, 2.0)]
    dense = [Hit(2, 0.43), Hit(3, 0.42)]
    assert convex_fusion(bm25, dense, 0.3, Fusion.MINMAX)[0].row == 2
    top = convex_fusion(bm25, dense, 0.3, Fusion.THEORETICAL_MINMAX)[0]
    assert top.row == 3
    assert top.fused == pytest.approx(0.3 * 1.0 + 0.7 * (0.42 + 1) / (0.43 + 1))


@pytest.mark.parametrize("method", [Fusion.MINMAX, Fusion.ZSCORE, Fusion.THEORETICAL_MINMAX])
def test_a_lone_bm25_match_counts_when_bm25_returned_every_match(method: Fusion) -> None:
    dense = [Hit(row, 0.30 - 0.005 * row) for row in range(20)]  # row 5 is 6th by cosine
    lone = [Hit(5, 3.2)]  # one chunk holds the rare query term
    # A list cut at its length says nothing of the rows it left out, and one score has no spread: dense decides.
    assert convex_fusion(lone, dense, 0.3, method)[0].row == 0
    # A list shorter than asked for holds every match: the other candidates scored 0, so the match stands out.
    fused = convex_fusion(lone, dense, 0.3, method, bm25_exhaustive=True)
    assert fused[0].row == 5
    assert len({h.fused for h in fused[1:]}) == len(fused) - 1  # the unmatched rows keep their dense order


def _ranking(rows: list[int], scores: list[float]) -> list[Hit]:
    return sorted((Hit(r, s) for r, s in zip(rows, scores, strict=False)), key=lambda h: (-h.score, h.row))


_ROWS = st.lists(st.integers(0, 40), unique=True, max_size=25)
_SCORES = st.lists(st.floats(0, 30, allow_nan=False), min_size=25, max_size=25)


@given(_ROWS, _SCORES, _ROWS, _SCORES, st.sampled_from(list(Fusion)), st.booleans())
@settings(max_examples=examples(300), deadline=None)
def test_fusion_keeps_every_row_once_with_its_own_scores_in_order(
    bm25_rows: list[int],
    bm25_scores: list[float],
    dense_rows: list[int],
    dense_scores: list[float],
    method: Fusion,
    exhaustive: bool,
) -> None:
    bm25 = _ranking(bm25_rows, bm25_scores)
    dense = _ranking(dense_rows, [s / 30 for s in dense_scores])
    fused = fuse(bm25, dense, method, bm25_weight=0.3, bm25_exhaustive=exhaustive)
    assert sorted(h.row for h in fused) == sorted({*bm25_rows, *dense_rows})
    for source, score, rank in ((bm25, "bm25", "bm25_rank"), (dense, "dense", "dense_rank")):
        given_at = {h.row: (h.score, place) for place, h in enumerate(source, start=1)}
        for hit in fused:
            expected = given_at.get(hit.row, (None, None))
            assert (getattr(hit, score), getattr(hit, rank)) == expected
    # Best fused first; ties to the better single rank, then the lower row.
    keys = [(-h.fused, min(h.bm25_rank or 1 << 30, h.dense_rank or 1 << 30), h.row) for h in fused]
    assert keys == sorted(keys)
