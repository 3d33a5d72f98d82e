"""Calibrate the abstention floor: `python -m eval.abstention --beir DIR --split dev --gold FILE`.

The floor is the highest cosine similarity that still lets `--answered` of MedQuAD dev half A (all answerable)
through; it is then checked on half B and on our gold set (out-of-scope questions included), neither of which
chose it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from eval.beir_eval import cached_index
from eval.datasets import load_beir, load_gold
from eval.gold_eval import cached_corpus_index
from eval.sweep import half
from index.embedder import Embedder
from index.settings import Settings
from rag.answer import Answerer
from rag.types import DEFAULT_TOP_K


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--beir", type=Path, required=True)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"))
    parser.add_argument("--answered", type=float, default=0.95, help="Share of answerable questions to answer.")
    parser.add_argument("--sample", type=int, default=1000, help="Questions per MedQuAD half.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    settings = Settings()
    embedder = Embedder(settings.resolved_model_path())
    data = load_beir(args.beir, args.split)
    medquad = Answerer(cached_index(data, settings, embedder, args.cache_dir), embedder, settings)
    similarity: dict[str, list[float]] = {"A": [], "B": []}
    for qid, text in data.queries.items():
        side = half(qid)
        if len(similarity[side]) < args.sample:
            similarity[side].append(medquad.search(text, k=DEFAULT_TOP_K)[1])
    floor = float(np.quantile(similarity["A"], 1 - args.answered))
    answered_b = float(np.mean(np.array(similarity["B"]) >= floor))

    gold = load_gold(args.gold)
    ours = Answerer(cached_corpus_index(args.corpus, settings, embedder, args.cache_dir), embedder, settings)
    gold_similarity = {
        q.id: ours.search(q.question, article_id=q.article_id, history=q.history, k=DEFAULT_TOP_K)[1] for q in gold
    }
    answerable = [gold_similarity[q.id] >= floor for q in gold if q.answerable]
    abstained = [gold_similarity[q.id] < floor for q in gold if not q.answerable]
    print(f"floor (cosine) chosen on MedQuAD {args.split} half A, {len(similarity['A'])} questions: {floor:.3f}")
    print("| set | questions | answered (answerable) | abstained (out of scope) |")
    print("|---|---|---|---|")
    print(f"| MedQuAD {args.split} half A (chose the floor) | {len(similarity['A'])} | {args.answered:.1%} | - |")
    print(f"| MedQuAD {args.split} half B | {len(similarity['B'])} | {answered_b:.1%} | - |")
    print(f"| gold, answerable | {len(answerable)} | {np.mean(answerable):.1%} | - |")
    print(f"| gold, out of scope | {len(abstained)} | - | {np.mean(abstained):.1%} |")


if __name__ == "__main__":
    main()
