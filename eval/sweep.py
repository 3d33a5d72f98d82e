"""Compare index and fusion variants: `python -m eval.sweep --beir DIR --split dev --gold FILE`.

BEIR queries are split in two halves by a hash of their id: choose on half A, confirm on half B (which the choice
never saw) and on our own gold set (a different corpus and question style). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from pathlib import Path

from eval.beir_eval import DEPTH, cached_index
from eval.datasets import load_beir, load_gold
from eval.gold_eval import cached_corpus_index, gold_qrels
from eval.metrics import score
from eval.runner import FusionVariant, document_run, retrieve_all
from index.embedder import Embedder
from index.settings import Settings
from rag.answer import Answerer
from rag.fusion import Fusion
from rag.types import Mode

VARIANTS = [
    FusionVariant("rrf k=60", Fusion.RRF, rrf_k=60),
    FusionVariant("rrf k=20", Fusion.RRF, rrf_k=20),
    *(FusionVariant(f"weighted rrf k=60 w_bm25={w}", Fusion.RRF, rrf_k=60, bm25_weight=w) for w in (0.3, 0.7)),
    *(FusionVariant(f"minmax w_bm25={w}", Fusion.MINMAX, bm25_weight=w) for w in (0.3, 0.5, 0.7)),
    *(FusionVariant(f"zscore w_bm25={w}", Fusion.ZSCORE, bm25_weight=w) for w in (0.3, 0.5, 0.7)),
    *(
        FusionVariant(f"theoretical_minmax w_bm25={w}", Fusion.THEORETICAL_MINMAX, bm25_weight=w)
        for w in (0.2, 0.3, 0.4, 0.5)
    ),
]
HEADERS = ("section", "question_and_section")
STOPWORD_SETS = ("english", "english_and_scaffolding", "english_and_question_words")


def half(qid: str) -> str:
    return "A" if int(hashlib.sha256(qid.encode()).hexdigest(), 16) % 2 == 0 else "B"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--beir", type=Path, required=True)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--headers", default=",".join(HEADERS), help="comma-separated BM25 header variants")
    parser.add_argument("--stopwords", default=",".join(STOPWORD_SETS), help="comma-separated stop word sets")
    parser.add_argument("--fusions", help="comma-separated fusion variant names to run (default: all)")
    args = parser.parse_args()
    headers, stopword_sets = args.headers.split(","), args.stopwords.split(",")
    for given, known in ((headers, HEADERS), (stopword_sets, STOPWORD_SETS)):
        if unknown := set(given) - set(known):
            parser.error(f"unknown {', '.join(sorted(unknown))}: use {', '.join(known)}")
    index_variants = [
        {"bm25_header": header, "bm25_stopwords": stopwords} for stopwords in stopword_sets for header in headers
    ]
    wanted = set(args.fusions.split(",")) if args.fusions else {v.name for v in VARIANTS}
    fusions = [v for v in VARIANTS if v.name in wanted]
    if not fusions:
        parser.error(f"no fusion variant named {args.fusions!r}")
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    embedder = Embedder(Settings().resolved_model_path())
    data = load_beir(args.beir, args.split)
    questions = load_gold(args.gold)
    halves = {h: {q: r for q, r in data.qrels.items() if half(q) == h} for h in "AB"}
    rows: list[dict[str, object]] = []
    columns = ["BM25 reads", "stop words", "mode", "fusion", "MedQuAD dev-A nDCG@10", "dev-B nDCG@10"]
    columns += ["dev-B recall@100", "gold nDCG@10", "gold hit@3"]
    print("| " + " | ".join(columns) + " |")
    print("|---" * len(columns) + "|")
    for overrides in index_variants:
        base = Settings(**overrides)
        header, stopwords = base.bm25_header, base.bm25_stopwords
        index = cached_index(data, base, embedder, args.cache_dir)
        hits = retrieve_all(index, embedder, data.queries, candidates=DEPTH * 3, progress=sys.stderr.isatty())
        corpus_index = cached_corpus_index(args.corpus, base, embedder, args.cache_dir)
        qrels = gold_qrels(questions, corpus_index)
        for mode, variants in (("bm25", fusions[:1]), ("dense", fusions[:1]), ("hybrid", fusions)):
            for variant in variants:
                run = document_run(index, hits, mode, variant, DEPTH)
                a = score(halves["A"], {q: run[q] for q in halves["A"]})
                b = score(halves["B"], {q: run[q] for q in halves["B"]})
                settings = base.model_copy(
                    update={"fusion": variant.method.value, "rrf_k": variant.rrf_k, "bm25_weight": variant.bm25_weight}
                )
                answerer = Answerer(corpus_index, embedder, settings)
                gold_run = {}
                for q in questions:
                    if q.id in qrels:
                        found, _ = answerer.search(
                            q.question, article_id=q.article_id, history=q.history, mode=Mode(mode), k=DEPTH
                        )
                        gold_run[q.id] = {corpus_index.chunks[h.row].chunk_id: h.fused for h in found}
                g = score(qrels, gold_run)
                name = variant.name if mode == "hybrid" else "-"
                rows.append({**overrides, "mode": mode, "fusion": name, "A": a, "B": b, "gold": g})
                print(
                    f"| {header} | {stopwords} | {mode} | {name} | {a['ndcg@10']:.4f} | {b['ndcg@10']:.4f} | "
                    f"{b['recall@100']:.4f} | {g['ndcg@10']:.4f} | {g['hit@3']:.4f} |",
                    flush=True,
                )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
