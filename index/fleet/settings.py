"""What the fleet reads: how replicas check in, when one counts as stale, and what a canary must hold."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings

from index.settings import SETTINGS_CONFIG


class FleetSettings(BaseSettings):
    model_config = SETTINGS_CONFIG

    replica_name: str | None = Field(
        default=None,
        description="This replica's name in the fleet (the workers of one `followup serve` share it); default: "
        "host:port it serves on.",
    )
    heartbeat_seconds: float = Field(default=5.0, gt=0, description="How often each serving process checks in.")
    stale_seconds: float = Field(
        default=20.0, gt=0, description="A process not checked in for this long is shown STALE and is no canary."
    )
    probe_file: Path | None = Field(
        default=None,
        description="Gold JSONL (eval/gold format) a canary asks; default: each servable article's title, with that "
        "article relevant.",
    )
    probe_limit: int = Field(default=50, ge=1, description="At most this many probe questions (the first ones).")
    probe_latency_factor: float = Field(
        default=2.0, ge=1, description="A canary holds if new p95 ≤ max(factor × old p95, old p95 + slack)."
    )
    probe_latency_slack_ms: float = Field(default=50.0, ge=0, description="The slack of that latency bound.")
    probe_hit_margin: float = Field(
        default=0.05, ge=0, le=1, description="A canary holds if new hit@3 ≥ old hit@3 − this margin."
    )
    publish_wait_seconds: float = Field(
        default=120.0, ge=0, description="How long `followup index publish` waits for the canary's decision."
    )
