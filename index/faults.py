"""Test-only crash points: with `FOLLOWUP_CRASH_AT=<stage>` a build SIGKILLs itself at that stage.

The fault tests use it to kill a real `followup index build` at every step of writing a generation, which a
timer cannot hit reliably (the write takes milliseconds). Unset (the default) it does nothing.
"""

from __future__ import annotations

import os
import signal

from index.settings import get_settings

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


def crash_point(stage: str) -> None:
    if get_settings().crash_at == stage:
        os.kill(os.getpid(), signal.SIGKILL)
