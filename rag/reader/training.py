"""The reader's training loop: binary cross-entropy over (question, passage) pairs, AdamW with linear warm-up and
decay, from the first `layers` layers of the packaged MiniLM checkpoint under a new one-logit head (`base_model`).

A plain loop rather than `CrossEncoderTrainer`, so that a run on two cores can stop at a time budget, checkpoint
every few hundred steps (model, optimiser, schedule and position, written whole or not at all) and resume where
it stopped, printing pairs/s beside the load average."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rag.reader.model import encode_pairs, pair_tokenizer
from rag.reader.pairs import Pair

log = logging.getLogger(__name__)
CHECKPOINT = "checkpoint.pt"
HEAD_LR_FACTOR = 20


@dataclass(frozen=True)
class TrainOptions:
    layers: int = 3
    max_length: int = 128
    batch_size: int = 16
    learning_rate: float = 5e-5
    warmup: float = 0.1
    seed: int = 0
    checkpoint_every: int = 200  # steps


@dataclass(frozen=True)
class TrainReport:
    pairs_seen: int
    steps: int
    seconds: float
    pairs_per_second: float
    load_average: float
    final_loss: float
    stopped_early: bool


def base_model(model_path: Path, layers: int) -> Any:
    """The checkpoint's embeddings and first `layers` layers reading the pair together, under a new one-logit head
    over the mean of the question's token vectors (u), of the passage's (v), |u - v| and u * v: the
    classification head of Sentence-BERT (Reimers & Gurevych 2019) over a joint encoding.

    The checkpoint was trained to make mean-pooled vectors of a question and its answer alike, so u * v carries a
    match from the first step and the joint layers learn the rest. The usual head reads the [CLS] vector through
    BERT's pooler, which this checkpoint never trained to carry anything: 12,800 pairs left every logit at the
    positive rate (-1.67 for positive, hard, random and swapped pairs alike; loss 0.478, the prior's 0.47), and a
    head on the mean of all the pair's tokens learnt no more in 2,400 (eval/HISTORY.md, sixteenth pass, issue 35)."""
    import torch
    from transformers import AutoConfig, AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    config = AutoConfig.from_pretrained(model_path, num_hidden_layers=layers)
    encoder = AutoModel.from_pretrained(model_path, config=config, add_pooling_layer=False)

    class PairReader(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(4 * config.hidden_size, 1)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.to(hidden.dtype)
            passage = token_type_ids.to(hidden.dtype) * mask
            question = mask - passage
            u = _mean(hidden, question)
            v = _mean(hidden, passage)
            return self.head(self.dropout(torch.cat([u, v, (u - v).abs(), u * v], dim=-1)))

    return PairReader()


def _mean(hidden: Any, weights: Any) -> Any:
    expanded = weights.unsqueeze(-1)
    return (hidden * expanded).sum(dim=1) / expanded.sum(dim=1).clamp(min=1e-9)


def train(
    pairs: list[Pair],
    model_path: Path,
    options: TrainOptions,
    work: Path,
    *,
    minutes: float | None = None,
    progress: bool = True,
) -> tuple[Any, TrainReport]:
    """Trains (or resumes training in `work`) one pass over `pairs` in a fixed shuffled order; stops after
    `minutes` with what it has learnt (checkpointed, so the next run goes on)."""
    import torch

    torch.manual_seed(options.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    tokenizer = pair_tokenizer(model_path / "tokenizer.json", options.max_length)
    order = list(range(len(pairs)))
    random.Random(options.seed).shuffle(order)
    steps = -(-len(order) // options.batch_size)
    model = base_model(model_path, options.layers)
    # The new head learns from nothing: a larger step than the pretrained layers take.
    groups = [
        {"params": model.encoder.parameters(), "lr": options.learning_rate},
        {"params": model.head.parameters(), "lr": options.learning_rate * HEAD_LR_FACTOR},
    ]
    optimizer = torch.optim.AdamW(groups, weight_decay=0.01)
    warmup = max(1, int(steps * options.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    digest = hashlib.sha256()
    for pair in pairs:
        digest.update(f"{pair.question}\x1f{pair.passage}\x1f{pair.label}\x1e".encode())
    key = json.dumps({"options": asdict(options), "pairs": digest.hexdigest(), "base": str(model_path)}, sort_keys=True)
    step, elapsed, loss_ema = 0, 0.0, float("nan")
    checkpoint = work / CHECKPOINT
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        if state["key"] == key:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            schedule.load_state_dict(state["schedule"])
            step, elapsed, loss_ema = state["step"], state["elapsed"], state["loss"]
            log.info("resuming at step %d of %d", step, steps)
        else:
            log.warning("%s was written for other options or pairs: starting afresh", checkpoint)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    started, first_step = time.perf_counter(), step
    bar = tqdm(total=steps, initial=step, unit="step", disable=not progress, desc="reader")
    stopped_early = False
    while step < steps:
        if minutes is not None and time.perf_counter() - started > minutes * 60:  # this run's budget
            stopped_early = True
            break
        batch = [pairs[i] for i in order[step * options.batch_size : (step + 1) * options.batch_size]]
        ids, mask, types = encode_pairs(tokenizer, [(p.question, p.passage) for p in batch])
        inputs = {
            "input_ids": torch.from_numpy(ids),
            "attention_mask": torch.from_numpy(mask),
            "token_type_ids": torch.from_numpy(types),
        }
        labels = torch.tensor([float(p.label) for p in batch])
        logits = model(**inputs).view(-1)
        loss = loss_fn(logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        step += 1
        value = float(loss.item())
        loss_ema = value if loss_ema != loss_ema else 0.98 * loss_ema + 0.02 * value
        rate = (step - first_step) * options.batch_size / max(time.perf_counter() - started, 1e-9)
        bar.update(1)
        bar.set_postfix(loss=f"{loss_ema:.3f}", pairs_s=f"{rate:.1f}", load=f"{os.getloadavg()[0]:.2f}")
        if step % options.checkpoint_every == 0 or step == steps:
            if not progress:  # a log line instead of the bar where nobody watches a terminal
                log.info(
                    "step %d/%d, loss %.3f, %.1f pairs/s, load average %.2f",
                    step,
                    steps,
                    loss_ema,
                    rate,
                    os.getloadavg()[0],
                )
            _save(checkpoint, key, model, optimizer, schedule, step, elapsed + time.perf_counter() - started, loss_ema)
    bar.close()
    run_seconds = time.perf_counter() - started
    if step > first_step:
        _save(checkpoint, key, model, optimizer, schedule, step, elapsed + run_seconds, loss_ema)
    seen = min(step * options.batch_size, len(pairs))
    report = TrainReport(
        pairs_seen=seen,
        steps=step,
        seconds=round(elapsed + run_seconds, 1),
        pairs_per_second=round((step - first_step) * options.batch_size / max(run_seconds, 1e-9), 2),
        load_average=round(os.getloadavg()[0], 2),
        final_loss=round(loss_ema, 4),
        stopped_early=stopped_early,
    )
    model.eval()
    return model, report


def _save(
    path: Path, key: str, model: Any, optimizer: Any, schedule: Any, step: int, elapsed: float, loss: float
) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    state = {
        "key": key,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "schedule": schedule.state_dict(),
        "step": step,
        "elapsed": elapsed,
        "loss": loss,
    }
    torch.save(state, partial)
    partial.replace(path)
