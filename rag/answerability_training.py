"""Training the answerability model at `index build` time, on labels that cost nothing:

- answerable: pseudo-questions drawn from approved claims (a few of their rarer words behind a question opener,
  sometimes with a common word the corpus may not use) and the approved articles' own questions;
- leave-one-article-out: the same questions with their source article blocked, so no approved answer is left
  (the hardest, most realistic negatives; a little noisy where another article says the same);
- entity swaps: the question with its rarest word replaced by a word the corpus never uses (another drug,
  another disease), taken from the embedding model's own vocabulary;
- out of domain: questions made only of words the corpus never uses.

Half of the answerable questions (split by source article) never train: they calibrate the threshold
(split-conformal, `rag.answerability.conformal_threshold`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from corpus.model import ReviewStatus
from rag.answer import Answerer
from rag.answerability import FEATURES, AnswerabilityModel, conformal_threshold

log = logging.getLogger(__name__)

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]{2,}")
_OPENERS = ("", "what about", "is", "how", "can", "does", "when", "dose of", "should we", "any data on", "what is")
CLAIMS = 300
QUESTIONS = 150
OUT_OF_DOMAIN = 100
# The model's word-piece vocabulary: early ids are common words (noise a clinician adds), later ones rarer words
# (stand-ins for a drug or disease the corpus lacks).
_COMMON_IDS = range(2000, 8000)
_RARE_IDS = range(8000, 30522)


@dataclass(frozen=True)
class Example:
    question: str
    article_id: str  # the source article ("" for out-of-domain questions)
    label: int
    kind: str
    blocked_article: bool = False  # leave-one-article-out: the source article's chunks are not served
    asked_on_article: bool = False  # asked with the source article open (article_id given)


def _features(answerer: Answerer, example: Example, vector: NDArray[np.float32]) -> NDArray[np.float64] | None:
    """The features of a question as served: blocked source article, or asked on its page, as the example says."""
    blocked = frozenset(answerer.servable.rows_of(example.article_id)) if example.blocked_article else frozenset()
    open_article = example.article_id if example.asked_on_article else None
    return answerer.search(example.question, article_id=open_article, vector=vector, blocked=blocked).features


def _vocabulary(model_path: Path, ids: range, known: Callable[[str], bool]) -> list[str]:
    words = (model_path / "vocab.txt").read_text(encoding="utf-8").splitlines()
    return [w for i, w in enumerate(words) if i in ids and w.isalpha() and len(w) >= 5 and not known(w)]


def make_examples(answerer: Answerer, rng: np.random.Generator) -> list[Example]:
    index = answerer.index
    tokenize = index.bm25.tokenize

    def known(word: str) -> bool:
        terms = tokenize(word)
        return bool(terms) and all(f > 0 for f in index.bm25.document_frequencies(terms))

    model_path = Path(index.manifest.model.path)
    foreign = _vocabulary(model_path, _RARE_IDS, known) if (model_path / "vocab.txt").is_file() else []
    common = _vocabulary(model_path, _COMMON_IDS, known) if foreign else []
    foreign = foreign or ["zorvatinib", "quelimab", "praxidone", "temvuline", "osteoplaxis", "dravomycin"]
    approved = {a.id for a in index.articles.values() if a.status is ReviewStatus.APPROVED}
    by_article = index.chunks.rows_by_article()
    rows = [row for article_id in sorted(approved) for row in by_article.get(article_id, [])]
    examples: list[Example] = []
    for row in rng.permutation(rows)[:CLAIMS]:
        chunk = index.chunks[int(row)]
        question = _pseudo_question(chunk.text, tokenize, index.bm25.document_frequencies, rng)
        if question is None:
            continue
        # Clinicians add words the corpus never uses (lay words, abbreviations): so must the pseudo-questions.
        extra = int(rng.choice(3, p=[0.4, 0.4, 0.2])) if common else 0
        if extra:
            question = f"{question} {' '.join(rng.choice(common, size=extra))}"
        on_page = bool(rng.random() < 0.5)
        examples.append(Example(f"{question}?", chunk.article_id, 1, "claim", asked_on_article=on_page))
    articles = sorted(approved)
    for article_id in rng.permutation(articles)[:QUESTIONS] if articles else []:
        examples.append(Example(index.articles[str(article_id)].question, str(article_id), 1, "article question"))
    negatives: list[Example] = []
    for positive in examples:
        negatives.append(Example(positive.question, positive.article_id, 0, "article left out", blocked_article=True))
        swapped = _swap_rarest(positive.question, tokenize, index.bm25.document_frequencies, foreign, rng)
        if swapped is not None:
            negatives.append(
                Example(swapped, positive.article_id, 0, "entity swap", asked_on_article=positive.asked_on_article)
            )
    for _ in range(OUT_OF_DOMAIN):
        words = " ".join(rng.choice(foreign, size=int(rng.integers(1, 4))))
        negatives.append(Example(f"{rng.choice(_OPENERS)} {words}?".strip(), "", 0, "out of domain"))
    return examples + negatives


def _pseudo_question(
    text: str,
    tokenize: Callable[[str], list[str]],
    frequencies: Callable[[list[str]], list[int]],
    rng: np.random.Generator,
) -> str | None:
    words = [w for w in _WORD.findall(text) if tokenize(w)]
    if len(words) < 2:
        return None
    df = np.array([max(frequencies(tokenize(w))[0], 1) for w in words], dtype=np.float64)
    weights = 1.0 / df
    picked = rng.choice(
        len(words), size=min(int(rng.integers(2, 5)), len(words)), replace=False, p=weights / weights.sum()
    )
    return f"{rng.choice(_OPENERS)} {' '.join(words[i] for i in sorted(picked))}".strip()


def _swap_rarest(
    question: str,
    tokenize: Callable[[str], list[str]],
    frequencies: Callable[[list[str]], list[int]],
    foreign: list[str],
    rng: np.random.Generator,
) -> str | None:
    words = [w for w in _WORD.findall(question) if tokenize(w)]
    if not words:
        return None
    known = [w for w in words if frequencies(tokenize(w))[0] > 0]
    if not known:
        return None
    rarest = min(known, key=lambda w: frequencies(tokenize(w))[0])
    return question.replace(rarest, str(rng.choice(foreign)), 1)


def calibration_questions(path: Path) -> list[tuple[str, str | None, list[str]]]:
    """(question, article_id, history) of the answerable questions of split tune in a gold-format JSONL file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        (str(r["question"]), r.get("article_id"), list(r.get("history") or []))
        for r in rows
        if r.get("answerable", True) and r.get("split", "tune") == "tune"
    ]


