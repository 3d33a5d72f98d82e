"""Evaluate a running server through `POST /v1/ask`, exactly as a client sees it (`followup eval --url`)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from eval.beir_eval import EvalResult, beir_questions
from eval.datasets import GoldQuestion, load_beir, load_gold
from eval.metrics import score
from eval.runner import Run

MAX_TOP_K = 50  # the API's limit: runs over HTTP are at most this deep


class ServerError(RuntimeError):
    """The server did not answer a question; the message says which status it gave."""


def ask_all(
    url: str, questions: list[GoldQuestion], mode: str, timeout: float = 60.0
) -> tuple[Run, Run, dict[str, bool]]:
    """(passage run keyed by chunk id, document run keyed by article id, answered) per question."""
    passages: Run = {}
    documents: Run = {}
    answered: dict[str, bool] = {}
    with httpx.Client(base_url=url.rstrip("/"), timeout=timeout) as client:
        for q in questions:
            payload = {"question": q.question, "history": q.history, "top_k": MAX_TOP_K, "mode": mode}
            if q.article_id is not None:
                payload["article_id"] = q.article_id
            try:
                response = client.post("/v1/ask", json=payload)
            except httpx.HTTPError as exc:
                raise ServerError(f"{url}: {exc.__class__.__name__} while asking question {q.id}") from None
            if response.status_code != 200:
                raise ServerError(f"{url}/v1/ask answered {response.status_code} to question {q.id}")
            answer = response.json()
            answered[q.id] = bool(answer["answered"])
            # by rank, as served: the reader orders its top passages, not the fused score
            passages[q.id] = {p["chunk_id"]: 1.0 / int(p["rank"]) for p in answer["passages"]}
            ranked: dict[str, float] = {}
            for p in answer["passages"]:
                ranked.setdefault(p["article_id"], 1.0 / int(p["rank"]))
            documents[q.id] = ranked
    return passages, documents, answered


def evaluate_over_http(
    url: str, beir: Path | None, gold: Path | None, split: str, modes: list[str], limit: int | None
) -> tuple[EvalResult, dict[str, dict[str, int]]]:
    """Gold questions score passages (chunk ids, context included); BEIR queries score documents.

    Runs are at most `MAX_TOP_K` deep, so recall@100 over HTTP counts only what the API can return.
    """
    started = time.perf_counter()
    if beir is not None:
        data = load_beir(beir, split)
        if limit is not None:
            data = data.limited(limit)
        questions = beir_questions(data)
        qrels, name, split_name = data.qrels, data.name, split
    elif gold is not None:
        questions = [q for q in load_gold(gold)[:limit] if q.answerable]
        qrels = {q.id: dict.fromkeys(q.relevant, 1) for q in questions}
        name, split_name = gold.stem, "gold"
    else:
        raise ValueError("give a BEIR folder or a gold file")
    runs: dict[str, Run] = {}
    results: dict[str, dict[str, float]] = {}
    for mode in modes:
        passages, documents, answered = ask_all(url, questions, mode)
        runs[mode] = documents if beir is not None else passages
        results[mode] = score(qrels, runs[mode]) | {"answered": sum(answered.values()) / max(len(answered), 1)}
    return EvalResult(name, split_name, len(qrels), results, time.perf_counter() - started, runs), qrels
