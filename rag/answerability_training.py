"""Training the answerability model at `index build` time, on labels that cost nothing:

- answerable: pseudo-questions drawn from approved claims (a few of their rarer words behind a question opener,
  one of them but the rarest said in a common word the corpus does not use, as a clinician says it in their own
  words, sometimes with more such words) and the approved articles' own questions;
- leave-one-article-out: the same questions with their source article blocked, so no approved answer is left
  (the hardest, most realistic negatives; a little noisy where another article says the same);
- entity swaps: the question with its rarest word replaced by a word the corpus never uses (another drug,
  another disease): half of them a medical word of WordNet's that the corpus lacks (index/vocabulary.py), half a
  rare word of the embedding model's own vocabulary;
- out of domain: questions made only of words the corpus never uses.

Half of the answerable questions (split by source article) never train: they calibrate the threshold
(split-conformal, `rag.answerability.conformal_threshold`). Given real questions asked of the corpus (the
calibration file), those train too and set the threshold instead, cross-fitted (`train`).

One draw of free labels on a small corpus is a noisy thing to serve: on the ten-article sample, re-drawing moved
the threshold between 0.004 and 0.275 and the share of answerable questions answered between 64% and 98%. So the
served model is a bag of independent draws (`average`; `IndexSettings.answerability_draws`, 5 by default).
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from corpus.model import ReviewStatus
from index.settings import IndexSettings
from index.vocabulary import WORDNET_DIR
from rag.answer import Answerer
from rag.answerability import (
    COMPUTED,
    FEATURES,
    READER_REPLACES,
    AnswerabilityModel,
    conformal_threshold,
    learnt_features,
    logistic,
)
from rag.everyday import out_of_scope_questions

log = logging.getLogger(__name__)

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]{2,}")
_OPENERS = ("", "what about", "is", "how", "can", "does", "when", "dose of", "should we", "any data on", "what is")
CLAIMS = 300
QUESTIONS = 150
OUT_OF_DOMAIN = 100
EVERYDAY = 100  # everyday questions (rag/everyday.py), as many as the out-of-domain ones
FOLDS = 5  # cross-fitting over the real calibration questions
# What a model learns from: its features and how its free labels are drawn. Evaluation caches built indexes under
# it, so a change to either retrains instead of reusing an index whose model was trained otherwise.
DRAWS: int = IndexSettings.model_fields["answerability_draws"].default  # draws averaged into the served model
FLOOR_ANSWERED: float = IndexSettings.model_fields["answerability_floor_target"].default
TRAINING_KEY = (
    f"{','.join(FEATURES)}; free labels v4 (everyday questions); content terms; linked terms reached and covered; "
    f"{DRAWS} draws; "
    f"floor over the bag's calibration scores; the reader replaces {','.join(READER_REPLACES)}"
)
MEDICAL_SWAPS = 0.5  # share of entity swaps and out-of-domain words that are medical words the corpus lacks
PARAPHRASED = 1.0  # share of pseudo-questions with one word (not the rarest) said in a word the corpus lacks
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
    medical = list(index.vocabulary.foreign) if index.vocabulary is not None else []

    def stand_in() -> str:
        """A drug or disease the corpus lacks."""
        pool = medical if medical and rng.random() < MEDICAL_SWAPS else foreign
        return pool[int(rng.integers(len(pool)))]  # rng.choice's draw, without copying the pool into an array

    approved = {a.id for a in index.articles.values() if a.status is ReviewStatus.APPROVED}
    by_article = index.chunks.rows_by_article()
    rows = [row for article_id in sorted(approved) for row in by_article.get(article_id, [])]
    examples: list[Example] = []
    for row in rng.permutation(rows)[:CLAIMS]:
        chunk = index.chunks[int(row)]
        question = _pseudo_question(chunk.text, tokenize, index.bm25.document_frequencies, rng, common)
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
        swapped = _swap_rarest(positive.question, tokenize, index.bm25.document_frequencies, stand_in())
        if swapped is not None:
            negatives.append(
                Example(swapped, positive.article_id, 0, "entity swap", asked_on_article=positive.asked_on_article)
            )
    for _ in range(OUT_OF_DOMAIN):
        words = " ".join(stand_in() for _ in range(int(rng.integers(1, 4))))
        negatives.append(Example(f"{rng.choice(_OPENERS)} {words}?".strip(), "", 0, "out of domain"))
    return examples + negatives + everyday_examples(articles, rng)


def everyday_examples(articles: list[str], rng: np.random.Generator) -> list[Example]:
    """`EVERYDAY` questions nobody here wrote (rag/everyday.py: public templates and WordNet nouns), half of them
    asked on a random approved article's page: an everyday question shares a noun with some passage ("oil", "cup")
    and the open article lifts its passages, so only such examples teach the model that the reader's verdict on it
    outweighs both. None without WordNet (its nouns fill the templates)."""
    if not (WORDNET_DIR / "data.noun").is_file():
        return []
    questions = out_of_scope_questions(EVERYDAY, random.Random(int(rng.integers(2**32))))
    pages = [str(a) for a in rng.choice(articles, size=len(questions))] if articles else [""] * len(questions)
    on_page = rng.random(len(questions)) < 0.5
    return [
        Example(q, page, 0, "everyday", asked_on_article=bool(asked and page))
        for q, page, asked in zip(questions, pages, on_page, strict=True)
    ]


def _pseudo_question(
    text: str,
    tokenize: Callable[[str], list[str]],
    frequencies: Callable[[list[str]], list[int]],
    rng: np.random.Generator,
    lay: list[str],
) -> str | None:
    words = [w for w in _WORD.findall(text) if tokenize(w)]
    if len(words) < 2:
        return None
    df = np.array([max(frequencies(tokenize(w))[0], 1) for w in words], dtype=np.float64)
    weights = 1.0 / df
    picked = rng.choice(
        len(words), size=min(int(rng.integers(2, 5)), len(words)), replace=False, p=weights / weights.sum()
    )
    chosen = [words[i] for i in sorted(picked)]
    if lay and len(chosen) > 1 and rng.random() < PARAPHRASED:
        rarest = int(np.argmin([df[i] for i in sorted(picked)]))
        others = [i for i in range(len(chosen)) if i != rarest]
        chosen[int(rng.choice(others))] = str(rng.choice(lay))
    return f"{rng.choice(_OPENERS)} {' '.join(chosen)}".strip()


def _swap_rarest(
    question: str,
    tokenize: Callable[[str], list[str]],
    frequencies: Callable[[list[str]], list[int]],
    stand_in: str,
) -> str | None:
    words = [w for w in _WORD.findall(question) if tokenize(w)]
    if not words:
        return None
    known = [w for w in words if frequencies(tokenize(w))[0] > 0]
    if not known:
        return None
    rarest = min(known, key=lambda w: frequencies(tokenize(w))[0])
    return question.replace(rarest, stand_in, 1)


@dataclass(frozen=True)
class LabelledQuestion:
    question: str
    article_id: str | None
    history: list[str]
    answerable: bool


def calibration_questions(path: Path) -> list[LabelledQuestion]:
    """The questions of split tune in a gold-format JSONL file, answerable or not."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        LabelledQuestion(
            str(r["question"]), r.get("article_id"), list(r.get("history") or []), bool(r.get("answerable", True))
        )
        for r in rows
        if r.get("split", "tune") == "tune"
    ]


