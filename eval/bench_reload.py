"""Prints what a reload costs (verify, verify + load) and what retractions cost per question.

    python -m eval.bench_reload --index var/medquad-index [--retract 1000]

Status overrides go to a temporary database; the index folder is only read.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from corpus.model import ReviewStatus
from index.embedder import Embedder
from index.overrides import SqliteOverrideStore
from index.store import current_generation, load_index, verify_generation
from rag.answer import Answerer
from rag.settings import PipelineSettings

QUESTIONS = ("What are the symptoms of glaucoma?", "How is diabetes treated?", "What causes asthma?")
ROUNDS = 5


def _ms_per_question(answerer: Answerer) -> float:
    answerer.ask(QUESTIONS[0])  # warm-up
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for question in QUESTIONS:
            answerer.ask(question, top_k=10)
    return (time.perf_counter() - started) / (ROUNDS * len(QUESTIONS)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--retract", type=int, default=1000)
    args = parser.parse_args()
    started = time.perf_counter()
    verify_generation(current_generation(args.index))
    verified = time.perf_counter() - started
    started = time.perf_counter()
    index = load_index(args.index)
    loaded = time.perf_counter() - started
    print(f"verify {verified:.2f} s; verify + load (a reload) {loaded:.2f} s; {len(index.chunks)} chunks")
    settings = PipelineSettings()
    embedder = Embedder(settings.index.resolved_model_path(), settings.index.embed_batch_size)
    with tempfile.TemporaryDirectory() as folder:
        overrides = SqliteOverrideStore(Path(folder) / "overrides.sqlite")
        answerer = Answerer(index, embedder, settings.retrieval, settings.related, overrides)
        print(f"hybrid top_k=10, nothing retracted: {_ms_per_question(answerer):.1f} ms/question")
        for article_id in sorted(index.articles)[: args.retract]:
            overrides.set_status(
                article_id, ReviewStatus.RETRACTED, who="bench", reason="bench", old_status=None, generation=None
            )
        started = time.perf_counter()
        blocked = answerer.servable.blocked_rows()
        recomputed = (time.perf_counter() - started) * 1000
        print(
            f"{args.retract} retracted ({len(blocked)} chunks blocked, recomputed in {recomputed:.0f} ms): "
            f"{_ms_per_question(answerer):.1f} ms/question"
        )
        overrides.close()


if __name__ == "__main__":
    main()
