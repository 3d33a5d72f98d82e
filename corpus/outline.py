"""Builds the nested sections of an article from a flat run of headings and blocks, as parsers meet them."""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus.model import Block, Section


@dataclass
class _Open:
    title: str
    level: int
    blocks: list[Block] = field(default_factory=list)
    children: list[_Open] = field(default_factory=list)

    def freeze(self) -> Section:
        return Section(
            title=self.title,
            level=self.level,
            blocks=tuple(self.blocks),
            subsections=tuple(child.freeze() for child in self.children),
        )


class Outline:
    """Blocks before the first heading form the short answer; a heading closes every deeper or equal one."""

    def __init__(self) -> None:
        self.answer: list[Block] = []
        self._roots: list[_Open] = []
        self._stack: list[_Open] = []

    @property
    def has_sections(self) -> bool:
        return bool(self._roots)

    def open(self, title: str, level: int) -> None:
        while self._stack and self._stack[-1].level >= level:
            self._stack.pop()
        section = _Open(title=title, level=level)
        (self._stack[-1].children if self._stack else self._roots).append(section)
        self._stack.append(section)

    def add(self, block: Block) -> None:
        (self._stack[-1].blocks if self._stack else self.answer).append(block)

    def sections(self) -> tuple[Section, ...]:
        return tuple(root.freeze() for root in self._roots)
