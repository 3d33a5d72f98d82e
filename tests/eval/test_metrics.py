from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from eval.beir_eval import evaluate_beir
from eval.datasets import DatasetError, load_beir, load_gold
from eval.metrics import score
from eval.report import format_table
from index.embedder import Embedder
from rag.settings import PipelineSettings


@pytest.mark.slow  # ranx compiles its metrics with numba on first use (tens of seconds)
def test_known_ranking_gives_known_metrics() -> None:
    qrels = {"q1": {"d2": 1}, "q2": {"d1": 1, "d3": 1}}
    run = {"q1": {"d1": 3.0, "d2": 2.0, "d3": 1.0}, "q2": {"d1": 3.0, "d9": 2.0, "d3": 1.0}}
    values = score(qrels, run)
    ndcg_q1 = (1 / math.log2(3)) / 1.0
    ndcg_q2 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert values["ndcg@10"] == pytest.approx((ndcg_q1 + ndcg_q2) / 2)
    assert values["mrr@10"] == pytest.approx((1 / 2 + 1) / 2)
    assert values["hit@1"] == pytest.approx(0.5)
    assert values["hit@3"] == pytest.approx(1.0)
    assert values["recall@10"] == pytest.approx(1.0)


@pytest.mark.slow  # numba, as above
def test_query_with_no_results_scores_zero() -> None:
    assert score({"q1": {"d1": 1}}, {"q1": {}})["ndcg@10"] == 0.0


def write_beir(folder: Path) -> Path:
    docs = [
        ("d1", "Gout", "Colchicine and NSAIDs treat acute gout flares; urate lowering prevents them."),
        ("d2", "Shingles", "Herpes zoster causes a painful rash; antivirals such as valacyclovir shorten it."),
        ("d3", "Asthma", "Inhaled corticosteroids control asthma; salbutamol relieves acute symptoms."),
        ("d4", "Anemia", "Iron deficiency anemia is treated with oral iron supplements."),
    ]
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in docs)
    )
    queries = [("q1", "What relieves an acute gout flare?"), ("q2", "antiviral for herpes zoster rash")]
    (folder / "queries.jsonl").write_text("".join(json.dumps({"_id": i, "text": t}) + "\n" for i, t in queries))
    (folder / "qrels" / "dev.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n")
    return folder


def test_beir_folder_end_to_end(tmp_path: Path, settings: PipelineSettings, embedder: Embedder) -> None:
    data = load_beir(write_beir(tmp_path / "tiny"), "dev")
    result = evaluate_beir(data, "dev", ["bm25", "dense", "hybrid"], settings, embedder, tmp_path / "cache", False)
    assert result.queries == 2
    for mode in ("bm25", "dense", "hybrid"):
        assert result.results[mode]["ndcg@10"] == pytest.approx(1.0)
        assert result.runs[mode]["q1"]
    shape = result.to_json()
    assert set(shape) == {"dataset", "split", "queries", "results", "seconds"}
    assert set(shape["results"]["hybrid"]) == {
        "ndcg@10",
        "recall@10",
        "recall@100",
        "mrr@10",
        "hit@1",
        "hit@3",
        "answered",
    }
    # each half of the queries is scored too, with the same columns, so the printed table has every cell
    halves = [key for key in shape["results"] if "· half" in key]
    assert halves and all(set(shape["results"][k]) == set(shape["results"]["hybrid"]) for k in halves)
    assert "| hybrid · half" in format_table(result)
    # A second run reuses the cached index: nothing is embedded again.
    cached = evaluate_beir(data, "dev", ["bm25"], settings, embedder, tmp_path / "cache", False)
    assert cached.results["bm25"] == result.results["bm25"]
    assert len(list((tmp_path / "cache").glob("tiny-*"))) == 1


def test_missing_qrels_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"qrels/test\.tsv: not found"):
        load_beir(write_beir(tmp_path / "tiny"), "test")


def test_gold_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "g1", "question": "ok?"}\n{"id": "g2", "question": ""}\n')
    with pytest.raises(DatasetError, match=r"gold\.jsonl:2: question"):
        load_gold(path)


def test_sample_gold_set_shape() -> None:
    questions = load_gold(Path(__file__).resolve().parents[2] / "eval" / "gold" / "sample.jsonl")
    assert len(questions) >= 40
    assert sum(bool(q.article_id or q.history) for q in questions) >= 10
    assert sum(not q.answerable for q in questions) >= 10
