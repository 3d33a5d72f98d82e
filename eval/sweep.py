"""Compare settings variants through the served pipeline:

    python -m eval.sweep --gold eval/gold/sample.jsonl --beir ../shared/data/medquad-beir:dev \\
        --beir ../shared/data/scifact-train:train --variant "" --variant "bm25_weight=0.5" ...

A variant is comma-separated `setting=value` overrides of the defaults (index settings too: each gets its own
cached index). Gold figures come per split (choose on `tune`, report `report`); a BEIR set is cut in two halves
by a hash of the query id (choose on A, confirm on B). Prints one Markdown row per variant.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from eval.beir_eval import DEPTH, beir_questions, cached_index, half
from eval.datasets import GoldSplit, Scope, load_beir, load_gold
from eval.gold_eval import PAGE_TOP_K, cached_corpus_index, gold_qrels, outcome_share
from eval.metrics import score
from eval.runner import answered_share, document_run, passage_run, rank_all, served_answerer
from index.embedder import Embedder
from rag.settings import PipelineSettings
from rag.types import Mode, Outcome


def parse_variant(text: str) -> dict[str, str]:
    pairs = [p.strip() for p in text.split(",") if p.strip()]
    overrides = dict(p.split("=", 1) for p in pairs if "=" in p)
    if len(overrides) != len(pairs):
        raise ValueError(f"a variant is setting=value pairs separated by commas, got {text!r}")
    return overrides


def gold_figures(
    settings: PipelineSettings, embedder: Embedder, gold: Path, corpus: Path, cache: Path
) -> dict[str, float]:
    questions = load_gold(gold)
    index = cached_corpus_index(corpus, settings, embedder, cache)
    answerer = served_answerer(index, settings, embedder)
    qrels = gold_qrels(questions, index)
    ranked = rank_all(answerer, questions, Mode.HYBRID)
    run = passage_run(answerer, ranked, DEPTH, as_served=True)
    ranking_only = passage_run(answerer, ranked, DEPTH)  # retrieval apart from abstention
    figures: dict[str, float] = {}
    for split in GoldSplit:
        part = [q for q in questions if q.split is split]
        follow = {q.id: qrels[q.id] for q in part if q.answerable and q.article_id}
        alone = {q.id: qrels[q.id] for q in part if q.answerable and not q.article_id}
        for name, subset in (("follow-up", follow), ("standalone", alone)):
            figures[f"{split.value} {name} hit@{PAGE_TOP_K}"] = score(subset, run)[f"hit@{PAGE_TOP_K}"]
        figures[f"{split.value} nDCG@10"] = score(follow | alone, run)["ndcg@10"]
        unabstained = score(follow, ranking_only)
        figures[f"{split.value} follow-up hit@{PAGE_TOP_K} ranking only"] = unabstained[f"hit@{PAGE_TOP_K}"]
        figures[f"{split.value} follow-up nDCG@10 ranking only"] = unabstained["ndcg@10"]
        figures[f"{split.value} answered"] = answered_share(ranked, [q.id for q in part if q.answerable])
        for scope in Scope:
            ids = [q.id for q in part if q.scope is scope]
            figures[f"{split.value} {scope.value} declined"] = outcome_share(ranked, ids, Outcome.DECLINED)
    return figures


def beir_figures(settings: PipelineSettings, embedder: Embedder, spec: str, cache: Path) -> dict[str, float]:
    folder, _, split = spec.partition(":")
    data = load_beir(Path(folder), split or "dev")
    answerer = served_answerer(cached_index(data, settings, embedder, cache), settings, embedder)
    ranked = rank_all(answerer, beir_questions(data), Mode.HYBRID, progress=sys.stderr.isatty())
    run = document_run(answerer, ranked, DEPTH)
    figures: dict[str, float] = {}
    for side in "AB":
        qrels = {q: r for q, r in data.qrels.items() if half(q) == side}
        figures[f"{data.name} {side} nDCG@10"] = score(qrels, {q: run[q] for q in qrels})["ndcg@10"]
    figures[f"{data.name} answered"] = answered_share(ranked)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path)
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--beir", action="append", default=[], help="FOLDER:SPLIT (repeat for more sets)")
    parser.add_argument("--variant", action="append", default=[], help="setting=value,… ('' for the defaults)")
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        variants = [parse_variant(v) for v in args.variant or [""]]
        settings_list = [PipelineSettings.of(**overrides) for overrides in variants]
    except ValueError as exc:
        parser.error(str(exc).splitlines()[0] if "\n" not in str(exc) else str(exc))
    embedder = Embedder(settings_list[0].index.resolved_model_path())
    rows: list[dict[str, object]] = []
    columns: list[str] | None = None
    for overrides, settings in zip(variants, settings_list, strict=True):
        figures: dict[str, float] = {}
        if args.gold:
            figures |= gold_figures(settings, embedder, args.gold, args.corpus, args.cache_dir)
        for spec in args.beir:
            figures |= beir_figures(settings, embedder, spec, args.cache_dir)
        if columns is None:
            columns = list(figures)
            print("| variant | " + " | ".join(columns) + " |")
            print("|---" * (len(columns) + 1) + "|")
        name = ", ".join(f"{k}={v}" for k, v in overrides.items()) or "defaults"
        print(f"| {name} | " + " | ".join(f"{figures[c]:.4f}" for c in columns) + " |", flush=True)
        rows.append({"variant": overrides, "figures": figures})
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
