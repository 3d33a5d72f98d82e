"""`python -m benchmarks.reader_latency --index DIR`: the reader's own time per question against its depth, the
passages it reads and its threads, on the questions the server is asked (the gold questions over the sample
corpus, each with its context), the passages being each question's top N as the pipeline ranks them.

Time does not depend on the weights, so depths the shipped reader was not trained at are timed on exports of the
packaged checkpoint's first k layers with an untrained head (the same graph, quantised the same way). Their
quality is not measured here (eval/reader_depth.py and the card do that for the shipped reader). Needs the onnx
package for those exports (`pip install -e '.[train]'`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from benchmarks.timing import load_average, summary
from eval.datasets import load_gold

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "eval" / "gold" / "sample.jsonl"
DEPTHS = (2, 3, 6)
TOP_N = (5, 10, 20)
THREADS = (1, 2)


def passages_read(index: Path, top_n: int) -> list[tuple[str, list[str]]]:
    """Each gold question (with its article and history) and the texts of its top `top_n` passages."""
    from eval.runner import served_answerer
    from index.embedder import Embedder
    from index.store import load_index
    from rag.settings import PipelineSettings

    settings = PipelineSettings.of(reader=False, abstention=False)
    answerer = served_answerer(load_index(index), settings, Embedder(settings.index.resolved_model_path()))
    read = []
    for q in load_gold(GOLD):
        article = q.article_id if q.article_id and answerer.served_article(q.article_id) else None
        hits = answerer.search(q.question, article_id=article, history=q.history).hits[:top_n]
        read.append((q.question, [answerer.index.chunks[h.row].embed_text for h in hits]))
    return read


def reader_folders(work: Path) -> dict[int, Path]:
    """The shipped reader at its depth; untrained exports of the checkpoint at the others."""
    from index.settings import packaged_model_path
    from index.store import file_sha256
    from rag.reader.export import export_int8
    from rag.reader.model import CARD_FILE, MODEL_DIR, ONNX_FILE, TOKENIZER_FILE, read_card
    from rag.reader.training import base_model

    shipped = read_card(MODEL_DIR)
    folders = {shipped.layers: MODEL_DIR}
    for layers in DEPTHS:
        if layers in folders:
            continue
        folder = work / f"reader-untrained-L{layers}"
        if not (folder / CARD_FILE).is_file():
            shutil.rmtree(folder, ignore_errors=True)
            export_int8(base_model(packaged_model_path(), layers), packaged_model_path() / "tokenizer.json", folder)
            card = shipped.model_copy(
                update={
                    "layers": layers,
                    "files": {n: file_sha256(folder / n) for n in (ONNX_FILE, TOKENIZER_FILE)},
                    "figures": {"note": "untrained head: for timing only"},
                }
            )
            (folder / CARD_FILE).write_text(card.model_dump_json(indent=1), encoding="utf-8")
        folders[layers] = folder
    return dict(sorted(folders.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="an index of the sample corpus")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from rag.reader.model import Reader

    work = Path("var/bench")
    work.mkdir(parents=True, exist_ok=True)
    read = passages_read(args.index, max(TOP_N))
    rows = []
    started = load_average()
    for layers, folder in reader_folders(work).items():
        for threads in THREADS:
            reader = Reader(folder, threads=threads)
            for n in TOP_N:
                for question, passages in read[:5]:  # warm-up
                    reader.logits(question, passages[:n])
                times = []
                for question, passages in read:
                    at = time.perf_counter()
                    reader.logits(question, passages[:n])
                    times.append(time.perf_counter() - at)
                figures = summary(times)
                row: dict[str, float] = {"layers": layers, "threads": threads, "top_n": n}
                row["max_length"] = reader.max_length
                row |= {k: round(v, 2) for k, v in figures.items() if k in ("n", "p50_ms", "p95_ms")}
                rows.append(row)
                print(json.dumps(row), flush=True)
    if args.json:
        figures_json = {
            "command": "python -m benchmarks.reader_latency " + " ".join(sys.argv[1:] if argv is None else argv),
            "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "load_average_before": started,
            "load_average_after": load_average(),
            "rows": rows,
        }
        args.json.write_text(json.dumps(figures_json, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
