"""The served reader: an int8 ONNX cross-encoder (question, passage) → logit, run by onnxruntime in a session of
its own (threads and truncation its own), with the tokenizer it was trained with.

The passage is read as the models read it (`Chunk.embed_text`: the article's question, the section path, the
claim) and truncated where the reader's `max_length` ends; the question is never truncated before the passage.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, ValidationError
from tokenizers import Tokenizer

from index.store import IndexUnavailable, file_sha256

MODEL_DIR = Path(__file__).resolve().parent / "model"
CARD_FILE = "card.json"
ONNX_FILE = "reader.onnx"
TOKENIZER_FILE = "tokenizer.json"


class ReaderUnavailable(IndexUnavailable):
    """A reader folder without its model, tokenizer or card, or whose files do not match the card: the server
    runs but is not ready, and says why (as for an index it cannot serve)."""


class ReaderCard(BaseModel):
    """What a shipped reader is: the base model and depth it was trained from, how long it reads, on what data
    (each file's digest and count), by which command, and what it reached. Written by `rag.reader.train`."""

    model_config = ConfigDict(extra="allow")

    base_model: str
    layers: int
    max_length: int
    files: dict[str, str]  # file name in the folder → sha256
    data: dict[str, object]
    command: str
    seed: int
    commit: str
    figures: dict[str, object]
    probe: list[dict[str, object]]  # a few pairs and the scores the shipped model gives them


def read_card(directory: Path) -> ReaderCard:
    path = directory / CARD_FILE
    if not path.is_file():
        raise ReaderUnavailable(f"{directory}: no {CARD_FILE} (train one with python -m rag.reader.train)")
    try:
        card = ReaderCard.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        raise ReaderUnavailable(f"{path}: not a reader card ({str(exc).splitlines()[0]})") from None
    missing = {ONNX_FILE, TOKENIZER_FILE} - set(card.files)
    if missing:
        raise ReaderUnavailable(f"{path}: names no checksum for {', '.join(sorted(missing))}")
    return card


def verify(directory: Path) -> ReaderCard:
    """The card, once every file it names is present and matches its checksum."""
    card = read_card(directory)
    for name, expected in card.files.items():
        path = directory / name
        if not path.is_file():
            raise ReaderUnavailable(f"{path}: missing (the reader's card names it)")
        if file_sha256(path) != expected:
            raise ReaderUnavailable(f"{path}: does not match the checksum on its card")
    return card


def sigmoid(logits: NDArray[np.float32]) -> NDArray[np.float32]:
    clipped = np.clip(logits, -50.0, 50.0)
    result: NDArray[np.float32] = (1.0 / (1.0 + np.exp(-clipped))).astype(np.float32)
    return result


class Reader:
    """Scores (question, passage) pairs in one batched run; a probability that the passage answers the question."""

    def __init__(self, directory: Path = MODEL_DIR, *, threads: int = 1, max_length: int | None = None) -> None:
        import onnxruntime as ort

        self.card = verify(directory)
        self.max_length = max_length or self.card.max_length
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(
                str(directory / ONNX_FILE), options, providers=["CPUExecutionProvider"]
            )
            self._tokenizer = pair_tokenizer(directory / TOKENIZER_FILE, self.max_length)
        except Exception as exc:  # onnxruntime and tokenizers raise their own kinds for a file they cannot read
            raise ReaderUnavailable(f"{directory}: cannot load the reader ({str(exc).splitlines()[0]})") from None
        self.directory = directory

    def logits(self, question: str, passages: list[str]) -> NDArray[np.float32]:
        if not passages:
            return np.zeros(0, dtype=np.float32)
        ids, mask, types = encode_pairs(self._tokenizer, [(question, passage) for passage in passages])
        (out,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        return np.asarray(out, dtype=np.float32).reshape(-1)

    def scores(self, question: str, passages: list[str]) -> NDArray[np.float32]:
        """Probabilities in (0, 1), one per passage, in the order given."""
        return sigmoid(self.logits(question, passages))


def pair_tokenizer(path: Path, max_length: int) -> Tokenizer:
    """The BERT tokenizer for (question, passage) pairs, cut to `max_length` word pieces by the longer of the two
    first: the passage, unless a question (a pasted note) is longer than it."""
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length, strategy="longest_first")
    tokenizer.no_padding()
    return tokenizer


Encoded = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]


def encode_pairs(tokenizer: Tokenizer, pairs: list[tuple[str, str]]) -> Encoded:
    """input_ids, attention_mask and token_type_ids, padded to the longest pair. Each pair is tokenised in the
    calling thread: a batch call goes to the tokenizer's own thread pool, which under concurrent requests contends
    with the encoder's and the reader's threads for two cores (index/onnx_encoder.py)."""
    encoded = [tokenizer.encode(question, passage) for question, passage in pairs]
    width = max(len(e.ids) for e in encoded)
    ids = np.zeros((len(encoded), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    types = np.zeros_like(ids)
    for i, e in enumerate(encoded):
        n = len(e.ids)
        ids[i, :n], mask[i, :n], types[i, :n] = e.ids, e.attention_mask, e.type_ids
    return ids, mask, types


def logit(probability: float) -> float:
    p = min(max(probability, 1e-7), 1 - 1e-7)
    return math.log(p / (1 - p))
