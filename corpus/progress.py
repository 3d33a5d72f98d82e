"""Progress for long work: a tqdm bar on a terminal, a log line every tenth of the way otherwise."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
log = logging.getLogger("followup.progress")


def progress(items: Iterable[T], total: int | None, desc: str, unit: str = "it") -> Iterator[T]:
    if sys.stderr.isatty():
        yield from tqdm(items, total=total, desc=desc, unit=unit, dynamic_ncols=True)
        return
    started = time.perf_counter()
    step = max((total or 0) // 10, 1)
    count = 0
    for count, item in enumerate(items, start=1):
        yield item
        if count % step == 0 and total:
            elapsed = time.perf_counter() - started
            log.info("%s: %d/%d %s (%.0f %s/s)", desc, count, total, unit, count / max(elapsed, 1e-9), unit)
    if not total:
        log.info("%s: %d %s", desc, count, unit)
