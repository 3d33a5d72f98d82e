"""`python -m eval.related`: related-question quality over the MedQuAD import, and the floor chosen by it.

Two MedQuAD articles are related when they share a UMLS CUI or their foci match (case and spacing ignored);
both come from each article's `metadata` (`cuis`, `focus`), which the import keeps. Articles are split in two
halves by a hash of their id: the relevance floor and the near-duplicate threshold are tuned on one half and
reported on the other. Every query goes through the served code path (`RelatedFinder`) over a real index.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from corpus.model import Article
from eval.gold_eval import cached_corpus_index
from index.article_index import article_text
from index.embedder import Embedder
from rag.answer import Answerer
from rag.related import Candidates, RelatedFinder
from rag.settings import PipelineSettings

K = 5
FLOORS = [round(0.05 * i, 2) for i in range(2, 17)]
DUPLICATES = [0.9, 0.95, 1.0]
WEIGHTS = [0.0, 0.2, 0.4, 0.6, 0.8]
Config = tuple[float, float, float]  # BM25 weight, floor, duplicate threshold


def _focus(article: Article) -> str | None:
    focus = article.metadata.get("focus")
    return " ".join(focus.lower().split()) if isinstance(focus, str) and focus.strip() else None


def _cuis(article: Article) -> set[str]:
    cuis = article.metadata.get("cuis")
    return {c for c in cuis if c} if isinstance(cuis, list) else set()


def related_pairs(articles: list[Article]) -> dict[str, set[str]]:
    """Article id → ids of the other articles sharing a CUI or the focus."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for article in articles:
        keys = {f"cui:{c}" for c in _cuis(article)}
        focus = _focus(article)
        if focus:
            keys.add(f"focus:{focus}")
        for key in keys:
            by_key[key].add(article.id)
    partners: dict[str, set[str]] = defaultdict(set)
    for ids in by_key.values():
        for article_id in ids:
            partners[article_id] |= ids - {article_id}
    return dict(partners)


def half(article_id: str) -> str:
    return "tune" if hashlib.sha256(article_id.encode()).digest()[0] % 2 == 0 else "test"


@dataclass(frozen=True)
class Figures:
    queries: int
    recall_at_5: float  # share of an article's partners among its (at most 5) related items, averaged
    capped_recall_at_5: float  # the same, out of min(5, partners): 1.0 is reachable for every query
    precision: float  # share of all returned items that are partners
    mean_items: float
    empty_lists: float
    hit_at_1: float  # share of non-empty lists whose first item is a partner


def score(
    candidates: dict[str, Candidates],
    partners: dict[str, set[str]],
    floor: float,
    duplicate_above: float,
    bm25_weight: float = 0.0,
) -> Figures:
    recall: list[float] = []
    capped: list[float] = []
    returned = related = empty = first_ok = 0
    for article_id, cands in candidates.items():
        truth = partners[article_id]
        items = [i.article_id for i in RelatedFinder.select(cands, K, floor, duplicate_above, bm25_weight)]
        found = sum(i in truth for i in items)
        recall.append(found / len(truth))
        capped.append(found / min(K, len(truth)))
        returned += len(items)
        related += found
        empty += not items
        first_ok += bool(items) and items[0] in truth
    n = len(candidates)
    return Figures(
        queries=n,
        recall_at_5=round(statistics.fmean(recall), 4),
        capped_recall_at_5=round(statistics.fmean(capped), 4),
        precision=round(related / returned, 4) if returned else 0.0,
        mean_items=round(returned / n, 2),
        empty_lists=round(empty / n, 4),
        hit_at_1=round(first_ok / max(n - empty, 1), 4),
    )


