"""The FastAPI application: loads the model once and the newest verified index generation, reloadable live."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import metrics
from api.body_limit import BodySizeLimit
from api.metrics import IndexFacts, Metrics
from api.routes import admin, articles, ask, health, pages, related
from api.security import check_startup, require_api_key
from api.state import ServerState
from api.telemetry import RequestTelemetry, route_templates
from index.embedder import Embedder
from index.onnx_encoder import configured_query_encoder
from index.overrides import OverridesUnavailable, open_override_store
from index.settings import Settings
from index.store import IndexUnavailable
from index.threads import use_threads_per_query

log = logging.getLogger("followup.api")


def create_app(settings: Settings) -> FastAPI:
    """Raises `ConfigError` for settings the server must not run with (admin enabled without a token)."""
    check_startup(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        use_threads_per_query(settings.query_threads)
        overrides = open_override_store(settings)  # first: an unreachable status database fails in a second
        embedder = Embedder(settings.resolved_model_path(), settings.embed_batch_size)
        state = ServerState(settings, embedder, overrides, configured_query_encoder(settings))
        unhook = _reload_on_sighup(state)  # before loading: a HUP during start-up must not kill the process
        try:
            await run_in_threadpool(state.start)
            app.state.server = state
            yield
        finally:
            unhook()
            overrides.close()

    app = FastAPI(
        title="Followup",
        version="0.1.0",
        summary="Answers clinicians' follow-up questions from reviewed (approved) medical articles.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key"],
        )
    read_access = [Depends(require_api_key)]
    app.include_router(ask.router, dependencies=read_access)
    app.include_router(articles.router, dependencies=read_access)
    app.include_router(related.router, dependencies=read_access)
    app.include_router(pages.router)
    app.mount("/static", pages.static, name="static")
    app.include_router(health.router)
    if settings.admin_on:
        app.include_router(admin.router)
        app.add_exception_handler(OverridesUnavailable, admin.status_store_down)
    app.include_router(metrics.router)

    def index_facts() -> IndexFacts | None:
        server: ServerState | None = getattr(app.state, "server", None)
        if server is None or server.answerer is None:
            return None
        index = server.answerer.index
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


def _reload_on_sighup(state: ServerState) -> Callable[[], None]:
    """`kill -HUP <pid>` reloads like POST /v1/admin/reload (only where the loop runs in the main thread)."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def reload() -> None:
        try:
            await run_in_threadpool(state.reload)
        except (IndexUnavailable, OverridesUnavailable) as exc:
            log.error("SIGHUP reload refused, still serving the previous generation: %s", exc)

    def on_signal() -> None:
        task = loop.create_task(reload())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def unhook() -> None:
        loop.remove_signal_handler(signal.SIGHUP)

    try:
        loop.add_signal_handler(signal.SIGHUP, on_signal)
    except (ValueError, RuntimeError, NotImplementedError):
        log.debug("SIGHUP reload unavailable here (event loop not in the main thread)")
        return lambda: None
    return unhook
