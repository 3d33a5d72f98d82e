"""The FastAPI application: loads the current index generation and the model once, at start-up."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.routes import articles, ask, health
from index.embedder import Embedder
from index.onnx_encoder import configured_query_encoder
from index.settings import Settings
from index.store import load_index
from index.threads import use_threads_per_query
from rag.answer import Answerer

log = logging.getLogger("followup.api")


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        use_threads_per_query(settings.query_threads)
        index = load_index(settings.index_dir)
        embedder = Embedder(settings.resolved_model_path(), settings.embed_batch_size)
        app.state.answerer = Answerer(index, embedder, settings, configured_query_encoder(settings))
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

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged without the request body: questions may hold patient details.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(status_code=500, content={"detail": "internal error; see the server log"})

    return app
