"""Structured logs for the server: one JSON object per line, each stamped with the id of the request it belongs to.

Log lines carry counts and timings, never the question text (it may hold patient details) unless
FOLLOWUP_LOG_QUESTIONS=true; see api/routes/ask.py.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from contextvars import ContextVar

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is echoed into logs and headers, so only short, plain tokens are taken; anything else is replaced.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a short plain token, else a fresh random id."""
    if header is not None and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record logged while a request is being handled (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def json_formatter() -> logging.Formatter:
    # uvicorn adds a terminal-coloured copy of its messages; it is noise in JSON.
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        timestamp=True,
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )


def configure_json_logging(level: int = logging.INFO) -> None:
    """Route every logger (uvicorn's too) through one JSON handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
