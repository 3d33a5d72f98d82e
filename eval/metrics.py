"""Retrieval metrics, computed by ranx (not by hand)."""

from __future__ import annotations

from ranx import Qrels, Run, evaluate

METRICS = {
    "ndcg@10": "ndcg@10",
    "recall@10": "recall@10",
    "recall@100": "recall@100",
    "mrr@10": "mrr@10",
    "hit@1": "hit_rate@1",
    "hit@3": "hit_rate@3",
}


def score(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]) -> dict[str, float]:
    """Mean of each metric over the queries in `qrels`; a query with no results scores 0."""
    if not qrels:
        return dict.fromkeys(METRICS, float("nan"))
    filled = {qid: (run.get(qid) or {}) for qid in qrels}
    # ranx needs at least one entry per query; an impossible document id stands for "nothing retrieved".
    filled = {qid: docs if docs else {"__none__": 0.0} for qid, docs in filled.items()}
    values = evaluate(Qrels(qrels), Run(filled), list(METRICS.values()), make_comparable=True)
    assert isinstance(values, dict)
    return {name: float(values[metric]) for name, metric in METRICS.items()}


def recall_curve(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], depth: int = 100) -> list[float]:
    filled = {qid: (run.get(qid) or {"__none__": 0.0}) for qid in qrels}
    names = [f"recall@{k}" for k in range(1, depth + 1)]
    values = evaluate(Qrels(qrels), Run(filled), names, make_comparable=True)
    assert isinstance(values, dict)
    return [float(values[name]) for name in names]
