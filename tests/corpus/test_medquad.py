from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from corpus.errors import CorpusError
from corpus.markdown import dumps, load, loads
from corpus.medquad import article_id, read_medquad
from corpus.model import ReviewStatus

SHARED = Path(os.environ.get("FOLLOWUP_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
MEDQUAD = SHARED / "data" / "medquad" / "medquad.jsonl.gz"

# A record shaped like MedQuAD's, written by us.
RECORD = {
    "doc_id": "9_Sample_QA/0000001",
    "source": "9_Sample_QA",
    "source_name": "Sample",
    "url": "https://example.org/condition-z",
    "focus": "condition Z",
    "cuis": ["C0000001"],
    "semantic_group": "Disorders",
    "qa_pairs": [
        {
            "pid": "1",
            "qid": "1-1",
            "qtype": "information",
            "question": "What is (are) condition Z ?",
            "answer": "Condition Z is a made-up disorder.\n- It is rare.\n# Not a heading",
        },
        {
            "pid": "2",
            "qid": "1-2",
            "qtype": "treatment",
            "question": "What are the treatments for condition Z ?",
            "answer": "Rest and fluids.",
        },
    ],
}


def write_records(path: Path, records: list[object]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in records)
    return path


def test_record_becomes_an_approved_article_with_one_section_per_answer(tmp_path: Path) -> None:
    (article,) = read_medquad(write_records(tmp_path / "m.jsonl.gz", [RECORD]))
    assert article.id == article_id("9_Sample_QA/0000001") == "medquad-9-sample-qa-0000001"
    assert article.question == "Condition Z"
    assert article.status is ReviewStatus.APPROVED
    assert [s.title for s in article.sections] == [
        "What is (are) condition Z?",
        "What are the treatments for condition Z?",
    ]
    assert article.url == "https://example.org/condition-z"
    assert article.metadata["source_doc_id"] == "9_Sample_QA/0000001"


def test_imported_article_round_trips_through_markdown(tmp_path: Path) -> None:
    from corpus.markdown import dump

    (article,) = read_medquad(write_records(tmp_path / "m.jsonl.gz", [RECORD]))
    dump(article, tmp_path / "a.md")
    assert load(tmp_path / "a.md") == article


def test_bad_record_names_the_line(tmp_path: Path) -> None:
    path = write_records(tmp_path / "m.jsonl.gz", [RECORD, {"nope": 1}])
    with pytest.raises(CorpusError, match=r"m\.jsonl\.gz:2: not a MedQuAD record"):
        list(read_medquad(path))


@pytest.mark.slow  # reads and chunks all 5,486 documents
@pytest.mark.skipif(not MEDQUAD.is_file(), reason=f"MedQuAD not found at {MEDQUAD} (../shared is absent here)")
def test_every_medquad_document_and_answer_lands() -> None:
    articles = list(read_medquad(MEDQUAD))
    assert len(articles) == 5486
    assert sum(len(a.sections) for a in articles) == 16407
    assert len({a.id for a in articles}) == 5486
    # What the importer writes reads back as the same article (no answer text taken for a citation, heading, …).
    assert all(loads(dumps(a)) == a for a in articles)
