"""Request dependencies as `Annotated` aliases: the server state, the answerer a request works with, and the
server's settings.

They are `async def` although they await nothing: FastAPI runs a plain `def` dependency in its thread pool, a
hand-off per dependency per request for what is an attribute lookup.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request

from api.settings import AppSettings, ServerSettings
from api.state import ServerState
from rag.answer import Answerer


async def get_state(request: Request) -> ServerState:
    return cast(ServerState, request.app.state.server)


async def get_answerer(request: Request) -> Answerer:
    """The answerer current when the request started (a reload mid-request does not affect it); 503 if none."""
    state = cast(ServerState, request.app.state.server)
    answerer = state.answerer
    if answerer is None:
        raise HTTPException(status_code=503, detail=f"not ready: {state.not_ready_reason}")
    return answerer


async def get_server_settings(request: Request) -> ServerSettings:
    return cast(AppSettings, request.app.state.settings).server


StateDep = Annotated[ServerState, Depends(get_state)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
ServerSettingsDep = Annotated[ServerSettings, Depends(get_server_settings)]
