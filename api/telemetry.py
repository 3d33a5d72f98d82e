"""One place that times every request: gives it an id, logs one access line and feeds the metrics.

A pure ASGI middleware placed outermost (inside Starlette's error handler), so 413s from the body cap and 422s
from validation are counted like any other response.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Route, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logs import REQUEST_ID_HEADER, request_id_from, request_id_var
from api.metrics import UNMATCHED_ROUTE, Metrics

log = logging.getLogger("followup.access")


class RequestTelemetry:
    def __init__(self, app: ASGIApp, metrics: Metrics, templates: Callable[[], Iterable[str]]) -> None:
        self.app = app
        self.metrics = metrics
        self._templates = templates
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope).get(REQUEST_ID_HEADER))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception escaping the app becomes a 500 outside us

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = self._route_template(scope)
            self.metrics.observe(scope["method"], route, status, seconds)
            # The route template, never the raw path or query: both can carry identifiers.
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
            request_id_var.reset(token)

    def _route_template(self, scope: Scope) -> str:
        """The path template of the route that handled the request (or would have: a 413 is sent before routing)."""
        path = getattr(scope.get("route"), "path", None)
        if isinstance(path, str):
            return path
        if self._compiled is None:
            self._compiled = [(compile_path(template)[0], template) for template in self._templates()]
        for pattern, template in self._compiled:
            if pattern.match(scope["path"]):
                return template
        return UNMATCHED_ROUTE


def route_templates(app: FastAPI) -> list[str]:
    """Every path template the app serves: the documented API plus Starlette's own routes (/docs, /openapi.json)."""
    documented = list(app.openapi()["paths"])
    return documented + [
        route.path for route in app.routes if isinstance(route, Route) and route.path not in documented
    ]
