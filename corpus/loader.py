"""Reads a corpus folder: canonical Markdown (`*.md`) and the same fields as JSON (`*.json`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from corpus import markdown
from corpus.errors import CorpusError
from corpus.markdown import parse_body
from corpus.model import Article
from corpus.validation import article_from_fields

# Documentation that lives beside the articles.
_NOT_ARTICLES = {"readme.md", "license.md", "changelog.md"}


def load_json(path: Path) -> Article:
    """The front-matter fields plus either `body` (Markdown) or the structured `answer`/`sections`."""
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CorpusError(path, f"malformed JSON: {exc.msg}", line=exc.lineno) from None
    except UnicodeDecodeError:
        raise CorpusError(path, "not UTF-8 text: save the file as UTF-8") from None
    if not isinstance(fields, dict):
        raise CorpusError(path, "expected a JSON object with the article's fields")
    body = fields.pop("body", None)
    if body is not None:
        if not isinstance(body, str):
            raise CorpusError(path, "'body' must be a Markdown string")
        fields.update(parse_body(body, path))
    return article_from_fields(fields, path)


def load_article(path: Path) -> Article:
    if path.suffix == ".json":
        return load_json(path)
    return markdown.load(path)


def article_paths(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".md", ".json") and path.name.lower() not in _NOT_ARTICLES:
            yield path


@dataclass
class LoadedCorpus:
    articles: list[Article] = field(default_factory=list)
    errors: list[CorpusError] = field(default_factory=list)


def load_corpus(root: Path) -> LoadedCorpus:
    """Every article under `root`; bad files are collected as errors, never silently dropped."""
    if not root.is_dir():
        raise CorpusError(root, "corpus folder not found: pass a folder of .md or .json articles")
    result = LoadedCorpus()
    seen: dict[str, Path] = {}
    for path in article_paths(root):
        try:
            article = load_article(path)
        except CorpusError as error:
            result.errors.append(error)
            continue
        if article.id in seen:
            result.errors.append(
                CorpusError(path, f"duplicate id {article.id!r}, also used by {seen[article.id]}: give it a new id")
            )
            continue
        seen[article.id] = path
        result.articles.append(article)
    return result
