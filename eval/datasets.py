"""Gold question sets: BEIR-format folders and our own JSONL gold format."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from corpus.model import Article, Block, ReviewStatus

# BEIR documents carry no review date; a fixed one keeps their articles (and index cache key) deterministic.
_UNDATED = dt.date(1970, 1, 1)


class DatasetError(ValueError):
    """A gold set that cannot be read; the message names the file and the problem."""


class Scope(StrEnum):
    """Why a question has no approved answer: it is about something else entirely, or it is a near miss (a drug,
    indication or population next to what the corpus covers), which is much harder to decline."""

    OFF_TOPIC = "off_topic"
    NEAR_MISS = "near_miss"


class GoldSplit(StrEnum):
    """Settings are chosen on `tune` questions only; `report` figures come from questions that chose nothing."""

    TUNE = "tune"
    REPORT = "report"


class GoldQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    question: str = Field(min_length=1)
    article_id: str | None = None
    history: list[str] = Field(default_factory=list)
    relevant: list[str] = Field(default_factory=list)
    answerable: bool = True
    scope: Scope | None = None  # set exactly when the question is not answerable
    split: GoldSplit = GoldSplit.TUNE

    @model_validator(mode="after")
    def _scope_matches_answerable(self) -> GoldQuestion:
        if self.answerable == (self.scope is not None):
            raise ValueError("scope is given exactly for questions that are not answerable")
        return self


class BeirSet(BaseModel):
    name: str
    corpus: dict[str, tuple[str, str]]  # doc id → (title, text)
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for doc_id in sorted(self.corpus):
            title, text = self.corpus[doc_id]
            digest.update(f"{doc_id}\x1f{title}\x1f{text}\x1e".encode())
        return digest.hexdigest()

    def limited(self, count: int) -> BeirSet:
        """The first `count` queries (the corpus stays whole, so scores stay comparable)."""
        keep = list(self.queries)[:count]
        return self.model_copy(
            update={"queries": {q: self.queries[q] for q in keep}, "qrels": {q: self.qrels[q] for q in keep}}
        )

    def articles(self) -> list[Article]:
        """Each document as an approved article: the title is its question, the text its answer."""
        return [
            Article(
                id=doc_id,
                question=title.strip() or text[:80],
                status=ReviewStatus.APPROVED,
                last_updated=_UNDATED,
                answer=(Block(kind="paragraph", text=text.strip()),),
            )
            for doc_id, (title, text) in self.corpus.items()
            if text.strip()
        ]


def _jsonl(path: Path) -> list[dict[str, object]]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"{path}:{number}: malformed JSON ({exc.msg})") from None
    return rows


def load_beir(folder: Path, split: str) -> BeirSet:
    """`corpus.jsonl` (`_id`, `title`, `text`), `queries.jsonl`, `qrels/<split>.tsv` with a header row."""
    for name in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (folder / name).is_file():
            raise DatasetError(f"{folder / name}: not found (a BEIR folder has corpus.jsonl, queries.jsonl, qrels/)")
    corpus = {
        str(r["_id"]): (str(r.get("title") or ""), str(r.get("text") or "")) for r in _jsonl(folder / "corpus.jsonl")
    }
    all_queries = {str(r["_id"]): str(r["text"]) for r in _jsonl(folder / "queries.jsonl")}
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels" / f"{split}.tsv").open(encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t")
        next(reader, None)
        for number, row in enumerate(reader, start=2):
            if len(row) < 3:
                raise DatasetError(f"{folder / 'qrels' / split}.tsv:{number}: expected query-id, corpus-id, score")
            if int(row[2]) > 0:
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    missing = [q for q in qrels if q not in all_queries]
    if missing:
        raise DatasetError(f"{folder}: qrels name query {missing[0]!r}, which is not in queries.jsonl")
    queries = {q: all_queries[q] for q in qrels}
    return BeirSet(name=folder.name, corpus=corpus, queries=queries, qrels=qrels)


def load_gold(path: Path) -> list[GoldQuestion]:
    questions = []
    for number, row in enumerate(_jsonl(path), start=1):
        try:
            questions.append(GoldQuestion.model_validate(row))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise DatasetError(f"{path}:{number}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise DatasetError(f"{path}: duplicate question ids")
    return questions
