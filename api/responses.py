"""A response serialised once, by pydantic (in Rust), from the model a route built.

A route that returns a model has FastAPI validate it again against `response_model` and then encode it; our
models are built by our own code from validated data, so that second pass only costs time (about a tenth of the
API's own work per `/v1/ask` in the flame graphs of benchmarks/results/). Routes keep `response_model=` for the
OpenAPI schema, and the schemathesis tests check every response against it.
"""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


class ModelResponse(Response):
    media_type = "application/json"

    def __init__(self, model: BaseModel, status_code: int = 200) -> None:
        super().__init__(model.model_dump_json(), status_code)
