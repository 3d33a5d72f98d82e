"""Progress for long work: a tqdm bar on a terminal, a log line every tenth of the way otherwise."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
log = logging.getLogger("followup.progress")


class Progress:
    def __init__(self, total: int | None, desc: str, unit: str = "it") -> None:
        self.total, self.desc, self.unit = total, desc, unit
        self.count = 0
        self._started = time.perf_counter()
        self._next_log = max((total or 0) // 10, 1)
        self._bar = tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True) if sys.stderr.isatty() else None

    def update(self, amount: int = 1) -> None:
        self.count += amount
        if self._bar is not None:
            self._bar.update(amount)
        elif self.total and self.count >= self._next_log:
            self._next_log += max(self.total // 10, 1)
            rate = self.count / max(time.perf_counter() - self._started, 1e-9)
            log.info("%s: %d/%d %s (%.0f %s/s)", self.desc, self.count, self.total, self.unit, rate, self.unit)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def progress(items: Iterable[T], total: int | None, desc: str, unit: str = "it") -> Iterator[T]:
    with Progress(total, desc, unit) as bar:
        for item in items:
            yield item
            bar.update()
