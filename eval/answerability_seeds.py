"""How much the answerability threshold moves from one build to the next: the model is trained at `index build`
time on randomly drawn free labels, so re-draw them (seeds) and score the gold questions each time.

    python -m eval.answerability_seeds --gold eval/gold/sample.jsonl --seeds 5                # free labels only
    python -m eval.answerability_seeds --gold eval/gold/sample.jsonl --seeds 5 --calibration  # + gold tune file
    python -m eval.answerability_seeds --beir ../shared/data/scifact-train:train --seeds 3   # a BEIR set's queries

Prints, per seed and as mean ± standard deviation, the share of answerable gold questions answered and of
off-topic and near-miss ones declined, per split (for a BEIR set: the share of its queries answered). With
`--calibration` the tune questions train the model, so only the report split is held out.
`--paraphrased SHARE` sets the share of pseudo-questions that say one word in a word the corpus lacks
(rag/answerability_training.py), to compare with the default. `--draws N` sets how many draws of free labels each
model averages (default: `FOLLOWUP_ANSWERABILITY_DRAWS`, 5; 1 is a single draw, as before the bag).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

import rag.answerability_training as training
from eval.beir_eval import beir_questions, cached_index
from eval.datasets import GoldQuestion, load_beir, load_gold
from eval.gold_eval import cached_corpus_index
from eval.runner import served_answerer
from index.embedder import Embedder
from rag.answerability import AnswerabilityModel
from rag.settings import PipelineSettings


def shares(
    model: AnswerabilityModel,
    questions: list[GoldQuestion],
    features: dict[str, NDArray[np.float64] | None],
    name: str | None = None,
) -> dict[str, float]:
    """Per split, or under `name` for a set without splits."""

    def answered(q: GoldQuestion) -> bool:
        values = features[q.id]
        return values is not None and model.probability(values) >= model.threshold

    figures: dict[str, float] = {}
    for split in sorted({q.split.value for q in questions}):
        part = [q for q in questions if q.split.value == split]
        label = name or split
        answerable = [answered(q) for q in part if q.answerable]
        if answerable:
            figures[f"{label} answered"] = 100 * float(np.mean(answerable))
        for scope in ("off_topic", "near_miss"):
            out = [answered(q) for q in part if q.scope is not None and q.scope.value == scope]
            if out:
                figures[f"{label} {scope} declined"] = 100 * (1 - float(np.mean(out)))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--gold", type=Path)
    source.add_argument("--beir", metavar="FOLDER:SPLIT", help="a BEIR set (every query answerable); no calibration")
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--calibration", action="store_true", help="the gold file's tune questions train and calibrate")
    parser.add_argument("--paraphrased", type=float, help="share of paraphrased pseudo-questions (default: the code's)")
    parser.add_argument("--draws", type=int, help="draws of free labels per model (default: settings')")
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"))
    args = parser.parse_args()
    if args.paraphrased is not None:
        training.PARAPHRASED = args.paraphrased
    if args.draws is not None and args.draws < 1:
        parser.error("--draws must be at least 1")
    if args.beir and args.calibration:
        parser.error("--calibration takes the gold file's tune questions: use it with --gold")
    # The index is only ranked here; each seed's model is scored directly.
    settings = PipelineSettings.of(abstention=False)
    embedder = Embedder(settings.index.resolved_model_path(), settings.index.embed_batch_size)
    if args.beir:
        folder, _, split = args.beir.partition(":")
        data = load_beir(Path(folder), split or "dev")
        index = cached_index(data, settings, embedder, args.cache_dir)
        questions, name = beir_questions(data), data.name
    else:
        index = cached_corpus_index(args.corpus, settings, embedder, args.cache_dir)
        questions, name = load_gold(args.gold), None
    answerer = served_answerer(index, settings, embedder)
    vectors = answerer.encode_queries([q.question for q in questions])
    features = {
        q.id: answerer.search(q.question, article_id=q.article_id, history=q.history, vector=v).features
        for q, v in zip(questions, vectors, strict=True)
    }
    calibration = args.gold if args.calibration else None
    draws = args.draws or settings.index.answerability_draws
    runs = []
    for seed in range(args.seeds):
        model = training.train(answerer, settings.index.answerability_target, calibration, seed, draws)
        if model is None:
            raise SystemExit("error: too few examples to train an answerability model on this corpus")
        runs.append(shares(model, questions, features, name))
        print(f"seed {seed}: threshold {model.threshold:.3f}", {k: round(v, 1) for k, v in runs[-1].items()})
    print("| figure | mean | sd | min | max |\n|---|---|---|---|---|")
    for key in runs[0]:
        values = [r[key] for r in runs]
        sd = statistics.pstdev(values)
        print(f"| {key} | {statistics.mean(values):.1f}% | {sd:.1f} | {min(values):.1f}% | {max(values):.1f}% |")


if __name__ == "__main__":
    main()
