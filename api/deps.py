"""Request dependencies as `Annotated` aliases: the server state, and the answerer a request works with."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request

from api.state import ServerState
from rag.answer import Answerer


def get_state(request: Request) -> ServerState:
    return cast(ServerState, request.app.state.server)


def get_answerer(request: Request) -> Answerer:
    """The answerer current when the request started (a reload mid-request does not affect it); 503 if none."""
    state = get_state(request)
    answerer = state.answerer
    if answerer is None:
        raise HTTPException(status_code=503, detail=f"not ready: {state.not_ready_reason}")
    return answerer


StateDep = Annotated[ServerState, Depends(get_state)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
