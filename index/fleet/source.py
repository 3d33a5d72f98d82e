"""Where replicas read a published generation from: `GenerationSource`, and its shared-folder implementation.

Object storage (S3-compatible) is a second implementation of the same Protocol, not built: it would download
`<prefix>/<generation>/…` into a `.build-*` folder of the index folder and hand it to the same verify-and-rename
step (`index.store.adopt_generation` does it for a folder), so the checksums, the atomic rename and the kept-
generations limit stay in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from index.store import adopt_generation


class GenerationSource(Protocol):
    def fetch(self, generation: str, manifest_sha256: str, index_dir: Path) -> Path:
        """The generation, verified, as a folder of `index_dir`; `IndexUnavailable` naming a missing or corrupted
        file otherwise. `CURRENT` is not touched."""
        ...


class SharedFolder:
    """A folder every replica mounts (NFS, a volume): usually the publisher's index folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def fetch(self, generation: str, manifest_sha256: str, index_dir: Path) -> Path:
        return adopt_generation(index_dir, self.folder / generation, manifest_sha256)


def source_for(location: str) -> GenerationSource:
    """The source a publication names: today a folder path (an `s3://…` URL would pick the object store)."""
    return SharedFolder(Path(location))
