"""Small real generations for the fleet tests (index/fleet, api/fleet): three approved articles, built once."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from index.embedder import Embedder
from index.store import MANIFEST, POINTER, new_generation_name
from rag.building import build_index
from rag.settings import PipelineSettings

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
ARTICLES = ("27b8483195f9c2f0", "4c0f9abcf5e8ef78", "74595391ef825f8b")  # short ones: ~1/5 of the sample's chunks
# What the fleet tests build and serve with: no answerability model, no vocabulary (neither is what they test).
SERVING = {"abstention": False, "vocabulary": False}


@dataclass(frozen=True)
class Generations:
    """A folder holding `old` (what CURRENT names) and `new`: a copy of it under a later name."""

    folder: Path
    old: str
    new: str

    def copy(self, target: Path, *, with_new: bool = False) -> Path:
        """A replica's own index folder: the old generation only (unless `with_new`), CURRENT naming it."""
        skipped = () if with_new else (self.new,)
        shutil.copytree(self.folder, target, ignore=shutil.ignore_patterns(*skipped, ".lock", "*.sqlite*"))
        (target / POINTER).write_text(self.old + "\n", encoding="utf-8")
        return target


def build_generations(folder: Path, settings: PipelineSettings, embedder: Embedder) -> Generations:
    corpus = folder.parent / f"{folder.name}-corpus"
    corpus.mkdir()
    for article in ARTICLES:
        shutil.copy(CORPUS / "articles" / f"{article}.md", corpus)
    old = build_index(corpus, folder, settings.replace(**SERVING), embedder).directory.name
    new = clone_generation(folder, old)
    (folder / POINTER).write_text(old + "\n", encoding="utf-8")
    return Generations(folder, old, new)


def clone_generation(folder: Path, name: str) -> str:
    """The generation `name` again under a new, later name (same artifacts: each still matches its checksum)."""
    clone = new_generation_name()
    shutil.copytree(folder / name, folder / clone)
    manifest = json.loads((folder / clone / MANIFEST).read_text(encoding="utf-8"))
    manifest["generation"] = clone
    (folder / clone / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return clone


def corrupt(directory: Path, name: str = "articles.jsonl") -> Path:
    """Flips one byte of an artifact, as a bad disk or a torn copy would."""
    path = directory / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return path
