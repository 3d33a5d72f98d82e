"""What a `followup index build --ray` reads besides the build's own settings: the cluster and its actor pool."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from index.settings import SETTINGS_CONFIG


class RaySettings(BaseSettings):
    model_config = SETTINGS_CONFIG

    ray_address: str | None = Field(
        default=None,
        description="The Ray cluster `followup index build --ray` joins when given no address (HOST:PORT of the "
        "head, or ray://HOST:10001); unset: a local Ray sized to this machine. Only used with --ray.",
    )
    ray_actors: int | None = Field(
        default=None,
        ge=1,
        description="Embedding actors in a --ray build; default: one per GPU on a GPU cluster, else as many as fit "
        "in the cluster's CPUs minus one at ray_cpus_per_actor each (at least one).",
    )
    ray_cpus_per_actor: float = Field(
        default=1.0,
        gt=0,
        description="CPUs each embedding actor reserves (and its torch threads): the pool never takes every CPU, "
        "so Ray Data's own tasks still run (ray issue 44687).",
    )
    ray_block_rows: int = Field(default=256, ge=1, description="Texts per Ray Data block: what one actor task gets.")
    ray_stall_timeout_s: float = Field(
        default=600,
        gt=0,
        description="A --ray build fails when the actors deliver no embeddings for this long (or cannot start).",
    )