def _real_question_scores(
    answerer: Answerer, model: AnswerabilityModel, questions: list[tuple[str, str | None, list[str]]]
) -> list[float]:
    scores = []
    for question, article_id, history in questions:
        if article_id is not None and answerer.served_article(article_id) is None:
            continue  # written for another corpus or an article no longer approved
        values = answerer.search(question, article_id=article_id, history=history).features
        scores.append(model.probability(values) if values is not None else 0.0)
    return scores


def train(
    answerer: Answerer, target_answered: float, calibration: Path | None = None, seed: int = 0
) -> AnswerabilityModel | None:
    """None when the corpus is too small to learn from (no approved article, or one class missing).

    `calibration`: real answerable questions asked of this corpus set the threshold instead of the held-out
    pseudo-questions (conformal calibration needs questions like the ones it will be asked)."""
    rng = np.random.default_rng(seed)
    examples = make_examples(answerer, rng)
    vectors = answerer.encode_queries([e.question for e in examples])
    rows: list[tuple[Example, NDArray[np.float64]]] = []
    for example, vector in zip(examples, vectors, strict=True):
        values = _features(answerer, example, vector)
        if values is not None:
            rows.append((example, values))
    articles = sorted({e.article_id for e, _ in rows if e.label == 1})
    calibrating = set(rng.permutation(articles)[: len(articles) // 2]) if len(articles) > 1 else set()
    fit = [(e, v) for e, v in rows if e.article_id not in calibrating or e.label == 0]
    held_out = [v for e, v in rows if e.article_id in calibrating and e.label == 1]
    labels = np.array([e.label for e, _ in fit])
    if len(set(labels.tolist())) < 2 or not held_out:
        log.warning("answerability: too few examples to train (%d); every question will be answered", len(rows))
        return None
    matrix = np.vstack([v for _, v in fit])
    scaler = StandardScaler().fit(matrix)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    classifier = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    classifier.fit((matrix - scaler.mean_) / scale, labels)
    model = AnswerabilityModel(
        features=list(FEATURES),
        mean=[float(x) for x in scaler.mean_],
        scale=[float(x) for x in scale],
        coef=[float(x) for x in classifier.coef_[0]],
        intercept=float(classifier.intercept_[0]),
        threshold=0.0,
        target_answered=target_answered,
        calibration_questions=len(held_out),
        training={kind: sum(e.kind == kind for e, _ in fit) for kind in sorted({e.kind for e, _ in fit})},
    )
    scores = [model.probability(v) for v in held_out]
    source = "pseudo-questions"
    if calibration is not None and (real := _real_question_scores(answerer, model, calibration_questions(calibration))):
        scores, source = real, str(calibration)
    threshold = conformal_threshold(scores, target_answered)
    return model.model_copy(
        update={"threshold": threshold, "calibration_questions": len(scores), "calibration_source": source}
    )
