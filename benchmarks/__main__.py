"""`python -m benchmarks --chunks N --json OUT.json`: build, serve and time Followup at N chunks on this machine.

Needs only the shared MedQuAD data (`../shared/data`, or `--medquad PATH`): the first run indexes as many MedQuAD
documents as N needs (see benchmarks/source.py). Writes every figure to OUT.json and regenerates
benchmarks/RESULTS.md from all result files beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

log = logging.getLogger("benchmarks")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    from benchmarks.source import MEDQUAD  # imports the model stack: after the offline switches above

    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--chunks", type=int, help="corpus size in chunks (MedQuAD chunks, then varied copies)")
    parser.add_argument("--json", type=Path, required=True, help="where to write the figures")
    parser.add_argument(
        "--medquad", type=Path, default=MEDQUAD, help=f"MedQuAD's medquad.jsonl.gz (default: {MEDQUAD})"
    )
    parser.add_argument(
        "--source", type=Path, help="an existing index folder of the MedQuAD import to start from instead"
    )
    parser.add_argument(
        "--real-chunks",
        type=int,
        help="embed only this many real MedQuAD chunks (default: all N, up to 29,620); the rest are varied copies",
    )
    parser.add_argument("--work", type=Path, default=Path("var/bench"), help="where benchmark indexes are built")
    parser.add_argument("--queries", type=int, default=200, help="medquad-beir dev questions timed per mode")
    parser.add_argument("--requests", type=int, default=400, help="HTTP requests per concurrency level")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--workers", default="1", help="uvicorn worker counts to compare, e.g. 1,2")
    parser.add_argument("--baseline-queries", type=int, default=50, help="queries for the rank_bm25 comparisons")
    parser.add_argument("--rank-bm25-max", type=int, default=200_000, help="skip rank_bm25 past this many chunks")
    parser.add_argument("--beir", type=Path, help="a BEIR folder: compare nDCG@10 with the tutorial stack on it")
    parser.add_argument(
        "--onnx-check", action="store_true", help="with --beir: compare the int8 ONNX query encoder with torch"
    )
    parser.add_argument("--beir-limit", type=int, default=0, help="first N dev queries only (0: all)")
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"), help="eval index cache (see eval/)")
    parser.add_argument("--results-md", type=Path, default=Path(__file__).parent / "RESULTS.md")
    return parser.parse_args(argv)


def machine() -> dict[str, object]:
    import psutil

    cpu = "unknown"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = _arguments(argv)
    if args.chunks is None and args.beir is None:
        print("error: give --chunks N and/or --beir DIR", file=sys.stderr)
        return 2
    if args.chunks is not None and args.chunks < 1:
        print("error: --chunks must be at least 1", file=sys.stderr)
        return 2
    from benchmarks.figures import BenchmarkResult
    from benchmarks.report import write_results
    from benchmarks.run import run_beir, run_onnx_check, run_size

    result: dict[str, object] = {
        "command": "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv),
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "load_average_start": [round(v, 2) for v in os.getloadavg()],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    if args.chunks is not None:
        result["size"] = run_size(args, result)
    if args.beir is not None and args.onnx_check:
        result["onnx"] = run_onnx_check(args)
    elif args.beir is not None:
        result["beir"] = run_beir(args)
    result["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    BenchmarkResult.model_validate(result)  # a figure a stage forgot fails here, not as a dash in RESULTS.md
    args.json.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.json}")
    if args.results_md:
        write_results(args.json.parent, args.results_md)
        print(f"wrote {args.results_md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