def _real_rows(answerer: Answerer, questions: list[LabelledQuestion]) -> list[tuple[int, NDArray[np.float64]]]:
    """(label, features) of the questions asked as served; a question without words has no features."""
    rows = []
    for q in questions:
        if q.article_id is not None and answerer.served_article(q.article_id) is None:
            continue  # written for another corpus or an article no longer approved
        values = answerer.search(q.question, article_id=q.article_id, history=q.history).features
        if values is not None:
            rows.append((int(q.answerable), values))
    return rows


def _fit(matrix: NDArray[np.float64], labels: NDArray[np.int_], features: tuple[str, ...]) -> AnswerabilityModel:
    matrix = matrix[:, [COMPUTED.index(f) for f in features]]  # rows hold every feature computed
    scaler = StandardScaler().fit(matrix)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    classifier = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    classifier.fit((matrix - scaler.mean_) / scale, labels)
    return AnswerabilityModel.uncalibrated(scaler.mean_, scale, classifier.coef_[0], classifier.intercept_[0], features)


def train(
    answerer: Answerer,
    target_answered: float,
    calibration: Path | None = None,
    seed: int = 0,
    draws: int = DRAWS,
    floor_answered: float = FLOOR_ANSWERED,
) -> AnswerabilityModel | None:
    """The average of `draws` models, each trained on its own draw of free labels (`train_one`); None when the
    corpus is too small to learn from (no approved article, or one class missing)."""
    real = _real_rows(answerer, calibration_questions(calibration)) if calibration is not None else []
    generators = np.random.default_rng(seed).spawn(draws)
    # The draws are independent (each its own generator) and spend most of their time in the query encoder and
    # numpy, which release the GIL: one thread per core, the members kept in draw order.
    with ThreadPoolExecutor(max_workers=max(1, min(draws, os.cpu_count() or 1))) as pool:
        trained = list(pool.map(lambda rng: train_one(answerer, target_answered, rng, real, calibration), generators))
    members = [m for m, _ in filter(None, trained)]
    if not members:
        return None
    bag = average(members)
    scores = bag_scores([logits for _, logits in filter(None, trained)])
    floor = min(conformal_threshold(scores, floor_answered), bag.threshold)
    return bag.model_copy(update={"floor": floor, "floor_answered": floor_answered})


