"""Keyed digests of questions and clients: HMAC-SHA256 under a secret of this deployment's own.

An unkeyed hash of a short question can be reversed by hashing guesses; under a secret that never leaves the
store (a 0600 file beside the SQLite file, or a row of its own in PostgreSQL) it cannot, and two deployments'
digests of the same question differ. The secret is made on first start, never in the repository.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

SECRET_BYTES = 32


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


class Digester:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < SECRET_BYTES:
            raise ValueError(f"a feedback secret has at least {SECRET_BYTES} bytes; this one has {len(secret)}")
        self._secret = secret

    def question(self, question: str, article_id: str | None, history: tuple[str, ...]) -> str:
        """One question asked in one context, whether or not its text is stored."""
        payload = json.dumps(["question", question, article_id, list(history)], ensure_ascii=False)
        return self._mac(payload)

    def client(self, client: str) -> str:
        """Who voted, without keeping their address or key."""
        return self._mac(json.dumps(["client", client], ensure_ascii=False))

    def _mac(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def file_secret(path: Path) -> bytes:
    """The secret in `path`, made (mode 0600) if missing. Made aside and linked in, so that of two processes
    starting together one makes it and both read the same."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(new_secret().hex().encode("ascii"))
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):  # another process linked its secret first: theirs stands
                os.link(aside, path)
        finally:
            aside.unlink(missing_ok=True)
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except ValueError:
        raise ValueError(f"{path} is not a feedback secret (hex): restore it (a new one starts new digests)") from None
