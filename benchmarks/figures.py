"""The figures a benchmark run writes, typed: a run that lacks a figure fails when it is written or read, never
renders as a dash. A stage a run did not reach (an unfinished or partial run) is None, said so in RESULTS.md."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Figures(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Machine(Figures):
    cpu: str
    cores: int
    memory_gb: float
    python: str
    platform: str


class Latency(Figures):
    n: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float


class ModeLatency(Latency):
    overhead_above_embedding_p50_ms: float


class HttpRun(Latency):
    rps: float
    errors: float
    concurrency: float
    load_average: list[float]


class Memory(Figures):
    rss_mb: float
    rss_anon_mb: float
    rss_file_mb: float
    pss_mb: float
    processes: float


class EncoderRate(Figures):
    """The served query encoder's own rate on the run's questions (benchmarks/throughput.py `encoder_limit`)."""

    questions: int
    ms_per_question: float
    cores: int
    requests_per_s: float


_RUN = re.compile(r"(hybrid|bm25|dense)_c\d+")


class HttpServer(Figures):
    """One server (a worker count): start-up, memory and a latency run per `mode_cN` key."""

    startup_s: float
    memory_after_start: Memory
    memory_after_load: Memory
    runs: dict[str, HttpRun]
    encoder_limit: EncoderRate | None = None  # runs before issue 30 did not time it

    def share_of_encoder_limit(self, key: str) -> float | None:
        """A run's requests/s over what the encoder alone would allow on every core."""
        if self.encoder_limit is None or key not in self.runs:
            return None
        return self.runs[key].rps / self.encoder_limit.requests_per_s

    @model_validator(mode="before")
    @classmethod
    def _gather_runs(cls, data: Any) -> Any:
        if isinstance(data, dict) and "runs" not in data:
            runs = {key: value for key, value in data.items() if _RUN.fullmatch(key)}
            return {key: value for key, value in data.items() if key not in runs} | {"runs": runs}
        return data


class Corpus(Figures):
    chunks: int
    real_medquad_chunks: int
    generated_copies: int
    note: str
    prepare_s: float


class Embedding(Figures):
    chunks_per_s: float
    batch_size: int
    measured_on: str
    projected_s_for_all_chunks: float


class BuildSeconds(Figures):
    bm25: float
    faiss: float
    write_and_checksum: float
    vocabulary: float | None = None  # runs before the clinical vocabulary did not build one


class Build(Figures):
    seconds: BuildSeconds
    disk_bytes: dict[str, int]
    dense_index: dict[str, str | int]
    embedding: Embedding


class Recall(Figures):
    vectors: int
    params: dict[str, str | int]
    recall_at_10: float = Field(alias="recall@10")
    queries: int | None = None
    note: str | None = None


class InProcess(Figures):
    query_embedding: Latency
    hybrid: ModeLatency
    bm25: ModeLatency
    dense: ModeLatency
    bm25_search_only: Latency
    dense_search_only: Latency
    load_average: list[float]


class InProcessLoad(Figures):
    seconds: float
    rss_growth_mb: float


class RankBm25Comparison(Figures):
    queries: int
    rank_bm25_build_s: float
    rank_bm25_ms_p50: float
    ours_ms_p50: float
    ratio_p50: float
    ratio_min: float
    ratio_geomean: float
    top10_agreement: float
    load_average: list[float]


class Skipped(Figures):
    skipped: str


class TutorialComparison(Figures):
    queries: int
    tutorial_stack: Latency
    followup_hybrid: Latency
    latency_ratio_p50: float
    load_average: list[float]
    note: str


class Size(Figures):
    chunks: int
    source_index_s: float | None = None  # runs from before the source index was built by the benchmark
    corpus: Corpus
    build: Build
    load_average_before_latency: list[float]
    recall_at_10_vs_exact: dict[str, Recall]
    in_process_load: InProcessLoad
    in_process: InProcess
    rank_bm25_vs_ours: RankBm25Comparison | Skipped
    tutorial_stack_vs_followup_in_process: TutorialComparison | None = None  # not run past --rank-bm25-max
    http: dict[str, HttpServer] | None = None  # None: the run stopped before the HTTP stage


class ByStack(Figures):
    followup_hybrid: float
    tutorial_stack: float


class Beir(Figures):
    dataset: str
    split: str
    queries: int
    chunks: int
    note: str
    ndcg_at_10: ByStack = Field(alias="ndcg@10")
    recall_at_10: ByStack = Field(alias="recall@10")
    retrieval_ms_per_query_excluding_embedding: ByStack
    query_embedding_ms_per_query_batched: float
    seconds: float
    load_average: list[float]


class EncoderLatency(Figures):
    torch: Latency
    onnx_int8: Latency
    load_average: list[float]


class ModesNdcg(Figures):
    hybrid: float
    dense: float


class Onnx(Figures):
    dataset: str
    split: str
    queries: int
    cosine_to_torch: dict[str, float]
    single_question_latency: EncoderLatency
    ndcg_at_10: dict[str, ModesNdcg] = Field(alias="ndcg@10")
    hybrid_ndcg_delta: float
    bar: str
    meets_bar: bool


class BenchmarkResult(Figures):
    """One `python -m benchmarks` run: what was run, where, and each stage's figures."""

    command: str
    started_utc: str
    machine: Machine
    load_average_start: list[float]
    load_average_end: list[float] | None = None  # None: the run was stopped before it finished
    size: Size | None = None
    beir: Beir | None = None
    onnx: Onnx | None = None
