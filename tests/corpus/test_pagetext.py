from __future__ import annotations

from pathlib import Path

import pytest

from corpus.errors import CorpusError
from corpus.markdown import load
from corpus.model import ReviewStatus
from corpus.pagetext import import_page, parse_page
from tests.conftest import CORPUS, SEED_ID, SEED_PAGE

# Every bullet of the seed page, in order, with the citation numbers the page prints after it.
SEED_BULLETS = [
    ("Upadacitinib has been proven effective and is indicated for ankylosing spondylitis", (1,)),
    ("The 2022 GRAPPA guidelines extrapolate evidence", (1,)),
    ("In the SELECT-AXIS 1 trial, 52% of patients achieved ASAS40", (2,)),
    ("Efficacy was sustained through 1 year", (3,)),
    ("In SELECT-AXIS 2,45% achieved ASAS40 at week 14", (4,)),
    ("At week 52 in bDMARD-inadequate responders, 66% achieved ASAS40", (5,)),
    ("Efficacy was similar regardless of prior TNF inhibitor", (5,)),
    ("TNF inhibitors are contraindicated", (1,)),
    ("Patient preference favors oral therapy over injectable biologics", (2, 3)),
    ("Concomitant inflammatory bowel disease is present", (1,)),
    ("Swapping to JAK inhibitors including upadacitinib is recommended with 91% expert agreement", (1,)),
    ("This represents a change in mechanism of action", (1,)),
    ("Multiple options exist: dose escalation", (1,)),
    ("JAK inhibitors can be considered with 95-100% expert agreement", (1,)),
    ("TNF inhibitors (infliximab, adalimumab) remain first-line", (1,)),
    ("After anti-TNF failure, JAK inhibitors can be considered with 95% agreement", (1,)),
    ("Upadacitinib has dual indication", (1,)),
    ("After primary anti-TNF non-response, swapping to JAK inhibitors", (1,)),
    ("After secondary anti-TNF failure, JAK inhibitors can be considered with 100% agreement", (1,)),
    ("Treatment should focus on the rheumatological disease", (1,)),
    ("Week 14 adverse events: 48% with upadacitinib versus 46% with placebo", (4,)),
    ("Serious adverse events: 3% with upadacitinib versus 1% with placebo", (4,)),
    ("No serious infections, major adverse cardiovascular events", (3,)),
    ("Most common adverse event: increased creatine phosphokinase (9% versus 2% placebo)", (2,)),
    ("Herpes zoster occurred in 1% of patients", (4,)),
    ("Neutropenia occurred in 3% of patients", (4,)),
    ("Active serious infections require treatment before initiating upadacitinib", (6,)),
    ("Screen for latent tuberculosis, hepatitis B and C before initiation", (6, 7)),
    ("Baseline monitoring should include complete blood count", (6,)),
    ("Sulfasalazine and methotrexate are not recommended", (1,)),
    ("IL-17 inhibitors are absolutely contraindicated in active IBD", (7,)),
    ("Etanercept is ineffective in Crohn's disease", (1,)),
    ("Ongoing monitoring for signs of infection, particularly herpes zoster", (6,)),
    ("Monitor for venous thromboembolism signs", (6,)),
    ("Serial complete blood counts to assess for cytopenias", (6,)),
    ("Do not automatically discontinue unless serious infection or malignancy is confirmed", (6,)),
]


def test_importing_the_seed_gives_the_transcribed_article() -> None:
    assert import_page(SEED_PAGE) == load(CORPUS / "articles" / f"{SEED_ID}.md")


def test_every_seed_bullet_keeps_exactly_its_citations() -> None:
    article = import_page(SEED_PAGE)
    bullets = [b for s in article.walk_sections() for b in s.blocks if b.kind == "bullet"]
    assert len(bullets) == len(SEED_BULLETS)
    for bullet, (start, citations) in zip(bullets, SEED_BULLETS, strict=True):
        assert bullet.text.startswith(start)
        assert bullet.citations == citations, bullet.text


def test_numbers_inside_claims_are_not_citations() -> None:
    article = import_page(SEED_PAGE)
    texts = [b.text for s in article.walk_sections() for b in s.blocks]
    assert any(t.endswith("(p=0.0003; treatment difference 26%)") for t in texts)
    assert any(t.endswith("as-observed analyses at week 64") for t in texts)
    assert "Long-term safety through 1 year (237.6 patient-years exposure)" in [
        s.title for s in article.walk_sections()
    ]


def test_seed_head_and_sections() -> None:
    article = import_page(SEED_PAGE)
    assert article.id == SEED_ID
    assert article.question.startswith("Can upadacitinib (Janus kinase inhibitor) be used")
    assert article.status is ReviewStatus.APPROVED
    assert article.last_updated.isoformat() == "2026-01-09"
    assert article.answer[0].citations == (1,)
    assert [s.title for s in article.sections][:2] == [
        "Evidence Supporting Use in Axial SpA",
        "Clinical Trial Efficacy Data",
    ]
    assert len(article.related) == 11
    assert {r.number for r in article.references} == set(range(1, 8))


def test_boilerplate_is_dropped() -> None:
    article = import_page(SEED_PAGE)
    text = " ".join(b.text for s in article.walk_sections() for b in s.blocks)
    for boilerplate in ("Personalize", "Medical Advisory Board", "Dr.Oracle", "Have a follow-up question"):
        assert boilerplate not in text


def test_status_is_the_furthest_stage_listed() -> None:
    page = SEED_PAGE.read_text(encoding="utf-8").replace("Under Review\nApproved\n", "Under Review\n")
    assert parse_page(page, "x").status is ReviewStatus.UNDER_REVIEW


def test_page_without_date_is_a_clear_error(tmp_path: Path) -> None:
    page = tmp_path / "001_broken.txt"
    page.write_text("A question?\n\nArticle Review Status\nSubmitted\n\nSome text.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"001_broken.txt: no 'Last updated"):
        import_page(page)
