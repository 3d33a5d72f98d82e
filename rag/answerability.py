"""Is the question answered by any approved article at all? A calibrated decision, not a cosine floor.

Cosine similarity alone cannot tell "no article covers this drug" from "the article says it another way"
(eval/HISTORY.md, "Answerability (abstention on by default)"). So a small logistic model reads several signals of
the *plain* question (its contextual form borrows the article's words and would lift any question): how much of the
question's rarest vocabulary the best article covers, whether the corpus knows those words at all, whether BM25 and
dense agree, how far the best passage stands out, and cosine, raw and over the question's cosine with the corpus
centroid. It is trained at
`index build` time on labels that cost nothing (rag/answerability_training.py) and its threshold is set by
split-conformal calibration so that at least 95% of answerable questions like the calibration set are answered.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from index.dense import DenseIndex
from index.store import REBUILD, IndexUnavailable
from rag.ranking import Retrieved
from rag.types import FusedHit

MODEL_FILE = "answerability.json"
FEATURES = (
    "cosine_top1",
    "cosine_gap_top10",
    "known_coverage_best_article",
    "rarest_known_terms_covered",
    "uncovered_known_idf_max",
    "outside_vocabulary",
    "bm25_dense_overlap_top5",
    "bm25_top1_vs_question",
    "fused_gap_top2",
    "terms",
    "cosine_over_centroid",
    "foreign_medical",
)
# With the reader on (FOLLOWUP_READER), the logit of its best score over the passages it read comes last.
READER_FEATURE = "reader_best_logit"
COMPUTED = (*FEATURES, READER_FEATURE)  # what the pipeline computes for a question (the reader's only when it reads)
# With the reader on, its score replaces the features that count the question's words in the passages: those let
# everyday questions through on a shared noun ("oil", "cup", "garden"). On the gold tune half, without them the
# calibrated build declined 73.5% of non-medical questions, not 38.2% (answered 14.7%, not 26.5%), and off-topic
# ones 90%, not 80%, for 90.6% of answerable ones answered, not 91.7% (eval/HISTORY.md, seventeenth pass).
READER_REPLACES = (
    "known_coverage_best_article",
    "rarest_known_terms_covered",
    "uncovered_known_idf_max",
    "bm25_dense_overlap_top5",
    "bm25_top1_vs_question",
)


def learnt_features(reader: bool) -> tuple[str, ...]:
    """The features a model learns from: all of `FEATURES` without the reader, the reader's in place of
    `READER_REPLACES` with it."""
    if not reader:
        return FEATURES
    return (*(f for f in FEATURES if f not in READER_REPLACES), READER_FEATURE)


CENTROID_SAMPLE = 20_000  # passages averaged for the corpus centroid (a strided sample beyond that)


@dataclass(frozen=True)
class QuestionTerms:
    """The question's BM25 terms (stemmed, stop words dropped) with their IDF over the served corpus."""

    terms: list[str]
    # For a term the corpus says another way (`reached`), the IDF of what it says instead (`readings`).
    idf: NDArray[np.float64]
    known: NDArray[np.bool_]  # the corpus uses the term
    # unknown, but the corpus says it another way: it begins a term the corpus uses ("upa" → "upadacitinib"), or
    # the clinical vocabulary links it to words the corpus says ("flu" → "influenza", "TB" → "tuberculosis")
    reached: NDArray[np.bool_]
    foreign_medical: NDArray[np.bool_]  # a medical word the corpus lacks ("warfarin"; index/vocabulary.py)
    readings: list[list[tuple[str, ...]]]  # per term, the corpus's terms for it: [("neutrophil", "count")] for "anc"

    @classmethod
    def of(
        cls,
        terms: list[str],
        document_frequencies: Callable[[list[str]], Sequence[int]],
        documents: int,
        readings: Callable[[str], list[tuple[str, ...]]],
        foreign_medical: frozenset[str] = frozenset(),
    ) -> QuestionTerms:
        """`readings`: what the corpus says for a term it does not use (nothing when it says nothing for it)."""
        unique = list(dict.fromkeys(terms))
        df = np.array(document_frequencies(unique), dtype=np.float64)
        known = df > 0
        said = [[] if k else readings(t) for t, k in zip(unique, known, strict=True)]
        for i, alternatives in enumerate(said):
            # A reading is as specific as its rarest word, and a term with several readings as its commonest one.
            if alternatives:
                df[i] = max(min(document_frequencies(list(reading))) for reading in alternatives)
        idf = np.log1p((documents - df + 0.5) / (df + 0.5))
        reached = np.array([bool(alternatives) for alternatives in said], dtype=bool)
        foreign = np.array([not k and t in foreign_medical for t, k in zip(unique, known, strict=True)], dtype=bool)
        return cls(unique, idf, known, reached, foreign, said)

    def covered(self, holds: Callable[[list[str]], NDArray[np.bool_]]) -> NDArray[np.bool_]:
        """Which of the terms an article covers, given which of a list of terms it holds: a known term where the
        article holds it, a reached term where it holds every word of one of its readings ("neutrophil count" for
        "ANC"), so a question's abbreviations and brand names count as much as its other words."""
        spelled = [term for alternatives in self.readings for reading in alternatives for term in reading]
        held = holds(self.terms + spelled)
        covered = held[: len(self.terms)].copy()
        at = len(self.terms)
        for i, alternatives in enumerate(self.readings):
            for reading in alternatives:
                covered[i] |= bool(held[at : at + len(reading)].all())
                at += len(reading)
        return covered


