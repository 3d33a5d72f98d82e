"""Fusing the BM25 and dense rankings into one.

- Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): Σ 1 / (k + rank); uses ranks only.
- Convex combination of normalised scores (Bruch, Gai & Ingber, "An Analysis of Fusion Functions for Hybrid
  Retrieval", TOIS 2023): w · norm(bm25) + (1 − w) · norm(dense), with min-max or z-score normalisation over
  each retriever's candidate list. A row one retriever did not return gets that list's lowest normalised score.
- Theoretical min-max ("TM2C2" in Bruch et al.): the same convex combination, but each score is scaled between the
  scoring function's own floor (0 for BM25, −1 for cosine) and the list's best. Unlike min-max or z-score, it keeps
  how far apart the scores really are, so a retriever that cannot tell its candidates apart (all cosines within a
  few hundredths) moves the fused order little instead of having that small spread stretched to full scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from rag.types import FusedHit, Hit

_UNRANKED = 1 << 30


class Fusion(StrEnum):
    RRF = "rrf"
    MINMAX = "minmax"
    ZSCORE = "zscore"
    THEORETICAL_MINMAX = "theoretical_minmax"


@dataclass
class _Parts:
    bm25: float | None = None
    bm25_rank: int | None = None
    dense: float | None = None
    dense_rank: int | None = None


def _collect(bm25: list[Hit], dense: list[Hit]) -> dict[int, _Parts]:
    parts: dict[int, _Parts] = {}
    for rank, hit in enumerate(bm25, start=1):
        entry = parts.setdefault(hit.row, _Parts())
        entry.bm25, entry.bm25_rank = hit.score, rank
    for rank, hit in enumerate(dense, start=1):
        entry = parts.setdefault(hit.row, _Parts())
        entry.dense, entry.dense_rank = hit.score, rank
    return parts


def _ranked(parts: dict[int, _Parts], fused: dict[int, float]) -> list[FusedHit]:
    hits = [FusedHit(row=row, fused=fused[row], **vars(entry)) for row, entry in parts.items()]
    # Ties go to the better single rank, then the lower row, so results are deterministic.
    hits.sort(key=lambda h: (-h.fused, min(h.bm25_rank or _UNRANKED, h.dense_rank or _UNRANKED), h.row))
    return hits


def reciprocal_rank_fusion(bm25: list[Hit], dense: list[Hit], k: int = 60, bm25_weight: float = 0.5) -> list[FusedHit]:
    """Fuses two rankings (best first); a row missing from one ranking gets nothing from it.

    `bm25_weight` other than 0.5 gives weighted RRF: 2w / (k + rank_bm25) + 2(1 − w) / (k + rank_dense).
    """
    if k < 1:
        raise ValueError(f"RRF k must be at least 1, got {k}")
    if not 0.0 <= bm25_weight <= 1.0:
        raise ValueError(f"bm25 weight must be between 0 and 1, got {bm25_weight}")
    lexical, semantic = 2 * bm25_weight, 2 * (1 - bm25_weight)
    parts = _collect(bm25, dense)
    fused = {
        row: (lexical / (k + p.bm25_rank) if p.bm25_rank else 0.0)
        + (semantic / (k + p.dense_rank) if p.dense_rank else 0.0)
        for row, p in parts.items()
    }
    return _ranked(parts, fused)


# The lowest score each retriever's function can give: BM25 is a sum of non-negative terms; dense scores are cosines.
_FLOOR = {"bm25": 0.0, "dense": -1.0}


def _normalise(hits: list[Hit], method: Fusion, floor: float, unmatched: int) -> tuple[dict[int, float], float]:
    """Normalised score per row, and the value given to rows this retriever did not return.

    `unmatched` candidates are known to have scored exactly the floor: a BM25 list that holds every row matching a
    query term leaves the rest of the candidate pool at 0. They count among the scores, so a lone match stands out
    as it would in a full list, and a row the list left out gets the floor. (Without them, one BM25 hit has no
    spread and normalises to the value every unmatched row gets.) Otherwise a row the list left out was cut by the
    list's length, and gets the list's lowest normalised score.
    """
    if not hits:
        return {}, 0.0
    scores = np.array([h.score for h in hits], dtype=np.float64)
    observed = np.concatenate([scores, np.full(unmatched, floor)])
    values = np.append(scores, floor)  # the last one is what a left-out row gets when `unmatched` > 0
    if method is Fusion.THEORETICAL_MINMAX:
        spread = observed.max() - floor
        normalised = (values - floor) / spread if spread > 0 else np.zeros_like(values)
    elif method is Fusion.MINMAX:
        low, spread = observed.min(), observed.max() - observed.min()
        normalised = (values - low) / spread if spread > 0 else np.ones_like(values)
    else:
        std = observed.std()
        normalised = (values - observed.mean()) / std if std > 0 else np.zeros_like(values)
    per_row = {h.row: float(v) for h, v in zip(hits, normalised[:-1], strict=True)}
    return per_row, float(normalised[-1] if unmatched else normalised[:-1].min())


def query_weight(bm25_weight: float, lexical_peak: float, semantic_peak: float) -> float:
    """Query-dependent BM25 weight: each retriever's share scaled by how far its best candidate stands out of its
    own list (its top normalised score, e.g. a z-score); equal peaks keep the configured weight. A retriever that
    cannot tell its candidates apart then moves the fused order less, whatever the collection."""
    lexical, semantic = bm25_weight * max(lexical_peak, 0.0), (1 - bm25_weight) * max(semantic_peak, 0.0)
    return lexical / (lexical + semantic) if lexical + semantic > 0 else bm25_weight


def convex_fusion(
    bm25: list[Hit],
    dense: list[Hit],
    bm25_weight: float,
    method: Fusion,
    *,
    bm25_exhaustive: bool = False,
    adaptive: bool = False,
) -> list[FusedHit]:
    """`bm25_exhaustive`: BM25 returned every row that matches a query term (fewer hits than asked for); the rest
    of the candidate pool (as many rows as dense returned) then counts as scoring 0. `adaptive`: the BM25 weight
    is set per query by `query_weight`."""
    if not 0.0 <= bm25_weight <= 1.0:
        raise ValueError(f"bm25 weight must be between 0 and 1, got {bm25_weight}")
    if method is Fusion.RRF:
        raise ValueError("convex fusion needs a score normalisation: minmax, zscore or theoretical_minmax")
    parts = _collect(bm25, dense)
    unmatched = max(len(dense) - len(bm25), 1) if bm25_exhaustive else 0
    lexical, lexical_floor = _normalise(bm25, method, _FLOOR["bm25"], unmatched)
    # Every row has a cosine, so no dense candidate is known to sit at the floor (a short list is the whole corpus).
    semantic, semantic_floor = _normalise(dense, method, _FLOOR["dense"], unmatched=0)
    if adaptive and lexical and semantic:
        bm25_weight = query_weight(bm25_weight, max(lexical.values()), max(semantic.values()))
    fused = {
        row: bm25_weight * lexical.get(row, lexical_floor) + (1 - bm25_weight) * semantic.get(row, semantic_floor)
        for row in parts
    }
    return _ranked(parts, fused)


def fuse(
    bm25: list[Hit],
    dense: list[Hit],
    method: Fusion,
    *,
    rrf_k: int = 60,
    bm25_weight: float = 0.5,
    bm25_exhaustive: bool = False,
    adaptive: bool = False,
) -> list[FusedHit]:
    if method is Fusion.RRF:
        return reciprocal_rank_fusion(bm25, dense, rrf_k, bm25_weight)
    return convex_fusion(bm25, dense, bm25_weight, method, bm25_exhaustive=bm25_exhaustive, adaptive=adaptive)
