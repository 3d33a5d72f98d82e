"""Import MedQuAD (NIH question/answer pairs, CC BY 4.0) as approved articles: one per source document.

The article's question is the document's focus, each QA pair a section headed by its question, and its answer
one paragraph (the chunker splits long answers at sentence boundaries). Source fields go to `metadata`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.chunking import TokenCounter, chunk_article
from corpus.errors import CorpusError
from corpus.model import Article, Block, ReviewStatus, Section

# MedQuAD carries no review dates; the date of the snapshot the data set was read from stands in.
SNAPSHOT_DATE = dt.date(2023, 10, 17)


@dataclass(frozen=True)
class MedquadStats:
    documents: int
    answers: int


def article_id(doc_id: str) -> str:
    return "medquad-" + re.sub(r"[^a-z0-9]+", "-", doc_id.lower()).strip("-")


def readable_focus(focus: str) -> str:
    """ "color vision deficiency" → "Color vision deficiency"; names already capitalised are kept."""
    focus = re.sub(r"\s+", " ", focus).strip()
    return focus[:1].upper() + focus[1:] if focus else focus


def _tidy_question(question: str) -> str:
    return re.sub(r"\s+\?$", "?", re.sub(r"\s+", " ", question).strip())


def to_article(record: dict[str, Any], path: Path, line: int) -> Article:
    try:
        doc_id, focus, pairs = str(record["doc_id"]), str(record["focus"] or ""), record["qa_pairs"]
    except (KeyError, TypeError):
        raise CorpusError(path, "not a MedQuAD record: expected doc_id, focus and qa_pairs", line=line) from None
    sections = tuple(
        Section(
            title=_tidy_question(str(pair["question"])),
            level=2,
            blocks=(Block(kind="paragraph", text=" ".join(str(pair["answer"]).split())),),
        )
        for pair in pairs
        if str(pair.get("answer") or "").strip()
    )
    if not sections:
        raise CorpusError(path, f"{doc_id}: no answered question", line=line)
    return Article(
        id=article_id(doc_id),
        question=readable_focus(focus) or sections[0].title,
        status=ReviewStatus.APPROVED,
        last_updated=SNAPSHOT_DATE,
        url=record.get("url") or None,
        sections=sections,
        metadata={
            "source": "MedQuAD",
            "source_doc_id": doc_id,
            "source_name": record.get("source_name"),
            "focus": focus,
            "cuis": list(record.get("cuis") or []),
            "semantic_group": record.get("semantic_group"),
            "qtypes": [str(p.get("qtype")) for p in pairs],
        },
    )


def read_medquad(path: Path) -> Iterator[Article]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise CorpusError(path, f"malformed JSON: {exc.msg}", line=number) from None
                    yield to_article(record, path, number)
    except (OSError, EOFError) as exc:
        raise CorpusError(path, f"cannot read: {exc}") from None


def write_first_chunks(path: Path, out: Path, chunks: int, count_tokens: TokenCounter, max_tokens: int) -> int:
    """Writes the first MedQuAD documents as articles into `out` until they make at least `chunks` chunks (a
    corpus of a given size for tests and benchmarks); returns how many chunks they make."""
    from corpus.markdown import dump

    made = 0
    for article in read_medquad(path):
        dump(article, out / f"{article.id}.md")
        made += len(chunk_article(article, count_tokens, max_tokens))
        if made >= chunks:
            break
    return made