def features(
    question: QuestionTerms,
    retrieved: Retrieved,
    fused: list[FusedHit],
    coverings: Sequence[NDArray[np.bool_]],
    bm25_saturation: float,
    centroid_cosine: float,
) -> NDArray[np.float64]:
    """The signals above, in `FEATURES` order, for a question with at least one term.

    Words the corpus never uses are common in answerable questions too (lay words, abbreviations, typos), so
    coverage is measured over the words the corpus knows or says another way (`QuestionTerms.reached`: "MTX",
    "ANC", "upa" count as what the corpus says for them), and the unknown share of the others is a feature of its
    own; the share held by medical words the corpus lacks is another, since a drug or disease no article names
    ("warfarin", "gout") says more than a lay word ("jabs") does.
    `coverings`: which of the question's terms each candidate best article covers (the top passage's article, and
    the open article's when the question is asked on an article page); the one covering most of the question counts.
    `centroid_cosine`: the question's cosine with the corpus centroid. Raw cosine says as much about the question
    (how much it sounds like the corpus at all) as about the match; the top hit's margin over the centroid says
    whether one passage is closer than the corpus is on average (a query-side baseline, as the clarity score sets
    a query against the collection: Cronen-Townsend, Zhou & Croft 2002).
    """
    cosines = [h.score for h in retrieved.dense]
    top = cosines[0] if cosines else 0.0
    tenth = cosines[min(9, len(cosines) - 1)] if cosines else 0.0
    known_idf = question.idf * (question.known | question.reached)  # the words the corpus says, one way or another
    covered = max(coverings, key=lambda c: float(known_idf[c].sum()), default=np.zeros(len(question.terms), bool))
    known_total = float(known_idf.sum())
    uncovered_known = known_idf[~covered]
    bm25_top5 = {h.row for h in retrieved.bm25.hits[:5]}
    dense_top5 = {h.row for h in retrieved.dense[:5]}
    bm25_top = retrieved.bm25.hits[0].score if retrieved.bm25.hits else 0.0
    fused_gap = fused[0].fused - fused[1].fused if len(fused) > 1 else 0.0
    has_known = known_total > 0
    return np.array(
        [
            top,
            top - tenth,
            float(known_idf[covered].sum() / known_total) if has_known else 0.0,
            # the share of the rarest terms covered: in a small corpus several share the highest IDF (one passage
            # each), and which of them the question names first must not decide
            float(covered[known_idf == known_idf.max()].mean()) if has_known else 0.0,
            float(uncovered_known.max() / question.idf.max()) if len(uncovered_known) else 0.0,
            float(question.idf[~question.known & ~question.reached].sum() / question.idf.sum()),
            len(bm25_top5 & dense_top5) / 5,
            min(bm25_top / (bm25_saturation * known_total), 1.0) if has_known else 0.0,
            fused_gap,
            math.log1p(len(question.terms)),
            top - centroid_cosine,
            float(question.idf[question.foreign_medical].sum() / question.idf.sum()),
        ],
        dtype=np.float64,
    )


