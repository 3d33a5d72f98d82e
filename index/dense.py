"""Dense retrieval: unit-length embeddings in a faiss inner-product index (cosine similarity).

Small indexes are searched exactly (`IndexFlatIP`). Past `flat_max` vectors an exact scan costs more than the
rest of a query, so the build switches to an inverted-file index with int8 scalar quantisation (IVF-SQ8: a
quarter of the memory, a few percent of the vectors scanned per query); the choice and its parameters are
recorded in the manifest. Both kinds are memory-mapped at load, so a restart maps pages the OS already caches
instead of copying the index into a new process's heap.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import faiss
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

DenseKind = Literal["flat", "ivf_sq8"]
DenseChoice = Literal["auto", "flat", "ivf_sq8"]
_TRAIN_SAMPLE = 64 * 1024  # k-means on more vectors than this barely moves the centroids


class DenseParams(BaseModel):
    """What a build chose (recorded in the manifest); `nlist`/`nprobe` only mean something for IVF."""

    model_config = ConfigDict(frozen=True)

    kind: DenseKind = "flat"
    nlist: int = 0
    nprobe: int = 0


def choose_params(size: int, choice: DenseChoice = "auto", flat_max: int = 50_000, nprobe: int = 0) -> DenseParams:
    """Exact search up to `flat_max` vectors; IVF-SQ8 with about 4·√n lists past it (Jégou et al. 2011 §IV)."""
    kind: DenseKind = ("flat" if size <= flat_max else "ivf_sq8") if choice == "auto" else choice
    if kind == "flat":
        return DenseParams(kind="flat")
    nlist = max(1, min(size // 39, 4 * round(math.sqrt(max(size, 1)))))  # faiss wants ≥ 39 training points a list
    return DenseParams(kind="ivf_sq8", nlist=nlist, nprobe=min(nlist, nprobe or max(16, nlist // 32)))


def set_search_threads(threads: int) -> None:
    """faiss's OpenMP threads per search. One is fastest when requests run concurrently: a single-query search
    split over two busy cores spends more time waiting for the other thread than it saves (measured: ~6x slower)."""
    faiss.omp_set_num_threads(threads)


class DenseIndex:
    def __init__(self, index: faiss.Index, params: DenseParams) -> None:
        self._index = index
        self.params = params
        if params.kind == "ivf_sq8":
            faiss.extract_index_ivf(index).nprobe = params.nprobe

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @classmethod
    def build(cls, vectors: NDArray[np.float32], params: DenseParams | None = None) -> DenseIndex:
        params = params or DenseParams()
        data = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = data.shape[1]
        if params.kind == "flat":
            index: faiss.Index = faiss.IndexFlatIP(dim)
        else:
            ivf = faiss.IndexIVFScalarQuantizer(
                faiss.IndexFlatIP(dim), dim, params.nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
            rows = np.random.default_rng(0).choice(len(data), min(len(data), _TRAIN_SAMPLE), replace=False)
            ivf.train(data[np.sort(rows)])
            ivf.make_direct_map()  # `vectors(rows)` reconstructs by row
            index = ivf
        if len(data):
            index.add(data)
        return cls(index, params)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, params: DenseParams | None = None, mmap: bool = True) -> DenseIndex:
        """Memory-mapped by default: the flat codes (IO_FLAG_MMAP_IFC) or the inverted lists (IO_FLAG_MMAP)."""
        params = params or DenseParams()
        flags = 0
        if mmap:
            flags = faiss.IO_FLAG_MMAP_IFC if params.kind == "flat" else faiss.IO_FLAG_MMAP
            flags |= faiss.IO_FLAG_READ_ONLY
        return cls(faiss.read_index(str(path), flags), params)

    def vectors(self, rows: list[int]) -> NDArray[np.float32]:
        """The stored (unit-length; int8-rounded for IVF-SQ8) vectors of `rows`."""
        return np.stack([self._index.reconstruct(row) for row in rows]).astype(np.float32)

    def search(self, query_vector: NDArray[np.float32], k: int) -> list[tuple[int, float]]:
        if self.size == 0:
            return []
        scores, rows = self._index.search(query_vector.reshape(1, -1), min(k, self.size))
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]
