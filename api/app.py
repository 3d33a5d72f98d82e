"""The FastAPI application: loads the current index generation and the model once, at start-up."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import metrics
from api.body_limit import BodySizeLimit
from api.metrics import IndexFacts, Metrics
from api.routes import articles, ask, health
from api.telemetry import RequestTelemetry, route_templates
from index.embedder import Embedder
from index.settings import Settings
from index.store import load_index
from rag.answer import Answerer

log = logging.getLogger("followup.api")


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        index = load_index(settings.index_dir)
        embedder = Embedder(settings.resolved_model_path(), settings.embed_batch_size)
        app.state.answerer = Answerer(index, embedder, settings)
        log.info("serving index %s (%d chunks)", index.version, len(index.chunks))
        yield

    app = FastAPI(
        title="Followup",
        version="0.1.0",
        summary="Answers clinicians' follow-up questions from reviewed (approved) medical articles.",
        lifespan=lifespan,
    )
    app.include_router(ask.router)
    app.include_router(articles.router)
    app.include_router(health.router)
    app.include_router(metrics.router)

    def index_facts() -> IndexFacts | None:
        answerer: Answerer | None = getattr(app.state, "answerer", None)
        if answerer is None:
            return None
        index = answerer.index
        return IndexFacts(index.version, len(index.articles), len(index.chunks))

    app.state.metrics = Metrics(index_facts)
    # Added last = outermost: telemetry sees (and counts) the body cap's 413s too.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestTelemetry, metrics=app.state.metrics, templates=lambda: route_templates(app))

    @app.exception_handler(StarletteHTTPException)
    async def undecodable_body(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI answers a body it cannot decode (not UTF-8) with 400; for a caller it is malformed JSON: 422.
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            exc = HTTPException(status_code=422, detail="request body is not valid UTF-8 JSON")
        return await http_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged without the request body: questions may hold patient details.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(status_code=500, content={"detail": "internal error; see the server log"})

    return app