def f1(figures: Figures) -> float:
    p, r = figures.precision, figures.capped_recall_at_5
    return 2 * p * r / (p + r) if p + r else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=Path("var/medquad"), help="the MedQuAD import (Markdown)")
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"))
    parser.add_argument("--json", type=Path, default=None, help="write all figures here")
    parser.add_argument(
        "--check-corpus", type=Path, default=Path("corpus"), help="also list related questions over this corpus"
    )
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"error: {args.corpus} not found: run 'followup import medquad … --out {args.corpus}'", file=sys.stderr)
        return 1
    settings = PipelineSettings()
    related = settings.related
    embedder = Embedder(settings.index.resolved_model_path(), settings.index.embed_batch_size)
    index = cached_corpus_index(args.corpus, settings, embedder, args.cache_dir)
    answerer = Answerer(index, embedder, settings.retrieval, related)
    finder = answerer.related
    if finder is None:
        print("error: the index has no article representations: rebuild it", file=sys.stderr)
        return 1
    articles = list(index.articles.values())
    partners = related_pairs(articles)
    queries = [a for a in articles if partners.get(a.id)]
    started = time.perf_counter()
    candidates: dict[str, dict[str, Candidates]] = {"tune": {}, "test": {}}
    for article in queries:
        vector = index.article_index.vector(article.id) if index.article_index else None
        assert vector is not None
        candidates[half(article.id)][article.id] = finder.candidates_for(vector, article_text(article), article.id)
    per_query_ms = (time.perf_counter() - started) * 1000 / len(queries)
    started = time.perf_counter()
    for article in queries[:200]:
        finder.for_article(article, K)
    article_call_ms = (time.perf_counter() - started) * 1000 / min(200, len(queries))
    started = time.perf_counter()
    for article in queries[:200]:
        embedder.encode([article.question])
    embed_ms = (time.perf_counter() - started) * 1000 / min(200, len(queries))

    grid: dict[Config, Figures] = {
        (w, floor, dup): score(candidates["tune"], partners, floor, dup, w)
        for w in WEIGHTS
        for floor in FLOORS
        for dup in DUPLICATES
    }
    best = max(grid, key=lambda key: (f1(grid[key]), key[1]))
    best_w, best_floor, best_dup = best
    chosen = score(candidates["test"], partners, best_floor, best_dup, best_w)
    no_floor = score(candidates["test"], partners, -1.0, 1.0, best_w)
    cosine_only = score(candidates["test"], partners, -1.0, 1.0, 0.0)
    w, floor, dup = related.related_bm25_weight, related.related_min_score, related.related_duplicate_above
    served = score(candidates["test"], partners, floor, dup, w)
    # The floor's scale depends on the corpus: the one this corpus needs at the served weight and threshold.
    served_floor = max(FLOORS, key=lambda f: (f1(grid[(w, f, dup)]), f)) if (w, FLOORS[0], dup) in grid else floor
    served_calibrated = score(candidates["test"], partners, served_floor, dup, w)

    print(
        f"articles {len(articles)}, with a related partner {len(queries)} "
        f"(tune {len(candidates['tune'])}, test {len(candidates['test'])})"
    )
    print(
        f"candidates per article {per_query_ms:.2f} ms; /v1/related by article_id {article_call_ms:.2f} ms; "
        f"one query embedding {embed_ms:.2f} ms"
    )
    print("\ntune half (recall@5 / capped recall@5 / precision / mean items / empty lists, F1 of precision and capped)")
    for (w, floor, dup), g in grid.items():
        print(
            f"  bm25_weight {w:.1f} duplicate_above {dup:.2f} floor {floor:.2f}: {g.recall_at_5:.3f} / "
            f"{g.capped_recall_at_5:.3f} / {g.precision:.3f} / {g.mean_items:.2f} / {g.empty_lists:.3f}  F1 {f1(g):.3f}"
        )
    print(f"\nchosen on tune (max F1): bm25_weight {best_w}, floor {best_floor}, duplicate_above {best_dup}")
    for name, figures in (
        ("test, chosen", chosen),
        ("test, settings", served),
        (f"test, settings, floor {served_floor}", served_calibrated),
        ("test, no floor", no_floor),
        ("test, cosine only, no floor", cosine_only),
    ):
        print(f"{name:>28}: {json.dumps(asdict(figures))}")
    if args.check_corpus.is_dir():
        check_index = cached_corpus_index(args.check_corpus, settings, embedder, args.cache_dir)
        check = Answerer(check_index, embedder, settings.retrieval, related)
        print(
            f"\nrelated questions over {args.check_corpus} (score ≥ floor: listed with floor {best_floor} / "
            f"settings {related.related_min_score}):"
        )
        for article in check.index.articles.values():
            assert check.related is not None
            cands = check.related.candidates_for(
                check.index.article_index.vector(article.id) if check.index.article_index else None,  # type: ignore[arg-type]
                article_text(article),
                article.id,
            )
            print(f"  {article.id} {article.question[:70]}")
            for item in RelatedFinder.select(cands, 20, -1.0, 1.0, related.related_bm25_weight):
                marks = ("*" if item.score >= best_floor else " ") + (
                    "s" if item.score >= related.related_min_score else " "
                )
                print(f"    {marks} {item.score:.3f} {item.article_id} {item.question[:70]}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        summary = {
            "corpus": str(args.corpus),
            "index_version": index.version,
            "chosen": {"bm25_weight": best_w, "floor": best_floor, "duplicate_above": best_dup},
            "settings": {
                "bm25_weight": related.related_bm25_weight,
                "floor": related.related_min_score,
                "duplicate_above": related.related_duplicate_above,
            },
            "test": {
                "chosen": asdict(chosen),
                "settings": asdict(served),
                "settings_with_floor_tuned_here": {"floor": served_floor, **asdict(served_calibrated)},
                "no_floor": asdict(no_floor),
                "cosine_only_no_floor": asdict(cosine_only),
            },
            "tune_grid": [
                {"bm25_weight": w, "floor": f, "duplicate_above": d, **asdict(g)} for (w, f, d), g in grid.items()
            ],
            "ms": {"candidates": per_query_ms, "related_by_article": article_call_ms, "query_embedding": embed_ms},
        }
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
