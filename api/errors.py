"""Error responses that always render, so no input can turn a 4xx into a 500.

FastAPI's own 422 echoes each offending value back, and a value can be what JSON cannot encode (a lone surrogate,
an infinity parsed from `1e309`), something large, or a patient detail. These handlers say where and what was
wrong, never the value, and escape whatever else of the caller's text they repeat (a key, a path segment).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.metrics import KNOWN_METHODS

log = logging.getLogger("followup.api")

MAX_ECHO_CHARS = 200


def printable(text: str) -> str:
    """`text` cut to MAX_ECHO_CHARS, with what UTF-8 cannot encode (lone surrogates) written as escapes."""
    cut = text if len(text) <= MAX_ECHO_CHARS else text[:MAX_ECHO_CHARS] + "…"
    return cut.encode("utf-8", "backslashreplace").decode("utf-8")


def validation_issues(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Location, message and type of each problem: the `input` and `ctx` pydantic adds are left out."""
    return [
        {
            "loc": [part if isinstance(part, int) else printable(str(part)) for part in error.get("loc", ())],
            "msg": printable(str(error.get("msg", ""))),
            "type": printable(str(error.get("type", ""))),
        }
        for error in exc.errors()
    ]


async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": validation_issues(exc)})


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 400 and exc.__cause__ is not None:
        # FastAPI answers a body json cannot read (not UTF-8, nested too deep, an integer of thousands of digits)
        # with 400; for a caller it is malformed JSON like any other: 422.
        exc = HTTPException(status_code=422, detail="request body is not valid JSON (UTF-8, not nested too deep)")
    headers = exc.headers
    if exc.status_code == 405:
        # Starlette names the methods of the first route on the path only; GET and POST of one path are two routes.
        headers = {**(headers or {}), "Allow": ", ".join(sorted(allowed_methods(request)))}
    detail = printable(exc.detail) if isinstance(exc.detail, str) else exc.detail
    return await http_exception_handler(request, HTTPException(exc.status_code, detail, headers))


def allowed_methods(request: Request) -> set[str]:
    """Every method some route of the app serves at the request's path."""
    routes = request.app.router.routes
    return {
        method
        for method in KNOWN_METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    }


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Logged without the request body: questions may hold patient details.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(status_code=500, content={"detail": "internal error; see the server log"})


def install(app: FastAPI) -> None:
    app.exception_handler(RequestValidationError)(invalid_request)
    app.exception_handler(StarletteHTTPException)(http_error)
    app.exception_handler(Exception)(unexpected)
