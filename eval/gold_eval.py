"""`followup eval --gold`: our own gold questions over an index of our corpus, through the served pipeline
(context, the open article, approval filter and abstention included), scored as the page shows them."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import roc_auc_score

from eval.beir_eval import EvalResult
from eval.datasets import GoldQuestion, GoldSplit, Scope
from eval.metrics import score
from eval.runner import Run, passage_run, rank_all
from index.builder import corpus_hash
from index.embedder import Embedder
from index.store import IndexUnavailable, LoadedIndex, load_index
from rag.answer import Answerer, Ranked
from rag.answerability import AnswerabilityModel
from rag.answerability_training import TRAINING_KEY
from rag.building import build_index, learnt_reader
from rag.settings import PipelineSettings
from rag.types import Mode, Outcome

DEPTH = 100
PAGE_TOP_K = 3  # what the article page asks for


def cached_corpus_index(
    corpus_dir: Path, settings: PipelineSettings, embedder: Embedder, cache_dir: Path
) -> LoadedIndex:
    # How the answerability model is trained is in the key: a change to it builds beside, not over, the cache.
    learnt = f"{corpus_hash(corpus_dir)}\n{settings.index.index_fingerprint()}\n{TRAINING_KEY}"
    if settings.retrieval.reader:  # indexes learnt without the reader keep their key
        learnt += f"\n{learnt_reader(settings)}"
    key = hashlib.sha256(learnt.encode())
    index_dir = cache_dir / f"corpus-{key.hexdigest()[:16]}"
    try:
        index = load_index(index_dir)
        if AnswerabilityModel.load(index.directory) is not None:
            return index
    except IndexUnavailable:
        pass
    build_index(corpus_dir, index_dir, settings, embedder, embedding_cache=cache_dir / "embeddings.sqlite")
    return load_index(index_dir)


def gold_qrels(questions: list[GoldQuestion], index: LoadedIndex) -> dict[str, dict[str, int]]:
    """Relevant chunk ids per answerable question; an article id stands for all of its chunks."""
    ids = index.chunks.chunk_ids()
    by_article = {article: [ids[row] for row in rows] for article, rows in index.chunks.rows_by_article().items()}
    qrels: dict[str, dict[str, int]] = {}
    for q in questions:
        if q.answerable:
            ids = [cid for rid in q.relevant for cid in by_article.get(rid, [rid])]
            qrels[q.id] = dict.fromkeys(ids, 1)
    return qrels


RANKING_ONLY = "hybrid-ranking-only"  # the hybrid ranking as if nothing were declined: retrieval apart from abstention


@dataclass
class GoldRuns:
    ranked: dict[str, dict[str, Ranked]]  # mode → question id → ranking
    runs: dict[str, Run]  # mode → passages as served (a declined question lists nothing)


def run_gold(answerer: Answerer, questions: list[GoldQuestion], modes: list[str]) -> GoldRuns:
    ranked = {mode: rank_all(answerer, questions, Mode(mode)) for mode in modes}
    runs = {mode: passage_run(answerer, ranked[mode], DEPTH, as_served=True) for mode in modes}
    if Mode.HYBRID.value in ranked:
        ranked[RANKING_ONLY] = ranked[Mode.HYBRID.value]
        runs[RANKING_ONLY] = passage_run(answerer, ranked[Mode.HYBRID.value], DEPTH)
    return GoldRuns(ranked, runs)


def _groups(questions: list[GoldQuestion]) -> dict[str, set[str]]:
    answerable = {q.id for q in questions if q.answerable}
    with_article = {q.id for q in questions if q.answerable and q.article_id}
    return {
        "all answerable": answerable,
        "follow-ups with article_id": with_article,
        "standalone (no article_id)": answerable - with_article,
    }


def evaluate_gold(
    path: Path, questions: list[GoldQuestion], modes: list[str], answerer: Answerer
) -> tuple[EvalResult, GoldRuns, dict[str, dict[str, int]]]:
    """Per mode, per split (tune / report) and per group: nDCG@10 etc. of the passages as served, hit@3 being
    the page's `top_k = 3`, and the share answered; for out-of-scope questions the share declined."""
    started = time.perf_counter()
    qrels = gold_qrels(questions, answerer.index)
    gold = run_gold(answerer, questions, modes)
    results: dict[str, dict[str, float]] = {}
    for mode in gold.runs:
        for split in GoldSplit:
            part = [q for q in questions if q.split is split]
            for group, ids in _groups(part).items():
                subset = {q: qrels[q] for q in ids}
                row = score(subset, {q: gold.runs[mode][q] for q in subset})
                row["answered"] = outcome_share(gold.ranked[mode], ids, Outcome.ANSWERED)
                results[f"{mode} · {split.value} · {group}"] = row
    return EvalResult(path.stem, "gold", len(qrels), results, time.perf_counter() - started, gold.runs), gold, qrels


def outcome_share(ranked: dict[str, Ranked], ids: set[str] | list[str], outcome: Outcome) -> float:
    return sum(ranked[q].decision.outcome is outcome for q in ids) / len(ids) if ids else float("nan")


