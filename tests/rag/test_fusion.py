from __future__ import annotations

import pytest

from rag.fusion import reciprocal_rank_fusion
from rag.types import Hit


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
