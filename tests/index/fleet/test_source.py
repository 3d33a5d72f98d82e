"""The shared-folder source: a generation reaches a replica's folder only whole and verified; CURRENT switches
atomically under the folder's lock and keeps the kept-generations limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.fleet.source import SharedFolder
from index.store import MANIFEST, POINTER, IndexUnavailable, file_sha256, generations, point_at, verify_generation
from tests.fleet import Generations, clone_generation, corrupt


def sha(folder: Path, generation: str) -> str:
    return file_sha256(folder / generation / MANIFEST)


def test_fetch_copies_verifies_and_leaves_current_alone(fleet_generations: Generations, tmp_path: Path) -> None:
    source, replica = fleet_generations, fleet_generations.copy(tmp_path / "replica")
    fetched = SharedFolder(source.folder).fetch(source.new, sha(source.folder, source.new), replica)
    assert fetched == replica / source.new
    assert verify_generation(fetched).generation == source.new
    assert (replica / POINTER).read_text().strip() == source.old
    # A second worker of the same replica finds it done: nothing is copied again.
    marker = fetched.stat().st_mtime_ns
    assert SharedFolder(source.folder).fetch(source.new, sha(source.folder, source.new), replica) == fetched
    assert fetched.stat().st_mtime_ns == marker and not list(replica.glob(".build-*"))


def test_in_place_when_the_source_is_the_replicas_own_folder(fleet_generations: Generations, tmp_path: Path) -> None:
    shared = fleet_generations.copy(tmp_path / "shared", with_new=True)
    new = fleet_generations.new
    assert SharedFolder(shared).fetch(new, sha(shared, new), shared) == shared / new


def test_a_corrupted_file_never_becomes_a_generation(fleet_generations: Generations, tmp_path: Path) -> None:
    source = fleet_generations.copy(tmp_path / "source", with_new=True)
    corrupt(source / fleet_generations.new)
    replica = fleet_generations.copy(tmp_path / "replica")
    with pytest.raises(IndexUnavailable, match=r"articles\.jsonl: missing or corrupted"):
        SharedFolder(source).fetch(fleet_generations.new, sha(source, fleet_generations.new), replica)
    assert [g.name for g in generations(replica)] == [fleet_generations.old]
    assert not list(replica.glob(".build-*"))


def test_another_manifest_under_the_published_name_is_refused(fleet_generations: Generations, tmp_path: Path) -> None:
    replica = fleet_generations.copy(tmp_path / "replica")
    with pytest.raises(IndexUnavailable, match="not the manifest that was published"):
        SharedFolder(fleet_generations.folder).fetch(fleet_generations.new, "0" * 64, replica)
    assert not (replica / fleet_generations.new).exists()


def test_point_at_switches_and_keeps_the_previous_generation_only(
    fleet_generations: Generations, tmp_path: Path
) -> None:
    folder = fleet_generations.copy(tmp_path / "replica", with_new=True)
    assert point_at(folder, fleet_generations.new) == fleet_generations.old
    third = clone_generation(folder, fleet_generations.new)
    assert point_at(folder, third) == fleet_generations.new
    assert (folder / POINTER).read_text().strip() == third
    assert [g.name for g in generations(folder)] == [fleet_generations.new, third]
    assert point_at(folder, third) == third  # already current: nothing changes