def abstention_table(
    questions: list[GoldQuestion], ranked: dict[str, Ranked], relevant_in_top3: set[str] | None = None
) -> list[str]:
    """Each kind of question by outcome (answered / uncertain / declined), per split. `relevant_in_top3`: the
    answerable questions whose first three passages hold a relevant one, for the share of answerable questions
    answered or uncertain with a relevant passage shown (what the page gives a clinician to read)."""
    lines = [
        "| split | kind | questions | answered | uncertain | declined | answered or uncertain, relevant in top 3 |",
        "|---|---|---|---|---|---|---|",
    ]
    shown = relevant_in_top3 or set()
    for split in GoldSplit:
        answerable, out_of_scope = _by_kind(questions, split)
        kinds = {"answerable": answerable, "off-topic": out_of_scope[Scope.OFF_TOPIC]}
        kinds["near miss"] = out_of_scope[Scope.NEAR_MISS]
        for kind, ids in kinds.items():
            if not ids:
                continue
            shares = [outcome_share(ranked, ids, outcome) for outcome in Outcome]
            useful = "–"
            if kind == "answerable" and relevant_in_top3 is not None:
                found = [q for q in ids if ranked[q].decision.shows_passages and q in shown]
                useful = f"{len(found) / len(ids):.1%}"
            cells = " | ".join(f"{share:.1%}" for share in shares)
            lines.append(f"| {split.value} | {kind} | {len(ids)} | {cells} | {useful} |")
    return lines


def outcome_figures(
    questions: list[GoldQuestion], ranked: dict[str, Ranked], relevant_in_top3: set[str]
) -> dict[str, dict[str, float]]:
    """What `abstention_table` prints, as figures: per split and over both ("all"), each kind of question's count
    and share answered, uncertain and declined, and for answerable ones the share answered or uncertain with a
    relevant passage in the first three."""
    figures: dict[str, dict[str, float]] = {}
    splits: list[tuple[str, list[GoldQuestion]]] = [
        (s.value, [q for q in questions if q.split is s]) for s in GoldSplit
    ]
    for name, part in [*splits, ("all", questions)]:
        kinds = {
            "answerable": [q.id for q in part if q.answerable],
            "off-topic": [q.id for q in part if q.scope is Scope.OFF_TOPIC],
            "near miss": [q.id for q in part if q.scope is Scope.NEAR_MISS],
        }
        for kind, ids in kinds.items():
            if not ids:
                continue
            row = {"questions": float(len(ids))}
            row |= {outcome.value: outcome_share(ranked, ids, outcome) for outcome in Outcome}
            if kind == "answerable":
                found = [q for q in ids if ranked[q].decision.shows_passages and q in relevant_in_top3]
                row["answered or uncertain, relevant in top 3"] = len(found) / len(ids)
            figures[f"{name} · {kind}"] = row
    return figures


def relevant_in_top3(answerer: Answerer, ranked: dict[str, Ranked], qrels: dict[str, dict[str, int]]) -> set[str]:
    """The questions whose first three servable passages, whatever the outcome, hold a relevant one."""
    chunks = answerer.index.chunks
    return {
        qid
        for qid, r in ranked.items()
        if any(chunks[h.row].chunk_id in qrels.get(qid, {}) for h in answerer.servable_prefix(r.hits, PAGE_TOP_K))
    }


def separation_table(questions: list[GoldQuestion], ranked: dict[str, Ranked], target: float) -> list[str]:
    """How well the answerability score itself tells answerable from out-of-scope questions, apart from where the
    threshold lies: ROC AUC against each kind, and the shares declined at the threshold that answers `target` of
    the split's answerable questions, which no threshold can beat while answering that many. A line missed there
    needs a better score, not another threshold."""
    lines = [
        f"| split | AUC vs off-topic | AUC vs near-miss | at {target:.0%} answered: off-topic declined "
        "| near-miss declined |",
        "|---|---|---|---|---|",
    ]
    for split in GoldSplit:
        answerable_ids, out_of_scope = _by_kind(questions, split)
        answerable = [ranked[q].answerability for q in answerable_ids]
        scopes = [[ranked[q].answerability for q in out_of_scope[scope]] for scope in Scope]
        if not answerable:
            continue
        # answering `target` of them takes a threshold at or below the ⌈target · n⌉-th best answerable score
        # (rounded first, so that 0.07 · 100 = 7.000000000000001 asks for 7 of them, not 8)
        threshold = sorted(answerable, reverse=True)[math.ceil(round(target * len(answerable), 9)) - 1]
        aucs = [_auc(answerable, out) for out in scopes]
        declined = [f"{sum(s < threshold for s in out) / len(out):.1%}" if out else "–" for out in scopes]
        lines.append(f"| {split.value} | {aucs[0]} | {aucs[1]} | {declined[0]} | {declined[1]} |")
    return lines


def _by_kind(questions: list[GoldQuestion], split: GoldSplit) -> tuple[set[str], dict[Scope, set[str]]]:
    """A split's answerable question ids, and its out-of-scope ones by kind."""
    part = [q for q in questions if q.split is split]
    return {q.id for q in part if q.answerable}, {scope: {q.id for q in part if q.scope is scope} for scope in Scope}


def _auc(answerable: list[float], out_of_scope: list[float]) -> str:
    if not out_of_scope:
        return "–"
    labels = [1] * len(answerable) + [0] * len(out_of_scope)
    return f"{roc_auc_score(labels, answerable + out_of_scope):.3f}"
