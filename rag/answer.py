"""From a question to the answer object. The one retrieval pipeline: the server, `followup ask`, `followup eval`
and the benchmarks all rank through `Answerer.search`.

    question ─┬─ plain query ──────── Ranker (retrieve + fuse) ─┬─ context.merge ─┬─ approved rows, best first
              └─ contextual query ─── Ranker (open article's ───┘                 │
                                      answer as plain ranks it)                   │
    plain query's candidates ── answerability (rag/answerability.py) ─────────────┴─ Answer (passages, caveat)

Every ranking is computed whole and only then cut, so `top_k` never changes the order (rag/ranking.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray

from corpus.model import Article, ReviewStatus
from index.embedder import Embedder
from index.onnx_encoder import QueryEncoder
from index.overrides import OverrideStore
from index.store import IndexUnavailable, LoadedIndex
from rag.answerability import AnswerabilityModel, QuestionTerms, corpus_centroid, features
from rag.context import context_parts, contextual_query, merge, placed_as_plain
from rag.language.completions import Completions
from rag.language.interrogatives import interrogative_terms
from rag.outcome import NOT_ANSWERED, Decision, decide
from rag.passages import to_passage
from rag.ranking import Ranker, Retrieved
from rag.reader.rerank import load_reader, reader_key, reread
from rag.related import RelatedFinder
from rag.servable import Servable
from rag.settings import RelatedSettings, RetrievalSettings
from rag.types import DEFAULT_TOP_K, Answer, FusedHit, Mode, Outcome
from rag.unmentioned import unmentioned as unmentioned_names

_WORD = re.compile(r"\w", re.UNICODE)
# A follow-up's contextual query is embedded on another core while the plain question is embedded and ranked: its
# text (the article's question, earlier turns, the question) costs ~12-17 ms of int8 ONNX against ~5 ms for the
# question alone, so a follow-up at low load waits for the longer of the two, not their sum. ONNX and torch release
# the GIL while they run; under full load the cores are busy either way.
_CONTEXTUAL_ENCODING = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="contextual-query")


class UnknownArticle(LookupError):
    """An `article_id` that is not an approved article of the served index."""


@dataclass(frozen=True)
class Ranked:
    """Servable chunk rows best first (the whole ranking: show a prefix), and whether any approved article
    answers the question at all (rag/outcome.py)."""

    hits: list[FusedHit]
    answerability: float
    decision: Decision
    features: NDArray[np.float64] | None = None
    unmentioned: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        return self.decision.outcome is Outcome.ANSWERED


class Answerer:
    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        settings: RetrievalSettings,
        related: RelatedSettings,
        overrides: OverrideStore | None = None,
        query_encoder: QueryEncoder | None = None,
    ) -> None:
        if index.manifest.model.dim != embedder.dim:
            raise IndexUnavailable(
                f"index was built with {index.manifest.model.name} ({index.manifest.model.dim}-d) but the "
                f"configured model {embedder.name} is {embedder.dim}-d: rebuild the index or set FOLLOWUP_MODEL_PATH"
            )
        self.index = index
        self.settings = settings
        self.embedder = embedder
        # Questions may be embedded by another runtime of the same model (index/onnx_encoder.py); passages never.
        self.encode_queries: QueryEncoder = query_encoder or embedder.encode
        self.ranker = Ranker(index, settings)
        self.servable = Servable(index, overrides)
        self.answerability_model = AnswerabilityModel.load(index.directory) if settings.abstention else None
        self.reader = load_reader(settings.reader_path, settings.reader_threads) if settings.reader else None
        model = self.answerability_model
        if model is not None:
            serving = reader_key(settings.reader, settings.reader_path, settings.reader_top_n)
            if model.reader != serving:
                setting = f"FOLLOWUP_READER={str(model.reads_reader).lower()}"
                raise IndexUnavailable(
                    f"the index's answerability model learnt from {model.reader!r} and this server runs {serving!r}: "
                    f"serve it as it was built ({setting}, the same FOLLOWUP_READER_PATH and FOLLOWUP_READER_TOP_N) "
                    "or rebuild the index"
                )
        self._bm25_saturation = index.manifest.bm25.k1 + 1
        self._centroid = corpus_centroid(index.dense)
        self._interrogatives = interrogative_terms(index.bm25.tokenize)
        self._completions = Completions(index.bm25)
        foreign = index.vocabulary.foreign if index.vocabulary is not None else ()
        # The terms of the medical words the corpus lacks: the answerability feature `foreign_medical`.
        self._foreign_terms = frozenset(term for word in foreign for term in index.bm25.tokenize(word))
        self.related = (
            RelatedFinder(index.article_index, self.encode_queries, self.served_article, related)
            if index.article_index is not None
            else None
        )

    def is_servable(self, article_id: str) -> bool:
        """The approval decision (effective status approved); see `rag.servable`."""
        return self.servable.is_servable(article_id)

    def served_article(self, article_id: str) -> Article | None:
        """The article as served (with its effective status), or None if it may not be served now."""
        article = self.index.articles.get(article_id)
        if article is None or not self.is_servable(article_id):
            return None
        return article if article.is_approved else article.model_copy(update={"status": ReviewStatus.APPROVED})

    def approved_article(self, article_id: str) -> Article:
        article = self.served_article(article_id)
        if article is None:
            raise UnknownArticle(article_id)
        return article

    def search(
        self,
        question: str,
        *,
        article_id: str | None = None,
        history: Sequence[str] = (),
        mode: Mode = Mode.HYBRID,
        vector: NDArray[np.float32] | None = None,
        blocked: frozenset[int] = frozenset(),
    ) -> Ranked:
        """The whole ranking of servable passages, and the answerability of the plain question.

        `vector`: the plain question already embedded by `encode_queries` (evaluation embeds in batches).
        `blocked`: rows to treat as unservable besides those the review status blocks (leave-one-article-out).
        """
        article = self.approved_article(article_id) if article_id is not None else None
        parts = context_parts(article, history)
        contextual = contextual_query(question, parts)
        embedding = _CONTEXTUAL_ENCODING.submit(self.encode_queries, [contextual]) if contextual is not None else None
        plain_vector = vector if vector is not None else self.encode_queries([question])[0]
        blocked = self.servable.blocked_rows() | blocked
        plain = self.ranker.retrieve(question, plain_vector, blocked)
        plain_ranking = self.ranker.fuse(plain, mode)
        plain_hybrid = plain_ranking if mode is Mode.HYBRID else None  # answerability reads the plain question
        centroid_cosine = float(plain_vector @ self._centroid) if len(self._centroid) else 0.0
        values = self._answerability_features(question, plain, plain_hybrid, article, centroid_cosine)
        hits = plain_ranking
        if contextual is not None:  # everything above overlaps the contextual query's embedding
            assert embedding is not None
            contextual_vector = embedding.result()[0]
            # The clinician asks for a kind of answer, the article's question does not ("Is one month sufficient…?"
            # would make every follow-up on its page ask for a duration).
            # The short answer echoes the article's question, which the contextual query holds.
            echo = self._answer_rows(article)
            contextual_ranking = self.ranker.rank(contextual, contextual_vector, mode, blocked | echo, asking=question)
            hits = merge(hits, placed_as_plain(contextual_ranking, hits, echo), self.settings.rrf_k)
        if self.reader is not None:  # the question as the clinician asked it, beside each of the top passages
            n = self.settings.reader_top_n
            if mode is Mode.HYBRID:
                read = reread(self.reader, question, hits, self.index.chunks, n)
                hits = read.hits
            else:  # a one-retriever ranking is a baseline: kept as it is, the feature read on the hybrid one
                fused = self.ranker.fuse(plain, Mode.HYBRID)
                read = reread(self.reader, question, fused, self.index.chunks, n)
            if values is not None:
                values = np.append(values, read.best_logit)
        answerability = self._answerability(values)
        unmentioned = unmentioned_names(question, self.index.mentions, self.servable.any_servable)
        decision = decide(
            answerability,
            self.answerability_model,
            has_words=bool(_WORD.search(question)),  # not only punctuation, control characters or blanks
            unmentioned=unmentioned,
        )
        return Ranked(hits, answerability, decision, values, tuple(unmentioned))

    def _answer_rows(self, article: Article | None) -> frozenset[int]:
        """The rows of the article's short answer (the text under its question, before any section)."""
        if article is None:
            return frozenset()
        heading = (article.answer_heading,) if article.answer_heading else ()
        chunks = self.index.chunks
        return frozenset(r for r in self.servable.rows_of(article.id) if chunks.section_of(r) == heading)

    def _answerability(self, values: NDArray[np.float64] | None) -> float:
        if values is None:
            return 0.0  # no words to answer
        if self.answerability_model is None:
            return 1.0  # an index built without the model (or abstention off): answer what has words
        return self.answerability_model.probability(values)

    def _answerability_features(
        self,
        question: str,
        plain: Retrieved,
        plain_hybrid: list[FusedHit] | None,
        article: Article | None,
        centroid_cosine: float,
    ) -> NDArray[np.float64] | None:
        """The answerability features of the plain question (the reader's, read after ranking, come last)."""
        terms = self.index.bm25.tokenize(question)
        if not terms or not _WORD.search(question):
            return None
        # Coverage is of what the question is about: a wh-word the corpus happens to use ("what") would otherwise
        # be the covered rarest term of "What is the capital of France?". A question of wh-words only keeps them.
        terms = [t for t in terms if t not in self._interrogatives] or terms
        bm25, completions = self.index.bm25, self._completions
        linked = self.ranker.bm25.linked_terms(question)
        question_terms = QuestionTerms.of(
            terms,
            bm25.document_frequencies,
            max(bm25.size, 1),
            lambda term: sorted(linked.get(term, set()) | {(c,) for c in completions(term)}),
            self._foreign_terms,
        )
        fused = plain_hybrid if plain_hybrid is not None else self.ranker.fuse(plain, Mode.HYBRID)
        candidates = [self.index.chunks.article_id(fused[0].row)] if fused else []
        candidates += [article.id] if article is not None else []
        coverings = [question_terms.covered(partial(self._held_by_article, a)) for a in candidates]
        return features(question_terms, plain, fused, coverings, self._bm25_saturation, centroid_cosine)

    def _held_by_article(self, article_id: str, terms: list[str]) -> NDArray[np.bool_]:
        return self.ranker.bm25.held_by(terms, self.servable.rows_of(article_id))

    def ask(
        self,
        question: str,
        *,
        article_id: str | None = None,
        history: Sequence[str] = (),
        top_k: int = DEFAULT_TOP_K,
        mode: Mode = Mode.HYBRID,
    ) -> Answer:
        ranked = self.search(question, article_id=article_id, history=history, mode=mode)
        decision = ranked.decision
        shown = self.servable_prefix(ranked.hits, top_k) if decision.shows_passages else []
        passages = [to_passage(self.index, rank, hit) for rank, hit in enumerate(shown, start=1)]
        if decision.shows_passages and not passages:  # nothing servable left (every article retracted meanwhile)
            decision = Decision(Outcome.DECLINED, NOT_ANSWERED)
        return Answer(
            question=question,
            answered=decision.outcome is Outcome.ANSWERED,
            outcome=decision.outcome,
            reason=decision.reason,
            answerability=round(ranked.answerability, 4),
            passages=passages,
            unmentioned=list(ranked.unmentioned),
            index_version=self.index.version,
        )

    def servable_prefix(self, hits: list[FusedHit], top_k: int) -> list[FusedHit]:
        """The first `top_k` hits whose article is servable under the latest overrides (checked again on the
        final list, so nothing unapproved is ever served even if an override changed mid-request)."""
        shown: list[FusedHit] = []
        for hit in hits:
            if len(shown) == top_k:
                break
            if self.is_servable(self.index.chunks.article_id(hit.row)):
                shown.append(hit)
        return shown
