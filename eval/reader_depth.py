"""`python -m eval.reader_depth`: how many passages the reader should read, and what it should read, from one
table of quality against its cost.

    python -m eval.reader_depth --gold eval/gold/sample.jsonl --beir ../shared/data/medquad-beir:dev \\
        --beir ../shared/data/scifact-train:train --json eval/results/reader-depth.json

Each question is ranked once by the served pipeline without the reader (abstention off: ranking apart from the
decision); the reader scores its top `max(N)` passages once, and each N reorders its own prefix of those, as the
served pipeline does. Gold figures are per split (choose on `tune`); BEIR sets are cut in hash halves (the reader
trained on half A: read half B). For follow-ups it compares the reader reading the question as asked with it
reading the question after its context (the open article's question, the earlier turns): on the gold follow-ups
and on MedQuAD follow-ups made by `eval.followups`. The reader's own time per question at each N (one thread,
the sample corpus's gold questions) stands beside it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from eval.beir_eval import DEPTH, beir_questions, cached_index, half
from eval.datasets import GoldQuestion, GoldSplit, load_beir, load_gold
from eval.followups import follow_ups
from eval.gold_eval import PAGE_TOP_K, cached_corpus_index, gold_qrels
from eval.metrics import score
from eval.runner import Run, served_answerer
from index.embedder import Embedder
from rag.answer import Answerer
from rag.context import context_parts, contextual_query
from rag.reader.model import Reader
from rag.reader.rerank import fused_with_reader, load_reader
from rag.settings import PipelineSettings
from rag.types import FusedHit

DEPTHS = (0, 5, 10, 20)  # 0: the fused order, no reader
TIMED = 30  # questions timed per N


def orders(
    reader: Reader, answerer: Answerer, question: str, hits: list[FusedHit], replace: bool = False
) -> dict[int, list[FusedHit]]:
    """The ranking each N gives: its first N hits reordered as served (rag/reader/rerank.py), or by the reader's
    order alone with `replace` (the first design, for comparison); the reader's scores read once for the largest N."""
    top = hits[: max(DEPTHS)]
    scores = reader.logits(question, [answerer.index.chunks[h.row].embed_text for h in top])
    result = {}
    for n in DEPTHS:
        read = scores[: min(n, len(top))]
        head = sorted(range(len(read)), key=lambda i: (-float(read[i]), i)) if replace else fused_with_reader(read)
        result[n] = [top[i] for i in head] + hits[len(head) :]
    return result


def reader_question(answerer: Answerer, q: GoldQuestion, with_context: bool) -> str:
    if not with_context:
        return q.question
    article = answerer.served_article(q.article_id) if q.article_id else None
    return contextual_query(q.question, context_parts(article, q.history)) or q.question


def ranked_runs(
    answerer: Answerer,
    reader: Reader,
    questions: list[GoldQuestion],
    to_run: Callable[[list[FusedHit]], dict[str, float]],
    replace: bool,
) -> dict[str, dict[int, Run]]:
    """reads ("question" or "with context") → N → run."""
    runs: dict[str, dict[int, Run]] = {"question": {n: {} for n in DEPTHS}, "with context": {n: {} for n in DEPTHS}}
    vectors = answerer.encode_queries([q.question for q in questions])
    for q, vector in zip(questions, vectors, strict=True):
        hits = answerer.search(q.question, article_id=q.article_id, history=q.history, vector=vector).hits[:DEPTH]
        for reads, runs_of in runs.items():
            if reads == "with context" and not (q.article_id or q.history):
                runs_of_question = runs["question"]
                for n in DEPTHS:
                    runs_of[n][q.id] = runs_of_question[n][q.id]
                continue
            for n, order in orders(
                reader, answerer, reader_question(answerer, q, reads != "question"), hits, replace
            ).items():
                runs_of[n][q.id] = to_run(order)
    return runs


def passage_run_of(answerer: Answerer) -> Callable[[list[FusedHit]], dict[str, float]]:
    chunks = answerer.index.chunks
    return lambda hits: {chunks[h.row].chunk_id: float(len(hits) - i) for i, h in enumerate(hits)}


def document_run_of(answerer: Answerer) -> Callable[[list[FusedHit]], dict[str, float]]:
    chunks = answerer.index.chunks

    def run(hits: list[FusedHit]) -> dict[str, float]:
        documents: dict[str, float] = {}
        for i, h in enumerate(hits):
            documents.setdefault(chunks.article_id(h.row), float(len(hits) - i))
        return documents

    return run


