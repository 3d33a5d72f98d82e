"""Turns loosely typed fields (from YAML or JSON) into an `Article`, or a `CorpusError` that says what to fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from corpus.errors import CorpusError
from corpus.model import Article, Reference, ReviewStatus

REQUIRED = ("id", "question", "status", "last_updated")
KNOWN = {*REQUIRED, "url", "references", "related", "metadata", "answer_heading", "answer", "sections"}


def _line_of(key: str, front_matter: str | None) -> int | None:
    if front_matter is None:
        return None
    for number, line in enumerate(front_matter.splitlines(), start=1):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return None


def _references(value: Any) -> tuple[Reference, ...]:
    if value is None:
        return ()
    if isinstance(value, dict):
        return tuple(Reference(number=int(k), text=str(v)) for k, v in sorted(value.items()))
    if isinstance(value, list):
        if all(isinstance(v, dict) for v in value):
            return tuple(Reference.model_validate(v) for v in value)
        return tuple(Reference(number=i, text=str(v)) for i, v in enumerate(value, start=1))
    raise ValueError("must be a numbered list or a mapping of number to text")


def article_from_fields(fields: dict[str, Any], path: Path | str | None, front_matter: str | None = None) -> Article:
    """Validate the fields of one article; every failure names the field and what is expected."""
    unknown = sorted(set(fields) - KNOWN)
    if unknown:
        raise CorpusError(
            path,
            f"unknown field {unknown[0]!r}: expected one of {', '.join(sorted(KNOWN))}",
            line=_line_of(unknown[0], front_matter),
        )
    for key in REQUIRED:
        if fields.get(key) in (None, ""):
            raise CorpusError(path, f"missing {key!r}: add '{key}: ...' to the front matter")
    status = str(fields["status"]).strip().lower().replace(" ", "_")
    if status not in {s.value for s in ReviewStatus}:
        raise CorpusError(
            path,
            f"unknown status {fields['status']!r}: use one of submitted, under_review, approved, retracted",
            line=_line_of("status", front_matter),
        )
    try:
        references = _references(fields.get("references"))
    except (ValueError, TypeError, ValidationError) as exc:
        raise CorpusError(path, f"bad 'references': {exc}", line=_line_of("references", front_matter)) from None
    values = {**fields, "status": status, "references": references, "id": str(fields["id"])}
    try:
        article = Article.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "?"
        raise CorpusError(path, f"bad {key!r}: {first['msg']}", line=_line_of(key, front_matter)) from None
    _check_content(article, path, front_matter)
    return article


def _check_content(article: Article, path: Path | str | None, front_matter: str | None) -> None:
    if not article.answer and not any(s.blocks for s in article.walk_sections()):
        raise CorpusError(path, "empty body: write a short answer and at least one section of claims")
    known = {ref.number for ref in article.references}
    missing = sorted(article.cited_numbers() - known)
    if missing:
        raise CorpusError(
            path,
            f"citation [{missing[0]}] has no reference entry: add '{missing[0]}: ...' under 'references'",
            line=_line_of("references", front_matter),
        )
