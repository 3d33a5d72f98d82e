"""Section-aware chunking: one chunk per claim, split further only when the embedding model cannot read it whole.

A claim is never separated from its citation numbers: every piece of a split claim carries them all.
Token counts come from the embedding model's own tokenizer, never from characters.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator

from pydantic import BaseModel, ConfigDict

from corpus.markdown import render_body
from corpus.model import Article

TokenCounter = Callable[[str], int]
"""Counts word pieces of a text, special tokens excluded (word-piece counts add up across spaces)."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_PARAGRAPH_BREAK = re.compile(r"\n\s*")
_WORD = re.compile(r"\S+")


class Chunk(BaseModel):
    """A retrievable passage: the clean claim text plus where it sits and what it cites."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str
    article_id: str
    section: tuple[str, ...]
    text: str
    citations: tuple[int, ...]
    start: int
    end: int
    header: str = ""

    @property
    def embed_text(self) -> str:
        """What the models read: the contextual header (question, section path) and then the claim."""
        return f"{self.header}\n{self.text}" if self.header else self.text

    def lexical_text(self, with_question: bool) -> str:
        """What BM25 reads: the section path (and optionally the whole header) followed by the claim."""
        return self.embed_text if with_question else " › ".join((*self.section, self.text))


def contextual_header(question: str, section: tuple[str, ...]) -> str:
    return " › ".join((question, *section))


def _fit(text: str, budget: int, count_tokens: TokenCounter) -> str:
    """Drops trailing words until `text` fits in `budget` word pieces."""
    words = text.split()
    while words and count_tokens(" ".join(words)) > budget:
        words = words[: max(len(words) - max(1, len(words) // 8), 0)]
    return " ".join(words)


def _pieces(text: str, budget: int, count_tokens: TokenCounter) -> Iterator[tuple[int, int]]:
    """(start, end) spans of `text` that each fit in `budget`: paragraphs, then sentences, then words."""
    if count_tokens(text) <= budget:
        yield 0, len(text)
        return
    for splitter in (_PARAGRAPH_BREAK, _SENTENCE_END):
        bounds = [0] + [m.end() for m in splitter.finditer(text)]
        if len(bounds) > 1:
            yield from _pack(text, bounds, budget, count_tokens)
            return
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    start = words[0][0]
    used = 0
    last_end = start
    for w_start, w_end in words:
        cost = count_tokens(text[w_start:w_end])
        if used and used + cost > budget:
            yield start, last_end
            start, used = w_start, 0
        used += cost
        last_end = w_end
    yield start, last_end


def _pack(text: str, bounds: list[int], budget: int, count_tokens: TokenCounter) -> Iterator[tuple[int, int]]:
    """Greedily joins consecutive units (split at `bounds`) while they fit; recurses into oversize units."""
    units = [(bounds[i], bounds[i + 1] if i + 1 < len(bounds) else len(text)) for i in range(len(bounds))]
    group_start: int | None = None
    group_end = 0
    used = 0
    for u_start, u_end in units:
        unit = text[u_start:u_end].rstrip()
        if not unit.strip():
            continue
        u_end = u_start + len(unit)
        cost = count_tokens(unit)
        if cost > budget:
            if group_start is not None:
                yield group_start, group_end
                group_start, used = None, 0
            yield from ((u_start + s, u_start + e) for s, e in _pieces(unit, budget, count_tokens))
            continue
        if group_start is not None and used + cost > budget:
            yield group_start, group_end
            group_start, used = None, 0
        if group_start is None:
            group_start = u_start
        group_end = u_end
        used += cost
    if group_start is not None:
        yield group_start, group_end


def chunk_article(article: Article, count_tokens: TokenCounter, max_tokens: int) -> list[Chunk]:
    """Chunks of `article` whose embedded text (header included) fits in `max_tokens` word pieces."""
    _, spans = render_body(article)
    seen: Counter[str] = Counter()
    chunks: list[Chunk] = []
    for span in spans:
        section = span.section_path or ((article.answer_heading,) if article.answer_heading else ())
        header = _fit(contextual_header(article.question, section), max_tokens // 2, count_tokens)
        budget = max_tokens - count_tokens(header) - 1
        for start, end in _pieces(span.block.text, budget, count_tokens):
            text = span.block.text[start:end]
            key = "\x1f".join((*section, text))
            seen[key] += 1
            digest = hashlib.sha1(f"{key}\x1e{seen[key]}".encode()).hexdigest()[:12]
            chunks.append(
                Chunk(
                    chunk_id=f"{article.id}:{digest}",
                    article_id=article.id,
                    section=section,
                    text=text,
                    citations=span.block.citations,
                    start=span.start + start,
                    end=span.start + end,
                    header=header,
                )
            )
    return chunks
