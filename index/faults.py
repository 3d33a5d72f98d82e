"""Test-only crash points: with `FOLLOWUP_CRASH_AT=<stage>` a build SIGKILLs itself at that stage.

The fault tests use it to kill a build at every step of writing a generation, which a timer cannot hit reliably
(the write takes milliseconds). Unset (the default) it does nothing. It is read from the environment at each point,
not from a settings class: no deployment has a reason to set it.
"""

from __future__ import annotations

import os
import signal

CRASH_AT = "FOLLOWUP_CRASH_AT"

# In the order a build reaches them.
STAGES = (
    "corpus-loaded",
    "embedded",
    "staging-created",
    "chunks-written",
    "articles-written",
    "bm25-written",
    "dense-written",
    "manifest-written",
    "synced",
    "renamed",
    "pointer-written",
    "published",
    "pruning",
)


def crash_stage() -> str | None:
    return os.environ.get(CRASH_AT) or None


def crash_point(stage: str) -> None:
    if crash_stage() == stage:
        os.kill(os.getpid(), signal.SIGKILL)
