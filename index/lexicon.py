"""Word lists kept as data, in a `lexicons/` folder beside the module that reads each one.

A lexicon file's `#` lines are its header: what the list is, where its entries come from (`Source:`), their licence
where known, and `version: N`, bumped with any change of its entries. Every other non-blank line is one entry, its
fields separated by tabs. Each file is read once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_VERSION = re.compile(r"^#\s*version:\s*(\S+)", re.IGNORECASE)
_SOURCE = re.compile(r"^#\s*source:", re.IGNORECASE)


class LexiconError(ValueError):
    """A lexicon file without the header that says what its entries are and where they come from."""


@dataclass(frozen=True)
class Lexicon:
    name: str
    version: str
    entries: tuple[tuple[str, ...], ...]

    def words(self) -> tuple[str, ...]:
        """The first field of every entry, in file order."""
        return tuple(entry[0] for entry in self.entries)


@cache
def read_lexicon(path: Path) -> Lexicon:
    header: list[str] = []
    entries: list[tuple[str, ...]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            header.append(line)
        elif line.strip():
            entries.append(tuple(line.split("\t")))
    versions = [m.group(1) for m in map(_VERSION.match, header) if m]
    if len(versions) != 1 or not any(map(_SOURCE.match, header)):
        raise LexiconError(f"{path}: a lexicon's header states one 'version:' and its 'Source:'")
    return Lexicon(path.stem, versions[0], tuple(entries))
