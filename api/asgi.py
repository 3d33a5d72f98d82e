"""App factories: `app_from_env` for `uvicorn --factory api.asgi:app_from_env` (settings from the environment), and
`worker_app` for each worker of `followup serve --workers N` (the settings the command read, `--index` included)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from api.app import create_app
from api.logs import configure_json_logging
from api.settings import AppSettings


def app_from_env() -> FastAPI:
    return create_app(AppSettings())


def worker_app(settings: AppSettings) -> FastAPI:
    configure_json_logging()  # a worker is a new interpreter: the command's logging is not inherited
    # Our middleware writes the access line; uvicorn's (off in its config, back on by the line above) would repeat it.
    logging.getLogger("uvicorn.access").propagate = False
    return create_app(settings)