def gold_table(
    settings: PipelineSettings,
    embedder: Embedder,
    reader: Reader,
    gold: Path,
    corpus: Path,
    cache: Path,
    replace: bool = False,
) -> dict[str, float]:
    questions = [q for q in load_gold(gold) if q.answerable]
    answerer = served_answerer(cached_corpus_index(corpus, settings, embedder, cache), settings, embedder)
    qrels = gold_qrels(questions, answerer.index)
    runs = ranked_runs(answerer, reader, questions, passage_run_of(answerer), replace)
    figures: dict[str, float] = {}
    for split in GoldSplit:
        follow = {q.id: qrels[q.id] for q in questions if q.split is split and q.article_id}
        alone = {q.id: qrels[q.id] for q in questions if q.split is split and not q.article_id}
        for reads, by_n in runs.items():
            for n, run in by_n.items():
                figures[f"gold {split.value} follow-up hit@{PAGE_TOP_K}, N={n}, reads {reads}"] = score(follow, run)[
                    f"hit@{PAGE_TOP_K}"
                ]
        for n, run in runs["question"].items():
            figures[f"gold {split.value} standalone hit@{PAGE_TOP_K}, N={n}"] = score(alone, run)[f"hit@{PAGE_TOP_K}"]
    return figures


def beir_table(
    settings: PipelineSettings,
    embedder: Embedder,
    reader: Reader,
    spec: str,
    cache: Path,
    limit: int,
    replace: bool = False,
) -> dict[str, float]:
    folder, _, split = spec.partition(":")
    data = load_beir(Path(folder), split or "dev")
    answerer = served_answerer(cached_index(data, settings, embedder, cache), settings, embedder)
    held_out = [q for q in beir_questions(data) if half(q.id) == "B"][:limit]
    runs = ranked_runs(answerer, reader, held_out, document_run_of(answerer), replace)["question"]
    qrels = {q.id: data.qrels[q.id] for q in held_out}
    figures = {f"{data.name} B nDCG@10, N={n}": score(qrels, run)["ndcg@10"] for n, run in runs.items()}
    if data.name.startswith("medquad"):
        _, followed = follow_ups(data)
        followed = [q for q in followed if half(q.id) == "B"][:limit]
        both = ranked_runs(answerer, reader, followed, document_run_of(answerer), replace)
        qrels = {q.id: dict.fromkeys(q.relevant, 1) for q in followed}
        for reads, by_n in both.items():
            for n, run in by_n.items():
                if n:
                    figures[f"{data.name} B follow-ups nDCG@10, N={n}, reads {reads}"] = score(qrels, run)["ndcg@10"]
    return figures


def timings(reader: Reader, answerer: Answerer, questions: list[GoldQuestion]) -> dict[str, float]:
    figures: dict[str, float] = {}
    for n in DEPTHS[1:]:
        times = []
        for q in questions[:TIMED]:
            hits = answerer.search(q.question).hits[:n]
            passages = [answerer.index.chunks[h.row].embed_text for h in hits]
            started = time.perf_counter()
            reader.logits(q.question, passages)
            times.append(time.perf_counter() - started)
        figures[f"reader ms per question, N={n}, 1 thread (p50)"] = 1000 * statistics.median(times)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--beir", action="append", default=[], help="FOLDER:SPLIT (repeat for more sets)")
    parser.add_argument("--reader", type=Path, help="a reader folder (default: the shipped one)")
    parser.add_argument("--limit", type=int, default=2000, help="half-B questions per BEIR set (the first N)")
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"))
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--replace", action="store_true", help="order the N read by the reader alone (the first design), not fused"
    )
    args = parser.parse_args()
    settings = PipelineSettings.of(reader=False, abstention=False)
    embedder = Embedder(settings.index.resolved_model_path())
    reader = load_reader(args.reader, threads=1)
    figures: dict[str, float] = {
        "reader layers": float(reader.card.layers),
        "reader max_length": float(reader.max_length),
    }
    figures |= gold_table(settings, embedder, reader, args.gold, args.corpus, args.cache_dir, args.replace)
    answerer = served_answerer(cached_corpus_index(args.corpus, settings, embedder, args.cache_dir), settings, embedder)
    figures |= timings(reader, answerer, load_gold(args.gold))
    for spec in args.beir:
        figures |= beir_table(settings, embedder, reader, spec, args.cache_dir, args.limit, args.replace)
    for name, value in figures.items():
        print(f"| {name} | {value:.4f} |")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"command": " ".join(["python -m eval.reader_depth", *sys.argv[1:]]), "figures": figures}, indent=1
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
