"""An app factory for `uvicorn --factory api.asgi:app_from_env` (needed for `--workers N`): settings from env."""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from api.settings import AppSettings


def app_from_env() -> FastAPI:
    return create_app(AppSettings())