def bag_scores(held_out: list[dict[str, float]]) -> list[float]:
    """The averaged model's own calibration scores, each calibration question once, from each member's out-of-sample
    logits by question (`train_one`): a question's score is the mean logit of the members that did not learn from
    it, as the bag's logit is its members' mean. A real calibration question is scored out of fold by every member,
    so its score is the bag's cross-fitted one; a pseudo-question by the draws that held out its article.

    The floor is set on these (split-conformal, as each member's threshold is on its own): pooling the members'
    scores instead counted each real question once per draw and set the floor for scores the bag never gives."""
    by_question: dict[str, list[float]] = {}
    for logits in held_out:
        for question, logit in logits.items():
            by_question.setdefault(question, []).append(logit)
    return [logistic(float(np.mean(logits))) for logits in by_question.values()]


def average(members: list[AnswerabilityModel]) -> AnswerabilityModel:
    """One logistic model whose logit is the members' mean logit, and whose threshold is the mean of theirs on
    the logit scale: a question is answered when the members' margins over their own thresholds average ≥ 0."""
    mean = np.mean([m.mean for m in members], axis=0)
    scale = np.mean([m.scale for m in members], axis=0)
    raw = [np.asarray(m.coef) / np.asarray(m.scale) for m in members]  # each member's weights per raw feature unit
    weights = np.mean(raw, axis=0)
    intercept = float(np.mean([m.intercept - float(w @ np.asarray(m.mean)) for m, w in zip(members, raw, strict=True)]))
    bounded = np.clip([m.threshold for m in members], 1e-6, 1 - 1e-6)
    threshold = float(1 / (1 + np.exp(-np.mean(np.log(bounded / (1 - bounded))))))
    training: dict[str, int] = {}
    for member in members:
        for kind, count in member.training.items():
            training[kind] = training.get(kind, 0) + count
    first = members[0]
    return first.model_copy(
        update={
            "mean": [float(x) for x in mean],
            "scale": [float(x) for x in scale],
            "coef": [float(x) for x in weights * scale],
            "intercept": intercept + float(weights @ mean),
            "threshold": threshold,
            "calibration_questions": sum(m.calibration_questions for m in members),
            "training": training,
            "draws": len(members),
        }
    )


