"""`python -m benchmarks.workers --index DIR --json OUT`: uvicorn worker counts compared on an existing index."""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

from benchmarks.run import _questions
from benchmarks.source import MEDQUAD_BEIR
from benchmarks.timing import Server, http_load, load_average


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.workers", description=__doc__)
    parser.add_argument("--index", type=Path, required=True, help="an index folder (e.g. var/bench/100000)")
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    questions = _questions(MEDQUAD_BEIR, 200)
    out: dict[str, Any] = {"index": str(args.index), "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    for workers in [int(w) for w in args.workers.split(",")]:
        server = Server.start(args.index, workers, args.json.with_suffix(f".server-{workers}.log"))
        figures: dict[str, Any] = {"memory_after_start": server.memory()}
        try:
            for concurrency in [int(c) for c in args.concurrency.split(",")]:
                figures[f"hybrid_c{concurrency}"] = http_load(
                    server.url, questions, "hybrid", concurrency, args.requests
                )
                figures[f"hybrid_c{concurrency}"]["load_average"] = load_average()
            figures["memory_after_load"] = server.memory()
        finally:
            server.stop()
        out[f"workers_{workers}"] = figures
        print(workers, json.dumps(figures))
    args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
