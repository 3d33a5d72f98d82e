from __future__ import annotations

from pathlib import Path

import pytest

from corpus.errors import CorpusError
from corpus.loader import article_paths, load_article, load_corpus
from corpus.markdown import dumps, loads, render_body, split_citation_marker
from corpus.model import ReviewStatus
from tests.conftest import CORPUS

GOOD = """---
id: a1
question: Does drug X help?
status: approved
last_updated: 2026-02-01
references:
  1: Sample reference one.
  2: Sample reference two.
related: []
---

# Short answer

Yes, it helps. [1]

## Evidence

### Trials

- Drug X improved the score by 10% at week 12 [1, 2]
- A second claim that wraps
  onto a second line [2]
"""


def write(tmp_path: Path, text: str, name: str = "a1.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_split_citation_marker() -> None:
    assert split_citation_marker("before initiation [6, 7]") == ("before initiation", (6, 7))
    assert split_citation_marker("52% at week 14") == ("52% at week 14", ())


def test_parses_sections_and_claims() -> None:
    article = loads(GOOD)
    assert article.answer_heading == "Short answer"
    assert article.answer[0].citations == (1,)
    trials = article.sections[0].subsections[0]
    assert trials.title == "Trials"
    assert [b.citations for b in trials.blocks] == [(1, 2), (2,)]
    assert trials.blocks[1].text == "A second claim that wraps onto a second line"


def test_round_trip_is_exact() -> None:
    article = loads(GOOD)
    assert loads(dumps(article)) == article


def test_block_spans_point_at_their_text() -> None:
    article = loads(GOOD)
    body, spans = render_body(article)
    assert [body[s.start : s.end] for s in spans] == [s.block.text for s in spans]


def test_json_articles_load_like_markdown(tmp_path: Path) -> None:
    import json

    markdown_article = loads(GOOD)
    fields = {
        "id": "a1",
        "question": "Does drug X help?",
        "status": "approved",
        "last_updated": "2026-02-01",
        "references": {"1": "Sample reference one.", "2": "Sample reference two."},
        "related": [],
        "body": GOOD.split("---\n", 2)[2],
    }
    path = write(tmp_path, json.dumps(fields), "a1.json")
    assert load_article(path) == markdown_article


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("status: approved", "status: published"), r"a1.md:4: unknown status 'published'"),
        (GOOD.replace("question: Does drug X help?\n", ""), r"a1.md: missing 'question'"),
        (GOOD.replace("related: []", "related: [unclosed"), r"a1.md:\d+: malformed front matter"),
        (
            GOOD.replace("  2: Sample reference two.\n", ""),
            r"a1.md:\d+: citation \[2\] has no reference entry",
        ),
        (GOOD.split("# Short answer")[0], r"a1.md: empty body"),
        (GOOD.replace("---\n", "", 1), r"a1.md:1: no front matter"),
    ],
)
def test_invalid_articles_name_the_file_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        load_article(write(tmp_path, text))


def test_duplicate_ids_are_reported(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "one.md")
    write(tmp_path, GOOD, "two.md")
    loaded = load_corpus(tmp_path)
    assert len(loaded.articles) == 1
    assert "two.md: duplicate id 'a1'" in str(loaded.errors[0])


def test_sample_corpus_is_valid_and_has_unapproved_articles() -> None:
    loaded = load_corpus(CORPUS)
    assert loaded.errors == []
    assert len(loaded.articles) >= 9
    assert sum(not a.is_approved for a in loaded.articles) >= 2
    assert all(a.references for a in loaded.articles)
    assert {a.status for a in loaded.articles} >= {ReviewStatus.APPROVED}
    assert all(p.name != "README.md" for p in article_paths(CORPUS))


def test_paragraphs_that_look_like_markup_round_trip() -> None:
    from corpus.model import Article, Block, Section

    article = loads(GOOD)
    tricky = Section(
        title="Lists",
        level=2,
        blocks=(Block(kind="paragraph", text="- not a bullet"), Block(kind="paragraph", text="# not a heading")),
    )
    changed = Article.model_validate({**article.model_dump(), "sections": (*article.sections, tricky)})
    assert loads(dumps(changed)) == changed


def test_text_ending_in_brackets_is_not_read_back_as_a_citation() -> None:
    from corpus.model import Article, Block, Section

    article = loads(GOOD)
    section = Section(
        title="Source notes",
        level=2,
        blocks=(
            Block(kind="paragraph", text="See the registry entry [3150]"),
            Block(kind="bullet", text="A claim quoting [12]", citations=(2,)),
        ),
    )
    changed = Article.model_validate({**article.model_dump(), "sections": (*article.sections, section)})
    assert loads(dumps(changed)) == changed
    body, spans = render_body(changed)
    assert [body[s.start : s.end] for s in spans] == [s.block.text for s in spans]
