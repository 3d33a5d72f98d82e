"""Threads per query for serving: one torch and one faiss thread, so concurrent requests use the cores instead.

Measured on this 2-core machine under load (benchmarks/): a single query encoded with torch's default of 2
intra-op threads took ~930 ms at p50 against ~50 ms with 1 thread, and an exact faiss search split over 2 OpenMP
threads ~23 ms against ~4 ms: a thread pool spin-waiting for a busy core costs far more than the split saves.
Index builds keep the defaults (large batches do gain from both cores).
"""

from __future__ import annotations

import faiss
import torch


def use_threads_per_query(threads: int) -> None:
    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)
