"""Keyed digests (api/feedback/digest.py): an HMAC under a secret each deployment makes and keeps to itself."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from pathlib import Path

import pytest

from api.feedback import Bounds, SqliteFeedbackStore
from api.feedback.digest import Digester, file_secret
from tests.api.feedback.conftest import vote

QUESTION = "How common was herpes zoster on upadacitinib?"
BOUNDS = Bounds(max_rows=100, retention_days=30)


def test_the_question_digest_is_an_hmac_sha256_under_the_secret() -> None:
    secret = bytes(range(32))
    payload = json.dumps(["question", QUESTION, "ab12", ["earlier"]], ensure_ascii=False).encode()
    expected = hmac.new(secret, payload, hashlib.sha256).hexdigest()
    assert Digester(secret).question(QUESTION, "ab12", ("earlier",)) == expected
    assert expected != hashlib.sha256(payload).hexdigest()


def test_two_deployments_digest_the_same_question_differently(tmp_path: Path) -> None:
    first = SqliteFeedbackStore(tmp_path / "one" / "feedback.sqlite", BOUNDS)
    second = SqliteFeedbackStore(tmp_path / "two" / "feedback.sqlite", BOUNDS)
    first.add(vote(), keep_question=False)
    second.add(vote(), keep_question=False)
    (mine,), (theirs,) = first.all(), second.all()
    first.close()
    second.close()
    assert mine.question_digest != theirs.question_digest and mine.client != theirs.client
    assert mine.question_digest == first.digester.question(QUESTION, None, ())


def test_the_secret_is_made_once_beside_the_store_readable_by_its_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite"
    store = SqliteFeedbackStore(db, BOUNDS)
    digest = store.digester.question(QUESTION, None, ())
    store.close()
    key = tmp_path / "feedback.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(bytes.fromhex(key.read_text())) == 32
    again = SqliteFeedbackStore(db, BOUNDS)  # a restart keeps grouping votes with the earlier ones
    assert again.digester.question(QUESTION, None, ()) == digest
    again.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # nothing left aside


def test_a_damaged_secret_is_refused_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "feedback.key").write_text("not hex")
    with pytest.raises(ValueError, match="is not a feedback secret"):
        file_secret(tmp_path / "feedback.key")
    with pytest.raises(ValueError, match="at least 32 bytes"):
        Digester(b"short")
