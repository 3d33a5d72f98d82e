"""The one index build: `index.builder` writes a generation of the articles, and what is learnt from the built
index before it is published (the answerability model) is learnt here, so every generation carries its own
calibrated abstention. The CLI, eval, the benchmarks and the tests all build through `build_index`."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from index.builder import ArticleSource, BuildReport, Learner, load_articles, write_index
from index.embed_cache import Encoder
from index.embedder import Embedder
from index.store import LoadedIndex
from rag.answer import Answerer
from rag.answerability import MODEL_FILE
from rag.answerability_training import TRAINING_KEY, train
from rag.reader.rerank import reader_key
from rag.settings import PipelineSettings

log = logging.getLogger(__name__)


def answerability_learner(settings: PipelineSettings, embedder: Embedder) -> Learner | None:
    """Trains on the built index with the query encoder the server will use; None with abstention off (nothing
    would read the model)."""
    build, retrieval = settings.index, settings.retrieval
    if not retrieval.abstention:
        return None

    def learn(index: LoadedIndex) -> dict[str, bytes]:
        # The draws run one per core (rag/answerability_training.py): a reader of several threads in each would
        # put more threads than cores on every batch.
        untrained = retrieval.model_copy(update={"abstention": False, "reader_threads": 1})
        encoder = settings.served_query_encoder()
        answerer = Answerer(index, embedder, untrained, settings.related, query_encoder=encoder)
        model = train(
            answerer,
            build.answerability_target,
            build.answerability_calibration,
            draws=build.answerability_draws,
            floor_answered=build.answerability_floor_target,
        )
        if model is None:
            return {}
        log.info(
            "answerability: threshold %.3f, floor %.3f, %d draws averaged, trained on (summed over draws) %s",
            model.threshold,
            model.floor,
            model.draws,
            model.training,
        )
        model = model.model_copy(update={"reader": learnt_reader(settings)})
        return {MODEL_FILE: model.model_dump_json(indent=2).encode()}

    calibration = build.answerability_calibration
    calibration_hash = hashlib.sha256(calibration.read_bytes()).hexdigest() if calibration else ""
    # Everything that shapes the model besides the index: how it is trained, the retrieval it is trained on.
    learnt = [build.model_dump_json(exclude=_NOT_LEARNT), retrieval.model_dump_json(exclude=_NOT_LEARNT)]
    key = "\n".join([TRAINING_KEY, calibration_hash, *learnt, learnt_reader(settings)])
    return Learner("answerability", key, learn)


def learnt_reader(settings: PipelineSettings) -> str:
    """The reader the answerability model learns from (its weights by checksum), for keys of learnt stages."""
    retrieval = settings.retrieval
    return reader_key(retrieval.reader, retrieval.reader_path, retrieval.reader_top_n)


# Settings that never change what a build learns (where things are, how many at a time).
_NOT_LEARNT = {
    "reader_threads",
    "reader_path",  # the reader's weights are in the key (`learnt_reader`), not where they lie
    "answerability_calibration",  # its content is in the key, not where it lies
    "index_dir",
    "corpus_dir",
    "embed_batch_size",
    "query_threads",
}


def build_index(
    corpus: Path | ArticleSource,
    index_dir: Path,
    settings: PipelineSettings,
    embedder: Embedder,
    *,
    strict: bool = False,
    embedding_cache: Path | None = None,
    encoder: Encoder | None = None,
) -> BuildReport:
    """Indexes a corpus folder (invalid articles skipped with a warning, or fatal with `strict`) or articles read
    elsewhere into a new generation of `index_dir`, and publishes it.

    `encoder`: what embeds the texts the cache has not seen (e.g. `index.ray_embed.RayEncoder`). A stage whose
    inputs are those of a kept generation (the vocabulary, the answerability model) is reused from it."""
    source = corpus if isinstance(corpus, ArticleSource) else load_articles(corpus, strict)
    return write_index(
        source,
        index_dir,
        settings.index,
        embedder,
        embedding_cache=embedding_cache,
        learner=answerability_learner(settings, embedder),
        encoder=encoder,
    )
