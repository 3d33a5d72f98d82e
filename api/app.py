"""The FastAPI application: loads the model once and the newest verified index generation, reloadable live."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware

from api import errors, metrics
from api.body_limit import BodySizeLimit
from api.feedback import open_feedback_store
from api.fleet import start_follower
from api.metrics import IndexFacts, Metrics, index_facts
from api.rate_limit import RateLimiter
from api.routes import admin, articles, ask, feedback, fleet, health, pages, related
from api.schemas import error_responses
from api.security import check_startup, require_api_key
from api.settings import AppSettings
from api.state import ServerState
from api.telemetry import RequestTelemetry, route_templates
from api.workers import supervisor_pid
from index.embedder import Embedder
from index.overrides import OverridesUnavailable, open_override_store
from index.store import IndexUnavailable
from index.threads import use_threads_per_query

log = logging.getLogger("followup.api")


def create_app(settings: AppSettings) -> FastAPI:
    """Raises `ConfigError` for settings the server must not run with (admin enabled without a token)."""
    server = settings.server
    check_startup(server)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        use_threads_per_query(settings.retrieval.query_threads)
        # First: an unreachable status database fails in a second.
        overrides = open_override_store(settings.resolved_overrides_db(), server.overrides_url)
        # Apart from review status: its own file, or its own tables and pool.
        feedback_store = open_feedback_store(
            settings.resolved_feedback_db(), settings.feedback_bounds(), server.overrides_url
        )
        app.state.feedback = feedback_store
        embedder = Embedder(settings.index.resolved_model_path(), settings.index.embed_batch_size)
        state = ServerState(settings, embedder, overrides, settings.served_query_encoder())
        unhook = _reload_on_sighup(state)  # before loading: a HUP during start-up must not kill the process
        follower = None
        try:
            await run_in_threadpool(state.start)
            app.state.server = state
            # With PostgreSQL: serve what the fleet released (from the verified generation loaded above meanwhile).
            follower = await run_in_threadpool(start_follower, settings, state)
            yield
        finally:
            unhook()
            if follower is not None:
                await run_in_threadpool(follower.close)
            overrides.close()
            feedback_store.close()

    app = FastAPI(
        title="Followup",
        version="0.1.0",
        summary="Answers clinicians' follow-up questions from reviewed (approved) medical articles.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.feedback_limiter = RateLimiter(server.feedback_rate_limit, server.feedback_rate_window_seconds)
    if server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=server.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key"],
        )
    # The key, its header and its 401 are part of the read routes (and of their schema) only when one is set.
    read_access = [Depends(require_api_key)] if server.api_key is not None else []
    read_errors = error_responses(401) if server.api_key is not None else None
    for router in (ask.router, articles.router, related.legacy, related.router, feedback.router):
        app.include_router(router, dependencies=read_access, responses=read_errors)
    app.include_router(pages.router)
    app.mount("/static", pages.static, name="static")
    app.include_router(health.router)
    if server.admin_on:
        app.include_router(admin.router)
        if server.overrides_url is not None:  # a fleet exists only where replicas share PostgreSQL
            app.include_router(fleet.router)
        app.add_exception_handler(OverridesUnavailable, admin.status_store_down)
    app.include_router(metrics.router)

    def served_facts() -> IndexFacts | None:
        server: ServerState | None = getattr(app.state, "server", None)
        if server is None or server.answerer is None:
            return None
        return index_facts(server.answerer)

    app.state.metrics = Metrics(served_facts)
    # Added last = outermost: telemetry sees (and counts) the body cap's 413s too.
    app.add_middleware(BodySizeLimit, max_bytes=server.max_body_bytes)
    app.add_middleware(RequestTelemetry, metrics=app.state.metrics, templates=lambda: route_templates(app))

    errors.install(app)
    return app


def _reload_on_sighup(state: ServerState) -> Callable[[], None]:
    """`kill -HUP <pid>` reloads like POST /v1/admin/reload (only where the loop runs in the main thread). A worker
    of `followup serve --workers N` reloads only if `CURRENT` names another generation than it serves: its SIGHUP
    comes from the supervisor, for every worker, also when the worker's own admin reload asked for it."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()
    switch = state.follow if supervisor_pid() is not None else state.reload

    async def reload() -> None:
        try:
            if await run_in_threadpool(switch) is None and state.answerer is not None:
                log.info("SIGHUP: already serving %s, the generation CURRENT names", state.answerer.index.version)
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
    # A worker starts with SIGHUP blocked (api.workers): one sent meanwhile is taken now.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP})
    return unhook
