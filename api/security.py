"""Who may call what: a bearer token for /v1/admin/*, an optional API key for the read endpoints.

Secrets are compared with `secrets.compare_digest` (constant time), so response timing reveals nothing of them.
The checks are `async def` (they await nothing) so that FastAPI runs them inline, not in its thread pool.
"""

from __future__ import annotations

import secrets
from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.settings import AppSettings, ServerSettings

ADMIN = "admin"  # the audit's `who` for the (single) admin token

_bearer = HTTPBearer(auto_error=False, description="FOLLOWUP_ADMIN_TOKEN")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="FOLLOWUP_API_KEY, when set")


class ConfigError(ValueError):
    """Settings the server must not start with."""


def check_startup(settings: ServerSettings) -> None:
    if settings.admin_on and (settings.admin_token is None or not settings.admin_token.get_secret_value()):
        raise ConfigError("admin endpoints are enabled but FOLLOWUP_ADMIN_TOKEN is not set: set it or disable admin")


def _equal(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


def _settings(request: Request) -> ServerSettings:
    return cast(AppSettings, request.app.state.settings).server


async def require_admin(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """The caller's identity for the audit trail; 401 unless the bearer token matches."""
    token = _settings(request).admin_token
    if credentials is None or token is None or not _equal(credentials.credentials, token.get_secret_value()):
        raise HTTPException(
            status_code=401, detail="admin token missing or wrong", headers={"WWW-Authenticate": "Bearer"}
        )
    return ADMIN


async def require_api_key(request: Request, key: Annotated[str | None, Depends(_api_key)]) -> None:
    expected = _settings(request).api_key
    if expected is not None and (key is None or not _equal(key, expected.get_secret_value())):
        raise HTTPException(status_code=401, detail="API key missing or wrong: send it in the X-API-Key header")


AdminDep = Annotated[str, Depends(require_admin)]
