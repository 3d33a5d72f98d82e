"""The canonical article format: Markdown with YAML front matter.

Layout of a file::

    ---
    id: ab6a97c2e0394c38
    question: Can upadacitinib be used in ...?
    status: approved            # submitted | under_review | approved | retracted
    last_updated: 2026-01-09
    url: https://...            # optional
    references: {1: "...", 2: "..."}
    related: [0123456789abcdef]
    ---

    # Short answer heading      (optional)

    Short answer paragraph. [1]

    ## Section
    ### Sub-section
    - A claim that ends in its citation numbers [6, 7]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from corpus.errors import CorpusError
from corpus.model import Article, Block, Section
from corpus.outline import Outline
from corpus.validation import article_from_fields

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_MARKUP_STARTS = ("#", "-", "*", "+", "\\")
NO_CITATIONS = "[-]"
_CITATION_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]\s*$")


def split_citation_marker(text: str) -> tuple[str, tuple[int, ...]]:
    """`"… placebo [6, 7]"` → (`"… placebo"`, (6, 7)); text without a marker has no citations.

    `[-]` is the explicit "no citations" marker, written after text that itself ends in something like `[12]`.
    """
    stripped = text.rstrip()
    if stripped.endswith(NO_CITATIONS):
        return stripped[: -len(NO_CITATIONS)].strip(), ()
    match = _CITATION_MARKER.search(text)
    if not match:
        return text.strip(), ()
    numbers = tuple(int(n) for n in re.findall(r"\d+", match.group(1)))
    return text[: match.start()].strip(), numbers


def format_citation_marker(citations: tuple[int, ...], text: str = "") -> str:
    if citations:
        return f" [{', '.join(str(n) for n in citations)}]"
    # Text ending in "[12]" (a source's own bracket) would read back as a citation: say "none" explicitly.
    return f" {NO_CITATIONS}" if _CITATION_MARKER.search(text) or text.rstrip().endswith(NO_CITATIONS) else ""


def split_front_matter(text: str, path: Path | str | None) -> tuple[dict[str, Any], str, int]:
    """Returns (front matter, body, line number where the body starts)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise CorpusError(path, "no front matter: the file must start with a line '---'", line=1)
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), None)
    if end is None:
        raise CorpusError(path, "front matter is not closed: add a line '---' after it", line=1)
    try:
        fields = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise CorpusError(
            path, f"malformed front matter: {problem}", line=int(mark.line) + 2 if mark is not None else 1
        ) from None
    if not isinstance(fields, dict):
        raise CorpusError(path, "malformed front matter: expected 'key: value' lines", line=2)
    return fields, "\n".join(lines[end + 1 :]), end + 2


def parse_body(body: str, path: Path | str | None = None, first_line: int = 1) -> dict[str, Any]:
    """Parse the Markdown body into the article fields `answer_heading`, `answer` and `sections`."""
    answer_heading: str | None = None
    outline = Outline()
    pending: list[str] = []
    pending_kind: Literal["paragraph", "bullet"] = "paragraph"

    def flush() -> None:
        if pending:
            text, citations = split_citation_marker(" ".join(pending))
            outline.add(Block(kind=pending_kind, text=text, citations=citations))
            pending.clear()

    for number, raw in enumerate(body.splitlines(), start=first_line):
        stripped = raw.strip()
        indented = raw[:1] in (" ", "\t")
        if not stripped:
            flush()
            continue
        if indented and pending and pending_kind == "bullet":
            pending.append(stripped)
            continue
        escaped = stripped.startswith("\\")
        heading = None if escaped else _HEADING.match(stripped)
        bullet = None if escaped else _BULLET.match(stripped)
        if escaped:
            stripped = stripped[1:]
        if heading:
            flush()
            level, title = len(heading.group(1)), heading.group(2)
            if level > 1:
                outline.open(title, level)
            elif outline.has_sections or outline.answer or answer_heading is not None:
                raise CorpusError(path, "a '#' heading may only open the short answer", line=number)
            else:
                answer_heading = title
        elif bullet:
            flush()
            pending.append(bullet.group(1))
            pending_kind = "bullet"
        else:
            if pending_kind == "bullet":
                flush()
            pending_kind = "paragraph"
            pending.append(stripped)
    flush()
    return {"answer_heading": answer_heading, "answer": tuple(outline.answer), "sections": outline.sections()}


