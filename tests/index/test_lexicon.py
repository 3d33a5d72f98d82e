"""Word lists kept as data (index/lexicon.py): each says where its entries come from, and is packaged."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from index import answer_types
from index.lexicon import LexiconError, read_lexicon

REPO = Path(__file__).resolve().parents[2]
LEXICONS = sorted(REPO.glob("*/lexicons/*")) + sorted(REPO.glob("*/*/lexicons/*"))


def test_the_lexicons_are_found() -> None:
    names = {path.name for path in LEXICONS}
    assert {"clinical_shorthand.tsv", "scaffolding.tsv", "interrogatives.tsv", "asked_types.tsv"} <= names


@pytest.mark.parametrize("path", LEXICONS, ids=lambda path: str(path.relative_to(REPO)))
def test_every_lexicon_states_its_source_and_version_and_is_packaged(path: Path) -> None:
    lexicon = read_lexicon(path)
    assert lexicon.version and lexicon.entries
    assert len({len(entry) for entry in lexicon.entries}) == 1  # every entry has the same fields
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    package = next(p for p in data if path.is_relative_to(REPO / p.replace(".", "/")))
    inside = path.relative_to(REPO / package.replace(".", "/")).as_posix()
    assert any(fnmatch(inside, pattern) for pattern in data[package])


def test_a_lexicon_without_its_source_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "words.tsv"
    path.write_text("# Some words.\n# version: 1\nword\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="Source"):
        read_lexicon(path)


def test_the_answer_type_lexicon_carries_the_version_that_keys_indexes() -> None:
    """A change of its words changes what BM25 indexes, which keys cached indexes (index.answer_types.VERSION)."""
    assert read_lexicon(answer_types.LEXICON).version == str(answer_types.VERSION)