def corpus_centroid(dense: DenseIndex) -> NDArray[np.float32]:
    """The unit mean of the passage vectors (of a strided sample of at most `CENTROID_SAMPLE`)."""
    if dense.size == 0:
        return np.zeros(0, dtype=np.float32)
    rows = list(range(0, dense.size, -(-dense.size // CENTROID_SAMPLE)))
    mean = dense.vectors(rows).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    centroid: NDArray[np.float32] = (mean / norm if norm > 0 else mean).astype(np.float32)
    return centroid


class AnswerabilityModel(BaseModel):
    """Standardised features → logistic probability; `threshold` from split-conformal calibration."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    threshold: float
    target_answered: float
    # Below the floor a question is declined; between it and the threshold it gets the nearest passages, marked as
    # possibly not answering it. Set like the threshold, for a larger share of answerable questions.
    floor: float
    floor_answered: float
    calibration_questions: int
    calibration_source: str = "pseudo-questions"
    training: dict[str, int]
    draws: int = 1  # draws of free labels averaged into this model (rag/answerability_training.py)
    # The reader it learnt from (rag.reader.rerank.reader_key): served only with that reader, or with none if off.
    reader: str = "reader off"

    @classmethod
    def uncalibrated(
        cls,
        mean: Iterable[float],
        scale: Iterable[float],
        coef: Iterable[float],
        intercept: float,
        features: Sequence[str] = FEATURES,
    ) -> AnswerabilityModel:
        """The logistic model of `features` (named as in `COMPUTED`), before calibration sets its threshold and
        floor."""
        coef = [float(x) for x in coef]
        return cls(
            features=list(features),
            mean=[float(x) for x in mean],
            scale=[float(x) for x in scale],
            coef=coef,
            intercept=float(intercept),
            threshold=0.0,
            target_answered=0.0,
            floor=0.0,
            floor_answered=0.0,
            calibration_questions=0,
            training={},
        )

    @property
    def reads_reader(self) -> bool:
        """Whether the model reads the reader's score (trained on an index served with FOLLOWUP_READER on)."""
        return READER_FEATURE in self.features

    def logit(self, values: NDArray[np.float64]) -> float:
        """`values`: every feature the pipeline computed, in `COMPUTED` order; the model reads its own."""
        z = (values[[COMPUTED.index(f) for f in self.features]] - np.asarray(self.mean)) / np.asarray(self.scale)
        return float(z @ np.asarray(self.coef) + self.intercept)

    def probability(self, values: NDArray[np.float64]) -> float:
        return logistic(self.logit(values))

    def save(self, directory: Path) -> None:
        (directory / MODEL_FILE).write_text(self.model_dump_json(indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> AnswerabilityModel | None:
        """None for a generation built without one (too few examples to train it: every question with words is
        answered). A model of other features than this version computes, or one written before a field it now has,
        is refused (`IndexUnavailable`): the generation was built by an older version."""
        path = directory / MODEL_FILE
        if not path.is_file():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        missing = sorted(set(cls.model_fields) - set(raw)) if isinstance(raw, dict) else []
        if missing:
            raise IndexUnavailable(f"{path}: written before {', '.join(missing)} existed: {REBUILD}")
        model = cls.model_validate(raw)
        if tuple(model.features) not in (learnt_features(False), learnt_features(True)):
            raise IndexUnavailable(
                f"{path}: trained on other answerability features than this version computes: {REBUILD}"
            )
        return model


def logistic(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))


def conformal_threshold(answerable_scores: Sequence[float], answered: float) -> float:
    """The ⌊α(n+1)⌋-th lowest score (α = 1 − answered): a new answerable question exchangeable with these scores
    at least that high with probability ≥ `answered` (split-conformal; Vovk et al., Angelopoulos & Bates)."""
    ordered = sorted(answerable_scores)
    rank = math.floor((1 - answered) * (len(ordered) + 1))
    return ordered[rank - 1] if rank >= 1 else 0.0