def loads(text: str, path: Path | str | None = None) -> Article:
    fields, body, body_line = split_front_matter(text, path)
    fields = dict(fields)
    fields.update(parse_body(body, path, body_line))
    return article_from_fields(fields, path, front_matter=text)


def load(path: Path) -> Article:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CorpusError(path, "not UTF-8 text: save the file as UTF-8") from None
    return loads(text, path)


def _front_matter(article: Article) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": article.id,
        "question": article.question,
        "status": article.status.value,
        "last_updated": article.last_updated,
        "url": article.url,
        "references": {ref.number: ref.text for ref in article.references},
        "related": list(article.related),
    }
    if article.metadata:
        fields["metadata"] = article.metadata
    return fields


@dataclass(frozen=True)
class BlockSpan:
    """Where a block's text (without bullet mark or citation marker) sits in the rendered body."""

    section_path: tuple[str, ...]
    block: Block
    start: int
    end: int


def _block_prefix(block: Block) -> str:
    """A paragraph that would read as a heading or bullet is escaped with a backslash."""
    if block.kind == "bullet":
        return "- "
    return "\\" if block.text.startswith(_MARKUP_STARTS) else ""


def _render_lines(article: Article) -> Iterator[tuple[str, tuple[str, ...] | None, Block | None]]:
    """Yields (prefix, section path, block) pieces; a block's text follows its prefix."""
    if article.answer_heading:
        yield f"# {article.answer_heading}\n\n", None, None
    for block in article.answer:
        yield _block_prefix(block), (), block
    yield from _render_sections(article.sections, ())


def _render_sections(
    sections: tuple[Section, ...], parent: tuple[str, ...]
) -> Iterator[tuple[str, tuple[str, ...] | None, Block | None]]:
    for section in sections:
        path = (*parent, section.title)
        yield f"{'#' * section.level} {section.title}\n\n", None, None
        for block in section.blocks:
            yield _block_prefix(block), path, block
        yield from _render_sections(section.subsections, path)


def render_body(article: Article) -> tuple[str, list[BlockSpan]]:
    """The canonical Markdown body and the span of every block in it (chunk spans point here)."""
    out: list[str] = []
    spans: list[BlockSpan] = []
    offset = 0
    after_bullet = False

    def write(piece: str) -> None:
        nonlocal offset
        out.append(piece)
        offset += len(piece)

    for prefix, path, block in _render_lines(article):
        if after_bullet and (block is None or block.kind != "bullet"):
            write("\n")  # a list ends with a blank line
        if block is None or path is None:
            write(prefix)
            after_bullet = False
            continue
        write(prefix)
        spans.append(BlockSpan(path, block, offset, offset + len(block.text)))
        after_bullet = block.kind == "bullet"
        write(block.text + format_citation_marker(block.citations, block.text) + ("\n" if after_bullet else "\n\n"))
    return "".join(out), spans


def dumps(article: Article) -> str:
    front = yaml.safe_dump(_front_matter(article), sort_keys=False, allow_unicode=True, width=10_000)
    body, _ = render_body(article)
    return f"---\n{front}---\n\n{body}"


def dump(article: Article, path: Path) -> None:
    path.write_text(dumps(article), encoding="utf-8")


__all__ = [
    "BlockSpan",
    "dump",
    "dumps",
    "load",
    "loads",
    "parse_body",
    "render_body",
    "split_citation_marker",
]
