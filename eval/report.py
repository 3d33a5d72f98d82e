"""Presenting evaluation results: a table for the terminal and a recall@k plot."""

from __future__ import annotations

import json
from pathlib import Path

from eval.beir_eval import EvalResult, write_trec_run
from eval.metrics import METRICS, recall_curve


def format_table(result: EvalResult) -> str:
    header = f"{result.dataset} · split {result.split} · {result.queries} queries · {result.seconds:.0f}s"
    columns = [*METRICS, "answered"]
    lines = [header, "| mode | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for mode, values in result.results.items():
        lines.append(f"| {mode} | " + " | ".join(f"{values[c]:.4f}" for c in columns) + " |")
    return "\n".join(lines)


def plot_recall(result: EvalResult, qrels: dict[str, dict[str, int]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.5))
    ks = list(range(1, 101))
    for mode, run in result.runs.items():
        axes.plot(ks, recall_curve(qrels, run, 100), label=mode)
    axes.set_xscale("log")
    axes.set_xlabel("k (documents)")
    axes.set_ylabel("recall@k")
    axes.set_title(f"{result.dataset} · {result.split} · {result.queries} queries")
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_outputs(
    result: EvalResult, qrels: dict[str, dict[str, int]], json_out: Path | None, plot: Path | None
) -> str:
    """The JSON summary, one TREC run per mode beside it, and the recall plot; returns what was written."""
    written: list[str] = []
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
        for mode, run in result.runs.items():
            write_trec_run(run, json_out.with_name(f"{json_out.stem}.{mode}.trec"), f"followup-{mode}")
        written.append(f"wrote {json_out} and TREC runs beside it")
    if plot is not None:
        plot_recall(result, qrels, plot)
        written.append(f"wrote {plot}")
    return "\n".join(written)
