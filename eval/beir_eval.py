"""`followup eval --beir`: index a BEIR corpus (cached), rank its queries through the served pipeline per mode,
score documents (a document ranks as its best passage) with ranx."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from eval.datasets import BeirSet, GoldQuestion
from eval.metrics import score
from eval.runner import Run, answered_share, document_run, rank_all, served_answerer
from index.builder import ArticleSource
from index.embedder import Embedder
from index.store import IndexUnavailable, LoadedIndex, load_index
from rag.answerability import AnswerabilityModel
from rag.answerability_training import TRAINING_KEY
from rag.building import build_index, learnt_reader
from rag.settings import PipelineSettings
from rag.types import Mode

log = logging.getLogger(__name__)
MODES = tuple(m.value for m in Mode)
DEPTH = 100


@dataclass
class EvalResult:
    dataset: str
    split: str
    queries: int
    results: dict[str, dict[str, float]]
    seconds: float
    runs: dict[str, Run] = field(default_factory=dict)
    # gold sets: each kind of question by outcome, per split and over both (`eval.gold_eval.outcome_figures`)
    outcomes: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        written: dict[str, object] = {
            "dataset": self.dataset,
            "split": self.split,
            "queries": self.queries,
            "results": self.results,
            "seconds": round(self.seconds, 1),
        }
        return written | ({"outcomes": self.outcomes} if self.outcomes else {})


HALVES = ("A", "B")


def half(qid: str) -> str:
    """The half of a BEIR set a query id falls in, by a hash of the id: settings and the reader's training data
    come from half A; half B reports."""
    return "A" if int(hashlib.sha256(qid.encode()).hexdigest(), 16) % 2 == 0 else "B"


def index_cache_key(data: BeirSet, settings: PipelineSettings) -> str:
    """Same corpus, index settings (model included) and answerability features → same cached index."""
    key = f"{data.fingerprint()}\n{settings.index.index_fingerprint()}\n{TRAINING_KEY}"
    if settings.retrieval.reader:  # indexes learnt without the reader keep their key
        key += f"\n{learnt_reader(settings)}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def cached_index(data: BeirSet, settings: PipelineSettings, embedder: Embedder, cache_dir: Path) -> LoadedIndex:
    index_dir = cache_dir / f"{data.name}-{index_cache_key(data, settings)}"
    try:
        index = load_index(index_dir)
        if AnswerabilityModel.load(index.directory) is not None:
            return index
    except IndexUnavailable:
        pass
    log.info("indexing %d documents of %s into %s", len(data.corpus), data.name, index_dir)
    source = ArticleSource(data.articles(), data.name, data.fingerprint())
    build_index(source, index_dir, settings, embedder, embedding_cache=cache_dir / "embeddings.sqlite")
    return load_index(index_dir)


def beir_questions(data: BeirSet) -> list[GoldQuestion]:
    return [GoldQuestion(id=q, question=text, relevant=list(data.qrels[q])) for q, text in data.queries.items()]


def evaluate_beir(
    data: BeirSet,
    split: str,
    modes: list[str],
    settings: PipelineSettings,
    embedder: Embedder,
    cache_dir: Path,
    progress: bool = True,
) -> EvalResult:
    """nDCG etc. of each mode's ranking, and the share of queries the served answer would answer (all BEIR
    queries have an answer in the corpus)."""
    started = time.perf_counter()
    answerer = served_answerer(cached_index(data, settings, embedder, cache_dir), settings, embedder)
    questions = beir_questions(data)
    runs: dict[str, Run] = {}
    results: dict[str, dict[str, float]] = {}
    for mode in modes:
        ranked = rank_all(answerer, questions, Mode(mode), progress=progress)
        runs[mode] = document_run(answerer, ranked, DEPTH)
        results[mode] = score(data.qrels, runs[mode]) | {"answered": answered_share(ranked)}
        for side in HALVES:  # the halves settings are chosen on (A) and reported on (B), as eval.sweep cuts them
            qrels = {q: r for q, r in data.qrels.items() if half(q) == side}
            if qrels:
                results[f"{mode} · half {side}"] = score(qrels, runs[mode]) | {
                    "answered": answered_share(ranked, list(qrels))
                }
    return EvalResult(data.name, split, len(data.queries), results, time.perf_counter() - started, runs)


def write_trec_run(run: Run, path: Path, tag: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for qid, docs in run.items():
            for rank, (doc, value) in enumerate(sorted(docs.items(), key=lambda d: -d[1]), start=1):
                handle.write(f"{qid} Q0 {doc} {rank} {value:.6f} {tag}\n")
