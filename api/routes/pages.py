"""The clinician's page and the embeddable widget: static files shipped in the package (no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.deps import AnswererDep
from rag.answer import UnknownArticle

WEB = Path(__file__).resolve().parents[1] / "web"
PAGE = WEB / "page.html"

router = APIRouter(include_in_schema=False)
static = StaticFiles(directory=WEB)


@router.get("/", response_class=FileResponse)
def home() -> FileResponse:
    return FileResponse(PAGE, media_type="text/html")


@router.get("/articles/{article_id}", response_model=None)
def article_page(article_id: str, answerer: AnswererDep) -> FileResponse | HTMLResponse:
    """The page for an approved article; anything else is a plain 404 page (the page never shows it)."""
    try:
        answerer.approved_article(article_id)
    except UnknownArticle:
        return HTMLResponse(
            '<!doctype html><meta charset="utf-8"><title>Not found — Followup</title>'
            '<p>No approved article with this id. <a href="/">All articles</a></p>',
            status_code=404,
        )
    return FileResponse(PAGE, media_type="text/html")


@router.get("/widget/related.js", response_class=FileResponse)
def related_widget() -> FileResponse:
    return FileResponse(WEB / "widget.js", media_type="text/javascript")
