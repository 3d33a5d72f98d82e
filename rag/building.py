"""Index builds as the server needs them: `index.builder` plus what is learnt from the built index before it is
published (the answerability model), so every generation carries its own calibrated abstention."""

from __future__ import annotations

import logging
from pathlib import Path

from corpus.model import Article
from index.builder import ArtifactHook, BuildReport
from index.builder import build_from_articles as build_articles_only
from index.builder import build_index as build_corpus_only
from index.embed_cache import Encoder
from index.embedder import Embedder
from index.onnx_encoder import configured_query_encoder
from index.settings import Settings
from index.store import LoadedIndex, Skipped
from rag.answer import Answerer
from rag.answerability import MODEL_FILE
from rag.answerability_training import train

log = logging.getLogger(__name__)


def answerability_learner(settings: Settings, embedder: Embedder) -> ArtifactHook:
    """Trains on the built index with the query encoder the server will use."""

    def learn(index: LoadedIndex) -> dict[str, bytes]:
        untrained = settings.model_copy(update={"abstention": False})
        answerer = Answerer(index, embedder, untrained, query_encoder=configured_query_encoder(settings))
        model = train(
            answerer,
            settings.answerability_target,
            settings.answerability_calibration,
            draws=settings.answerability_draws,
        )
        if model is None:
            return {}
        log.info(
            "answerability: threshold %.3f, %d draws averaged, trained on (summed over draws) %s",
            model.threshold,
            model.draws,
            model.training,
        )
        return {MODEL_FILE: model.model_dump_json(indent=2).encode()}

    return learn


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    settings: Settings,
    embedder: Embedder,
    strict: bool = False,
    embedding_cache: Path | None = None,
    encoder: Encoder | None = None,
) -> BuildReport:
    """`encoder`: what embeds the texts the cache has not seen (e.g. `index.ray_embed.RayEncoder`)."""
    return build_corpus_only(
        corpus_dir,
        index_dir,
        settings,
        embedder,
        strict,
        embedding_cache,
        learn=answerability_learner(settings, embedder),
        encoder=encoder,
    )


def build_from_articles(
    articles: list[Article],
    index_dir: Path,
    settings: Settings,
    embedder: Embedder,
    *,
    source: str,
    source_hash: str,
    skipped: list[Skipped] | None = None,
    embedding_cache: Path | None = None,
) -> BuildReport:
    return build_articles_only(
        articles,
        index_dir,
        settings,
        embedder,
        source=source,
        source_hash=source_hash,
        skipped=skipped,
        embedding_cache=embedding_cache,
        learn=answerability_learner(settings, embedder),
    )
