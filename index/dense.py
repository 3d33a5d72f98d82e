"""Dense retrieval: unit-length embeddings in a faiss inner-product index (cosine similarity).

Small indexes are searched exactly (`IndexFlatIP`). Past `flat_max` vectors an exact scan costs more than the
rest of a query, so the build switches to an HNSW graph over int8 scalar-quantised vectors (HNSW-SQ8, Malkov &
Yashunin 2018: a quarter of the memory, a few thousand distance computations per query). IVF-SQ8 can be asked
for too, but on MedQuAD's real embeddings it needed a third of its lists scanned to reach recall@10 ≥ 0.95
(questions sit far from the passage clusters), where HNSW reached 0.96 at efSearch 256 (benchmarks/RESULTS.md).
The choice and its parameters are recorded in the manifest. Vector storage is memory-mapped at load, so a
restart maps pages the OS already caches instead of copying them into a new process's heap.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import faiss
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

DenseKind = Literal["flat", "hnsw_sq8", "ivf_sq8"]
DenseChoice = Literal["auto", "flat", "hnsw_sq8", "ivf_sq8"]
_TRAIN_SAMPLE = 64 * 1024  # k-means on more vectors than this barely moves the centroids


class DenseParams(BaseModel):
    """What a build chose (recorded in the manifest); `m`/`ef_*` are HNSW's, `nlist`/`nprobe` IVF's."""

    model_config = ConfigDict(frozen=True)

    kind: DenseKind = "flat"
    m: int = 0
    ef_construction: int = 0
    ef_search: int = 0
    nlist: int = 0
    nprobe: int = 0


def choose_params(
    size: int, choice: DenseChoice = "auto", flat_max: int = 50_000, nprobe: int = 0, ef_search: int = 256
) -> DenseParams:
    """Exact search up to `flat_max` vectors, HNSW-SQ8 past it; IVF uses about 4·√n lists (Jégou et al. 2011)."""
    kind: DenseKind = ("flat" if size <= flat_max else "hnsw_sq8") if choice == "auto" else choice
    if kind == "flat":
        return DenseParams(kind="flat")
    if kind == "hnsw_sq8":
        return DenseParams(kind="hnsw_sq8", m=32, ef_construction=64, ef_search=ef_search)
    nlist = max(1, min(size // 39, 4 * round(math.sqrt(max(size, 1)))))  # faiss wants ≥ 39 training points a list
    return DenseParams(kind="ivf_sq8", nlist=nlist, nprobe=min(nlist, nprobe or max(16, nlist // 32)))


class DenseIndex:
    def __init__(self, index: faiss.Index, params: DenseParams) -> None:
        self._index = index
        self.params = params
        if params.kind == "ivf_sq8":
            faiss.extract_index_ivf(index).nprobe = params.nprobe
        elif params.kind == "hnsw_sq8":
            # A search for k > efSearch explores k candidates instead.
            index.hnsw.efSearch = params.ef_search  # type: ignore[attr-defined]

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
        elif params.kind == "hnsw_sq8":
            quantiser = faiss.ScalarQuantizer.QT_8bit
            hnsw = faiss.IndexHNSWSQ(dim, quantiser, params.m, faiss.METRIC_INNER_PRODUCT)  # type: ignore[arg-type]
            hnsw.hnsw.efConstruction = params.ef_construction
            hnsw.train(data[:_TRAIN_SAMPLE])  # SQ8 learns each dimension's range
            index = hnsw
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
        """Memory-mapped by default: flat and HNSW vector codes (IO_FLAG_MMAP_IFC), IVF lists (IO_FLAG_MMAP).

        The HNSW graph itself is read into memory (faiss cannot map it).
        """
        params = params or DenseParams()
        flags = 0
        if mmap:
            flags = faiss.IO_FLAG_MMAP if params.kind == "ivf_sq8" else faiss.IO_FLAG_MMAP_IFC
            flags |= faiss.IO_FLAG_READ_ONLY
        return cls(faiss.read_index(str(path), flags), params)

    def vectors(self, rows: list[int]) -> NDArray[np.float32]:
        """The stored (unit-length; int8-rounded for the SQ8 kinds) vectors of `rows`."""
        return np.stack([self._index.reconstruct(row) for row in rows]).astype(np.float32)

    def search(self, query_vector: NDArray[np.float32], k: int) -> list[tuple[int, float]]:
        if self.size == 0:
            return []
        scores, rows = self._index.search(query_vector.reshape(1, -1), min(k, self.size))
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]
