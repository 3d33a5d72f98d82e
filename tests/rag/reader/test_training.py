"""The training command's code on a few dozen pairs (the full run is a command, not a test)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from index.settings import packaged_model_path
from index.store import file_sha256
from rag.answer import Answerer
from rag.everyday import out_of_scope_questions
from rag.reader.export import export_int8
from rag.reader.model import CARD_FILE, ONNX_FILE, TOKENIZER_FILE, Reader, ReaderUnavailable
from rag.reader.pairs import Pair, out_of_scope_pairs, pseudo_question_pairs
from rag.reader.train import main
from rag.reader.training import CHECKPOINT, TrainOptions, train

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def few_pairs(answerer: Answerer) -> list[Pair]:
    rng = random.Random(0)
    pairs = list(pseudo_question_pairs(answerer, 8, rng, kind="pseudo-question"))
    pairs += out_of_scope_pairs(answerer, out_of_scope_questions(6, rng), rng, kind="out of scope")
    return pairs


def test_pairs_are_labelled_passages_as_served(few_pairs: list[Pair], answerer: Answerer) -> None:
    served = {chunk.embed_text for chunk in answerer.index.chunks}
    assert {p.label for p in few_pairs} == {0, 1}
    assert all(p.passage in served for p in few_pairs)
    assert all(p.label == 0 for p in few_pairs if p.kind == "out of scope")
    swaps = [p for p in few_pairs if p.kind.endswith("entity swap")]
    originals = {p.question for p in few_pairs if p.label == 1}
    assert swaps and not any(s.question in originals for s in swaps)


def test_a_short_run_trains_exports_and_resumes(few_pairs: list[Pair], tmp_path: Path) -> None:
    options = TrainOptions(layers=1, max_length=64, batch_size=8, checkpoint_every=2)
    model, report = train(few_pairs, packaged_model_path(), options, tmp_path / "work", progress=False)
    assert report.pairs_seen == len(few_pairs) and not report.stopped_early
    assert (tmp_path / "work" / CHECKPOINT).is_file()
    _, again = train(few_pairs, packaged_model_path(), options, tmp_path / "work", progress=False)
    assert again.steps == report.steps and again.pairs_per_second == 0  # resumed at the end: nothing left to do

    export_int8(model, packaged_model_path() / "tokenizer.json", tmp_path / "reader")
    files = {name: file_sha256(tmp_path / "reader" / name) for name in (ONNX_FILE, TOKENIZER_FILE)}
    card = {"base_model": "test", "layers": 1, "max_length": 64, "files": files, "data": {}, "command": "",
            "seed": 0, "commit": "", "figures": {}, "probe": []}  # fmt: skip
    (tmp_path / "reader" / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")
    reader = Reader(tmp_path / "reader")
    scores = reader.scores(few_pairs[0].question, [p.passage for p in few_pairs[:5]])
    assert scores.shape == (5,) and np.all((scores > 0) & (scores < 1))
    assert (tmp_path / "reader" / ONNX_FILE).stat().st_size < 30e6


def test_a_time_budget_stops_with_a_checkpoint_to_resume_from(few_pairs: list[Pair], tmp_path: Path) -> None:
    options = TrainOptions(layers=1, max_length=64, batch_size=8)
    _, report = train(few_pairs, packaged_model_path(), options, tmp_path, minutes=0, progress=False)
    assert report.stopped_early and report.pairs_seen == 0


def test_a_reader_whose_files_do_not_match_its_card_is_refused(tmp_path: Path) -> None:
    (tmp_path / ONNX_FILE).write_bytes(b"not a model")
    (tmp_path / TOKENIZER_FILE).write_text("{}")
    card = {"base_model": "test", "layers": 1, "max_length": 64, "files": {ONNX_FILE: "0" * 64}, "data": {},
            "command": "", "seed": 0, "commit": "", "figures": {}, "probe": []}  # fmt: skip
    (tmp_path / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ReaderUnavailable, match="checksum"):
        Reader(tmp_path)


def test_the_command_without_its_data_says_so_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data", str(tmp_path / "absent"), "--work", str(tmp_path / "work")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error:") and "\n" not in error
