"""The reader in the pipeline: after fusion (and the follow-up merge) it reads the question beside the top N
passages in one batched call and reorders those N by the sum of their two ranks, fused and the reader's (a Borda
count; a tie keeps the fused order); the rest keep the fused order. Fused, not replaced: the reader's order alone
lowered the sample corpus's gold hit@3 (tune standalone 0.972 → 0.917) and SciFact's half B (nDCG@10 0.734 →
0.713); the rank sum kept the gold tune half at or above the fused order (eval/HISTORY.md, seventeenth pass). The
ranking is still computed whole before any cut, so a longer `top_k` never changes the order of a shorter one
(tests/rag/test_prefix.py)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from index.chunk_table import ChunkTable
from rag.reader.model import MODEL_DIR, Reader, ReaderUnavailable, logit
from rag.types import FusedHit

# The feature the answerability model reads: the logit of the best passage's score, bounded so that one
# unusually sure passage cannot outweigh every other signal.
BEST_LOGIT_BOUND = 10.0


@dataclass(frozen=True)
class Reread:
    hits: list[FusedHit]
    best: float  # the reader's best probability among the passages it read (0 when it read none)

    @property
    def best_logit(self) -> float:
        return max(min(logit(self.best), BEST_LOGIT_BOUND), -BEST_LOGIT_BOUND)


def reread(reader: Reader, question: str, hits: list[FusedHit], chunks: ChunkTable, top_n: int) -> Reread:
    """`hits` with the first `top_n` ordered by `fused_with_reader`, each carrying the reader's score."""
    top = hits[:top_n]
    if not top:
        return Reread(hits, 0.0)
    scores = reader.scores(question, [chunks[h.row].embed_text for h in top])
    read = [top[i]._replace(reader=float(scores[i])) for i in fused_with_reader(scores)]
    return Reread(read + hits[top_n:], float(np.max(scores)))


def fused_with_reader(scores: NDArray[np.float32]) -> list[int]:
    """Positions of the passages read (given in fused order) by the sum of their fused and reader ranks; a tie keeps
    the fused order, so the reader moves a passage only where it disagrees more than the retrievers do."""
    by_reader = sorted(range(len(scores)), key=lambda i: (-float(scores[i]), i))
    reader_rank = {position: rank for rank, position in enumerate(by_reader)}
    return sorted(range(len(scores)), key=lambda i: (i + reader_rank[i], i))


@cache
def load_reader(path: Path | None, threads: int) -> Reader:
    """The configured reader (default: the shipped one), checked against its card once per process: every
    generation a server loads reads with the same session."""
    directory = path or MODEL_DIR
    try:
        return Reader(directory, threads=threads)
    except ReaderUnavailable as exc:
        raise ReaderUnavailable(f"{exc} (or serve without it: FOLLOWUP_READER=false)") from None


def reader_key(enabled: bool, path: Path | None, top_n: int) -> str:
    """What of the reader shapes a model learnt from the pipeline's answers (the answerability model, cached
    evaluation indexes): whether it reads, which weights (by their checksum on the card) and how many passages."""
    if not enabled:
        return "reader off"
    from rag.reader.model import ONNX_FILE, read_card

    card = read_card(path or MODEL_DIR)
    return f"reader {card.files[ONNX_FILE][:16]}, top {top_n}, logit bound {BEST_LOGIT_BOUND:g}"
