"""GET /v1/admin/fleet: which replica and worker serves which generation, and the latest publication (as `followup
fleet status` prints it)."""

from __future__ import annotations

from typing import cast

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from api.fleet import fleet_status
from api.schemas import FleetOut, error_responses
from api.security import AdminDep
from api.settings import AppSettings
from index.fleet import FleetUnavailable

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.get("/fleet", response_model=FleetOut, responses=error_responses(401, 503))
async def fleet(_: AdminDep, request: Request) -> FleetOut:
    """Every serving process as it last checked in (stale ones marked) and the latest publication with its state.
    Served only with FOLLOWUP_OVERRIDES_URL (the database the fleet shares)."""
    settings = cast(AppSettings, request.app.state.settings)
    try:
        return await run_in_threadpool(fleet_status, settings)
    except FleetUnavailable as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from None
