"""`python -m benchmarks.ray_build --chunks 3000`: build throughput of a plain build against `--ray` builds.

Each build starts from an empty embedding cache over the same MedQuAD articles, so every chunk is embedded;
Ray builds include starting a local Ray and loading the model in each actor, as `followup index build --ray`
does. Prints the figures and the load average (the machine is shared) and, with --json, writes them as a block
that benchmarks/report.py puts into RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.__main__ import machine
from corpus.medquad import write_first_chunks
from index.embedder import Embedder
from index.ray_embed import RayEncoder
from index.ray_settings import RaySettings
from rag.building import build_index
from rag.settings import PipelineSettings

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def timed_build(
    corpus: Path, work: Path, settings: PipelineSettings, embedder: Embedder, actors: int | None
) -> dict[str, Any]:
    shutil.rmtree(work, ignore_errors=True)
    load_before = [round(v, 2) for v in os.getloadavg()]
    started = time.perf_counter()
    if actors is None:
        report = build_index(corpus, work, settings, embedder)
        nodes = 0
    else:
        ray_settings = RaySettings(ray_actors=actors, ray_cpus_per_actor=2 / (actors + 1))
        with RayEncoder(ray_settings, embedder.model_path, settings.index.embed_batch_size) as encoder:
            report = build_index(corpus, work, settings, embedder, encoder=encoder)
            nodes = len(encoder.nodes)
    seconds = time.perf_counter() - started
    return {
        "build": "plain" if actors is None else f"ray, {actors} actor(s)",
        "chunks": report.manifest.counts.chunks,
        "embedded": report.embedded,
        "seconds": round(seconds, 1),
        "chunks_per_s": round(report.manifest.counts.chunks / seconds, 1),
        "ray_nodes": nodes,
        "load_average_before": load_before,
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
    }


def markdown(rows: list[dict[str, Any]], command: str) -> str:
    lines = [
        "## Building on Ray (`followup index build --ray`)",
        "",
        f"`{command}`: every build from an empty embedding cache over the same {rows[0]['chunks']:,} MedQuAD "
        "chunks; Ray builds include starting a local Ray and loading the model in each actor. Actors reserve "
        "2/(actors+1) CPUs each here (2 cores), leaving the rest to Ray Data and the driver.",
        "",
        "| build | chunks | seconds | chunks/s | load average before → after |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['build']} | {r['chunks']:,} | {r['seconds']} | {r['chunks_per_s']} | "
        f"{r['load_average_before']} → {r['load_average_after']} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ray_build", description=__doc__)
    parser.add_argument("--chunks", type=int, default=3000)
    parser.add_argument("--medquad", type=Path, default=Path("../shared/data/medquad/medquad.jsonl.gz"))
    parser.add_argument("--actors", default="1,2", help="Ray actor counts to time")
    parser.add_argument(
        "--json", type=Path, help="write the figures here (e.g. benchmarks/results/ray-build/, beside the runs)"
    )
    parser.add_argument("--keep", type=Path, help="copy the plain build's index here (a --source for benchmarks)")
    args = parser.parse_args()
    settings = PipelineSettings()
    embedder = Embedder(settings.index.resolved_model_path(), settings.index.embed_batch_size)
    command = "python -m benchmarks.ray_build " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="ray-build-") as scratch:
        corpus = Path(scratch) / "corpus"
        corpus.mkdir()
        write_first_chunks(args.medquad, corpus, args.chunks, embedder.count_tokens, embedder.max_tokens)
        rows = [timed_build(corpus, Path(scratch) / "plain", settings, embedder, None)]
        print(json.dumps(rows[-1]), flush=True)
        if args.keep:
            shutil.copytree(Path(scratch) / "plain", args.keep, dirs_exist_ok=True)
        for actors in [int(a) for a in args.actors.split(",")]:
            rows.append(timed_build(corpus, Path(scratch) / f"ray-{actors}", settings, embedder, actors))
            print(json.dumps(rows[-1]), flush=True)
    text = markdown(rows, command)
    print(text)
    if args.json:
        result = {
            "machine": machine(),
            "command": command,
            "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "load_average_start": rows[0]["load_average_before"],
            "load_average_end": rows[-1]["load_average_after"],
            "builds": rows,
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
