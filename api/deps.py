"""Request dependencies: the answerer built at start-up, as an `Annotated` alias."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from rag.answer import Answerer


def get_answerer(request: Request) -> Answerer:
    return cast(Answerer, request.app.state.answerer)


AnswererDep = Annotated[Answerer, Depends(get_answerer)]
