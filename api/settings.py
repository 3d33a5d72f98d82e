"""What the server reads (`ServerSettings`: where it listens, what it logs, who may call what, where status
overrides and feedback live, how much feedback it takes and keeps), and `AppSettings`: every layer's settings
composed, as `followup` and the app use them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode

from api.feedback.model import Bounds
from index.fleet.settings import FleetSettings
from index.settings import SETTINGS_CONFIG
from rag.settings import PipelineSettings


class ServerSettings(BaseSettings):
    model_config = SETTINGS_CONFIG

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(
        default=1,
        ge=1,
        description="Processes `followup serve` runs on one port, each with its own model and index; they reload "
        "together (SIGHUP to the first process, or POST /v1/admin/reload to any of them).",
    )
    log_questions: bool = Field(default=False, description="Log raw question text (may hold patient details).")
    feedback_questions: bool = Field(
        default=False,
        description="Store the question's text and earlier turns with feedback (POST /v1/feedback), so that `followup "
        "feedback export` can make gold questions of it; otherwise only a digest (questions may hold patient details).",
    )
    feedback_db: Path | None = Field(
        default=None,
        description="SQLite file of feedback (never the overrides file); its HMAC secret is the .key file beside it, "
        "made on first start; default: <index_dir>/feedback.sqlite.",
    )
    feedback_rate_limit: int = Field(
        default=30, ge=1, description="Feedback requests one client may make per window (per server process)."
    )
    feedback_rate_window_seconds: int = Field(
        default=60, ge=1, description="The window of FOLLOWUP_FEEDBACK_RATE_LIMIT."
    )
    feedback_max_rows: int = Field(
        default=100_000, ge=10, description="Feedback rows kept: the oldest over this are pruned as votes are stored."
    )
    feedback_retention_days: int = Field(
        default=180, ge=1, description="Feedback older than this is pruned as votes are stored."
    )
    max_body_bytes: int = Field(
        default=65536,
        ge=1024,
        description="Larger request bodies get 413 before they are parsed (a request with every field at its "
        "maximum is about 23 KB as plain ASCII JSON).",
    )
    overrides_db: Path | None = Field(
        default=None,
        description="SQLite file of status overrides and their audit trail; default: <index_dir>/overrides.sqlite.",
    )
    overrides_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host:port/database holding the status overrides and their audit "
        "trail instead of SQLite, shared by every server replica (each learns of a change within a second).",
    )
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token for /v1/admin/* (compared in constant time)."
    )
    admin_enabled: bool | None = Field(
        default=None,
        description="Serve /v1/admin/*; default: on exactly when FOLLOWUP_ADMIN_TOKEN is set. On without a token "
        "the server refuses to start.",
    )
    api_key: SecretStr | None = Field(
        default=None, description="When set, /v1/ask, /v1/articles and /v1/related require it in an X-API-Key header."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (the widget), comma-separated; none by default.",
    )

    @field_validator("overrides_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql://user:password@host:port/database URL")
        return value

    @model_validator(mode="after")
    def _one_override_store(self) -> Self:
        if self.overrides_url is not None and self.overrides_db is not None:
            raise ValueError("set FOLLOWUP_OVERRIDES_URL (PostgreSQL) or FOLLOWUP_OVERRIDES_DB (SQLite), not both")
        if self.overrides_url is not None and self.feedback_db is not None:
            raise ValueError("FOLLOWUP_FEEDBACK_DB is SQLite: with FOLLOWUP_OVERRIDES_URL feedback is in PostgreSQL")
        if self.feedback_db is not None and self.feedback_db == self.overrides_db:
            raise ValueError("FOLLOWUP_FEEDBACK_DB must not be the overrides file: feedback must never block review")
        return self

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str) and value.lstrip().startswith("["):
            return json.loads(value)
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def admin_on(self) -> bool:
        return self.admin_token is not None if self.admin_enabled is None else self.admin_enabled


@dataclass(frozen=True)
class AppSettings(PipelineSettings):
    """Every layer's settings: the index build's, retrieval's, related questions', the server's and the fleet's."""

    server: ServerSettings = field(default_factory=ServerSettings)
    fleet: FleetSettings = field(default_factory=FleetSettings)  # used with FOLLOWUP_OVERRIDES_URL (index/fleet)

    def resolved_overrides_db(self) -> Path:
        """The SQLite file of status overrides: FOLLOWUP_OVERRIDES_DB, or one beside the index."""
        return self.server.overrides_db or self.index.index_dir / "overrides.sqlite"

    def resolved_feedback_db(self) -> Path:
        """The SQLite file of feedback: FOLLOWUP_FEEDBACK_DB, or one beside the index (never the overrides file)."""
        return self.server.feedback_db or self.index.index_dir / "feedback.sqlite"

    def feedback_bounds(self) -> Bounds:
        return Bounds(self.server.feedback_max_rows, self.server.feedback_retention_days)
