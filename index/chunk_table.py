"""Chunks on disk as one Arrow IPC file, memory-mapped when served: no Python object per chunk lives in the heap.

At 1M chunks, a `Chunk` object per row held ~5 GB of a 7 GB server (benchmarks/RESULTS.md). Here the columns
stay in the file: the OS pages in what requests read, and `table[row]` builds the one `Chunk` a caller asks for.
Article ids and headers repeat across a section's chunks, so both are dictionary-encoded; whole-corpus questions
(which rows belong to which article) are answered from the integer codes, never by building every chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from corpus.chunking import Chunk

SCHEMA = pa.schema(
    [
        ("chunk_id", pa.string()),
        ("article_id", pa.dictionary(pa.int32(), pa.string())),
        ("section", pa.list_(pa.string())),
        ("text", pa.large_string()),
        ("citations", pa.list_(pa.int32())),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("header", pa.dictionary(pa.int32(), pa.large_string())),
    ]
)


def write_chunk_table(path: Path, chunks: Iterable[Chunk]) -> None:
    """One record batch, uncompressed: a memory map then serves every column without a copy."""
    batch = chunk_batch(chunks)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, SCHEMA) as writer:
        writer.write_batch(batch)


def chunk_batch(chunks: Iterable[Chunk]) -> pa.RecordBatch:
    """The chunks as one Arrow record batch of `SCHEMA`."""
    columns: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    for chunk in chunks:
        columns["chunk_id"].append(chunk.chunk_id)
        columns["article_id"].append(chunk.article_id)
        columns["section"].append(list(chunk.section))
        columns["text"].append(chunk.text)
        columns["citations"].append(list(chunk.citations))
        columns["start"].append(chunk.start)
        columns["end"].append(chunk.end)
        columns["header"].append(chunk.header)
    arrays = [
        pa.array(columns[field.name], type=field.type.value_type).dictionary_encode()
        if pa.types.is_dictionary(field.type)
        else pa.array(columns[field.name], type=field.type)
        for field in SCHEMA
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


class _Strings:
    """Item `i` of a string array, sliced straight out of its offsets and bytes: a pyarrow scalar per field
    made a chunk cost ~100 µs to build, this ~5 µs."""

    def __init__(self, array: pa.Array) -> None:
        _, offsets, data = array.buffers()
        wide = pa.types.is_large_string(array.type)
        self._offsets = memoryview(offsets).cast("q" if wide else "i")[array.offset : array.offset + len(array) + 1]
        self._data = memoryview(data) if data is not None else memoryview(b"")

    def __getitem__(self, item: int) -> str:
        return str(self._data[self._offsets[item] : self._offsets[item + 1]], "utf-8")


class _Lists:
    """Item `i` of a list array as the (start, end) of its values."""

    def __init__(self, array: pa.ListArray) -> None:
        self._offsets = memoryview(array.buffers()[1]).cast("i")[array.offset : array.offset + len(array) + 1]

    def bounds(self, item: int) -> range:
        return range(self._offsets[item], self._offsets[item + 1])


def _integers(array: pa.Array, wide: bool) -> memoryview[int]:
    values = memoryview(array.buffers()[1]).cast("q" if wide else "i")
    return values[array.offset : array.offset + len(array)]


class ChunkTable(Sequence[Chunk]):
    """A read-only, memory-mapped sequence of chunks: `table[row]` is the chunk of dense/BM25 row `row`."""

    def __init__(self, batch: pa.RecordBatch) -> None:
        self._batch = batch
        self._rows = batch.num_rows
        article = batch.column("article_id")
        self._article_names: list[str] = article.dictionary.to_pylist()  # a few thousand, not one per chunk
        self._article_codes: NDArray[np.int32] = article.indices.to_numpy(zero_copy_only=True)
        self._article_code = _integers(article.indices, wide=False)
        self._ids = _Strings(batch.column("chunk_id"))
        section = batch.column("section")
        self._section, self._section_names = _Lists(section), _Strings(section.values)
        citations = batch.column("citations")
        self._citations, self._citation_values = _Lists(citations), _integers(citations.values, wide=False)
        self._text = _Strings(batch.column("text"))
        self._start, self._end = _integers(batch.column("start"), wide=True), _integers(batch.column("end"), wide=True)
        header = batch.column("header")
        self._header_code, self._header_names = _integers(header.indices, wide=False), _Strings(header.dictionary)

    @classmethod
    def of(cls, chunks: Iterable[Chunk]) -> ChunkTable:
        """An in-memory table (a build uses it before the generation is written)."""
        return cls(chunk_batch(chunks))

    @classmethod
    def open(cls, path: Path) -> ChunkTable:
        reader = pa.ipc.open_file(pa.memory_map(str(path), "r"))
        if reader.schema != SCHEMA or reader.num_record_batches > 1:
            raise ValueError(f"{path}: not a chunk table of this version (schema or layout differs)")
        batch = reader.get_batch(0) if reader.num_record_batches else SCHEMA.empty_table().to_batches()[0]
        return cls(batch)

    def __len__(self) -> int:
        return int(self._rows)

    @overload
    def __getitem__(self, row: int) -> Chunk: ...

    @overload
    def __getitem__(self, row: slice) -> list[Chunk]: ...

    def __getitem__(self, row: int | slice) -> Chunk | list[Chunk]:
        if isinstance(row, slice):
            return [self._chunk(r) for r in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"chunk row {row} out of range (0..{len(self) - 1})")
        return self._chunk(row)

    def __iter__(self) -> Iterator[Chunk]:
        return (self._chunk(row) for row in range(len(self)))

    def _chunk(self, row: int) -> Chunk:
        # Written from validated Chunks: no need to validate again on every read.
        return Chunk.model_construct(
            chunk_id=self._ids[row],
            article_id=self._article_names[self._article_code[row]],
            section=self.section_of(row),
            text=self._text[row],
            citations=tuple(self._citation_values[i] for i in self._citations.bounds(row)),
            start=self._start[row],
            end=self._end[row],
            header=self._header_names[self._header_code[row]],
        )

    def section_of(self, row: int) -> tuple[str, ...]:
        """The section path of one row, without building its chunk."""
        return tuple(self._section_names[i] for i in self._section.bounds(row))

    def article_id(self, row: int) -> str:
        """The article of one row, without building its chunk."""
        return self._article_names[self._article_code[row]]

    def article_ids(self) -> set[str]:
        """Every article that has a chunk."""
        present = np.unique(self._article_codes)
        return {self._article_names[code] for code in present.tolist()}

    def rows_by_article(self) -> dict[str, list[int]]:
        """Chunk rows of each article, in row order, from the article codes alone."""
        order = np.argsort(self._article_codes, kind="stable")
        codes = self._article_codes[order]
        bounds = np.flatnonzero(np.diff(codes)) + 1
        return {
            self._article_names[int(group_codes[0])]: rows.tolist()
            for rows, group_codes in zip(np.split(order, bounds), np.split(codes, bounds), strict=True)
            if len(rows)
        }

    def chunk_ids(self) -> list[str]:
        ids: list[str] = self._batch.column("chunk_id").to_pylist()
        return ids
