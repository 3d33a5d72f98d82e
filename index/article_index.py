"""Article-level representations for related questions: one dense vector and one BM25 document per article.

Each article is read as its question, its section headings and the start of its short answer, so "which articles
are about the same thing" is one lookup over a few thousand rows instead of a passage search. Vectors are stored,
so finding the articles related to an article costs no embedding at query time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from corpus.model import Article
from index.bm25 import Bm25Index
from index.dense import DenseIndex
from index.embed_cache import Encoder
from index.tokenize import StopwordSet

ARTICLE_IDS = "article_ids.json"
ARTICLE_BM25_DIR = "article_bm25"
ARTICLE_DENSE = "article_dense.faiss"
SUMMARY_WORDS = 60


def article_text(article: Article) -> str:
    """Question, then headings (the topics it covers), then the first words of its answer summary."""
    headings = [section.title for section in article.walk_sections()]
    blocks = article.answer or next((s.blocks for s in article.walk_sections() if s.blocks), ())
    summary = " ".join(" ".join(block.text for block in blocks).split()[:SUMMARY_WORDS])
    return "\n".join(part for part in (article.question, "; ".join(headings), summary) if part)


@dataclass
class ArticleIndex:
    """Row `i` of both indexes is article `ids[i]`."""

    ids: list[str]
    bm25: Bm25Index
    dense: DenseIndex

    def __post_init__(self) -> None:
        self.rows = {article_id: row for row, article_id in enumerate(self.ids)}

    @classmethod
    def build(
        cls,
        articles: list[Article],
        encode: Encoder,
        *,
        method: str,
        k1: float,
        b: float,
        stopwords: StopwordSet,
        stem: bool,
        normalize: bool = True,
    ) -> ArticleIndex:
        texts = [article_text(a) for a in articles]
        vectors = encode(texts)
        bm25 = Bm25Index.build(texts, method, k1, b, stopwords, stem, normalize=normalize)
        return cls([a.id for a in articles], bm25, DenseIndex.build(vectors))

    def save(self, directory: Path) -> None:
        (directory / ARTICLE_IDS).write_text(json.dumps(self.ids), encoding="utf-8")
        self.bm25.save(directory / ARTICLE_BM25_DIR)
        self.dense.save(directory / ARTICLE_DENSE)

    @staticmethod
    def present(files: dict[str, str]) -> bool:
        """Whether a generation's manifest lists the article artifacts (benchmarks/scale.py writes none)."""
        return ARTICLE_IDS in files and ARTICLE_DENSE in files

    @classmethod
    def load(cls, directory: Path, stopwords: StopwordSet, stem: bool, normalize: bool = True) -> ArticleIndex:
        ids = json.loads((directory / ARTICLE_IDS).read_text(encoding="utf-8"))
        bm25 = Bm25Index.load(directory / ARTICLE_BM25_DIR, len(ids), stopwords, stem, normalize=normalize)
        dense = DenseIndex.load(directory / ARTICLE_DENSE)
        if dense.size != len(ids):
            raise ValueError(f"{directory}: {dense.size} article vectors for {len(ids)} articles")
        return cls(list(ids), bm25, dense)

    def vector(self, article_id: str) -> NDArray[np.float32]:
        vector: NDArray[np.float32] = self.dense.vectors([self.rows[article_id]])[0]
        return vector
