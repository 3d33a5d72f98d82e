"""`python -m benchmarks.chunk_memory --index DIR`: what serving an index costs in memory, chunk store against the
Python objects format 1 kept (one `Chunk` per row), measured in this one process (RSS does not depend on load).

Prints RSS after `load_index` (chunks memory-mapped), after building what `Servable` needs (article → rows), after
reading 1,000 random chunks, and after materialising every chunk as format 1 did.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from pathlib import Path

import psutil

from index.store import load_index


def _rss_mb() -> float:
    gc.collect()
    rss: int = psutil.Process().memory_info().rss
    return round(rss / 1e6, 1)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chunk_memory", description=__doc__)
    parser.add_argument("--index", type=Path, required=True)
    args = parser.parse_args()
    figures: dict[str, object] = {"rss_mb_start": _rss_mb()}
    started = time.perf_counter()
    index = load_index(args.index)
    figures["load_s"] = round(time.perf_counter() - started, 1)
    figures["chunks"] = len(index.chunks)
    figures["rss_mb_after_load_index"] = _rss_mb()
    rows = index.chunks.rows_by_article()
    figures["rss_mb_after_rows_by_article"] = _rss_mb()
    sample = random.Random(0).sample(range(len(index.chunks)), min(1000, len(index.chunks)))
    started = time.perf_counter()
    for row in sample:
        index.chunks[row]
    figures["chunk_read_us"] = round((time.perf_counter() - started) / len(sample) * 1e6, 1)
    served = figures["rss_mb_after_1000_reads"] = _rss_mb()
    del rows
    every = list(index.chunks)
    as_objects = figures["rss_mb_with_every_chunk_as_object"] = _rss_mb()
    figures["objects_mb"] = round(as_objects - served, 1)
    del every
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