def train_one(
    answerer: Answerer,
    target_answered: float,
    rng: np.random.Generator,
    real: list[tuple[int, NDArray[np.float64]]],
    calibration: Path | None,
) -> tuple[AnswerabilityModel, dict[str, float]] | None:
    """One model on one draw of free labels, with the logits of the calibration questions that set its threshold, by
    question (None when a class is missing). Its floor is left to `train`, which sets it on the bag's (`bag_scores`).

    Without `calibration`, half of the pseudo-questions' source articles never train: their answerable
    pseudo-questions set the threshold (split-conformal; their swaps and left-out twins do train, which makes them
    look as hard as real questions do: cross-fitting them instead answered 63% of SciFact's claims, not 77%). With
    it, the real questions of split tune (answerable and not) train beside all the free labels, each as one more
    example, and set the threshold, cross-fitted: the model is fitted `FOLDS` times, each time without one fold of
    them, and scores that fold (cross-conformal; Vovk 2015); the served model learns from all. Real questions are
    harder than pseudo-questions (clinicians' words are not the claims'), so a threshold set on pseudo-questions
    answers fewer of them. Weighed as much as all the free labels together, their lay words taught the model that
    unknown words are harmless ("What is the capital of France?" was answered; eval/HISTORY.md, "Answerability,
    second pass")."""
    examples = make_examples(answerer, rng)
    vectors = answerer.encode_queries([e.question for e in examples])
    free: list[tuple[Example, NDArray[np.float64]]] = []
    for example, vector in zip(examples, vectors, strict=True):
        values = _features(answerer, example, vector)
        if values is not None:
            free.append((example, values))
    if not any(label == 1 for label, _ in real):
        real = []
    features = learnt_features(answerer.reader is not None)
    width = len(FEATURES) + (answerer.reader is not None)
    matrix = np.vstack([v for _, v in free] + [v for _, v in real]) if free or real else np.zeros((0, width))
    labels = np.array([e.label for e, _ in free] + [label for label, _ in real], dtype=np.int_)
    kinds = [e.kind for e, _ in free] + ["clinician question" if y else "clinician out of scope" for y, _ in real]
    if real:
        groups = [""] * len(free) + [f"real {i}" for i in range(len(real))]  # "": always trains
        logits = _cross_fitted_logits(matrix, labels, groups, rng, features)
        training = np.ones(len(labels), dtype=bool)
    else:
        articles = sorted({e.article_id for e, _ in free if e.label == 1})
        calibrating = set(rng.permutation(articles)[: len(articles) // 2]) if len(articles) > 1 else set()
        held_out = np.array([e.article_id in calibrating and e.label == 1 for e, _ in free], dtype=bool)
        training = ~held_out
        logits = {}
    if len(set(labels[training].tolist())) < 2 or not (logits or (~training).any()):
        log.warning("answerability: too few examples to train (%d); every question will be answered", len(labels))
        return None
    model = _fit(matrix[training], labels[training], features)
    if not real:
        held = [(e, v) for (e, v), t in zip(free, training, strict=True) if not t]
        logits = {f"{e.article_id} {e.asked_on_article} {e.question}": model.logit(v) for e, v in held}
    scores = [logistic(logit) for logit in logits.values()]
    trained = [kind for kind, t in zip(kinds, training, strict=True) if t]
    calibrated = model.model_copy(
        update={
            "threshold": conformal_threshold(scores, target_answered),
            "target_answered": target_answered,
            "calibration_questions": len(scores),
            "calibration_source": str(calibration) if real else "pseudo-questions",
            "training": {k: trained.count(k) for k in sorted(set(trained))},
        }
    )
    return calibrated, logits


def _cross_fitted_logits(
    matrix: NDArray[np.float64],
    labels: NDArray[np.int_],
    groups: list[str],
    rng: np.random.Generator,
    features: tuple[str, ...],
) -> dict[str, float]:
    """The answerable rows' logits by group, each from the model fitted without its group's fold (group "" never
    folds)."""
    named = sorted({g for g in groups if g})
    if len(named) < 2:
        return {}
    fold_of = dict(zip(rng.permutation(named).tolist(), [i % FOLDS for i in range(len(named))], strict=True))
    fold = np.array([fold_of.get(g, -1) for g in groups])
    logits: dict[str, float] = {}
    for k in range(min(FOLDS, len(named))):
        part = fold != k
        if len(set(labels[part].tolist())) < 2:
            continue
        model = _fit(matrix[part], labels[part], features)
        logits |= {groups[i]: model.logit(matrix[i]) for i in np.flatnonzero((fold == k) & (labels == 1))}
    return logits
