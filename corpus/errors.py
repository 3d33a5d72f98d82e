"""Errors that name the file, the line where there is one, and what to fix."""

from __future__ import annotations

from pathlib import Path


class CorpusError(Exception):
    """An article that cannot be used as it is."""

    def __init__(self, path: Path | str | None, problem: str, line: int | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.problem}"
