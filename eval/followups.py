"""`python -m eval.followups --beir DIR --split dev`: follow-ups made from a BEIR set whose documents are titled by
their subject (MedQuAD: the focus), scored with and without their context.

Gold follow-ups are few (~60 a half), too few to tell two ways of reading context apart. This makes thousands: a
question that names its document's title ("What are the symptoms of Glaucoma ?") becomes an elliptical follow-up
("What are the symptoms of it ?") asked after an earlier question about the title ("What is (are) Glaucoma ?", the
set's own phrasing of an overview question), with the same relevant documents. Nothing here was written from our
gold questions or tuned on this set. Printed per half (by a hash of the query id, as `eval.sweep` cuts BEIR sets):
nDCG@10 of the original question (the ceiling), of the follow-up alone (the floor) and of the follow-up with its
earlier question, through the served pipeline, with no question declined.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from eval.beir_eval import DEPTH, cached_index, half
from eval.datasets import BeirSet, GoldQuestion, load_beir
from eval.metrics import score
from eval.runner import document_run, rank_all, served_answerer
from eval.sweep import parse_variant
from index.embedder import Embedder
from rag.settings import PipelineSettings
from rag.types import Mode


def follow_ups(data: BeirSet) -> tuple[list[GoldQuestion], list[GoldQuestion]]:
    """Each question naming the one title its relevant documents share, as asked (`original`) and as a follow-up
    with the title replaced by "it" after an overview question about the title. Overview questions themselves
    ("What is (are) X ?") are left out: without their subject they ask nothing."""
    original: list[GoldQuestion] = []
    followed: list[GoldQuestion] = []
    for qid, relevant in data.qrels.items():
        titles = {data.corpus[doc][0] for doc in relevant if doc in data.corpus}
        question = data.queries.get(qid, "")
        if len(titles) != 1:
            continue
        title = titles.pop().strip()
        named = re.compile(rf"\b{re.escape(title)}\b", re.IGNORECASE)
        if not title or not named.search(question) or question.lower().startswith("what is (are)"):
            continue
        docs = sorted(relevant)
        original.append(GoldQuestion(id=qid, question=question, relevant=docs))
        followed.append(
            GoldQuestion(
                id=qid,
                question=named.sub("it", question),
                history=[f"What is (are) {title} ?"],
                relevant=docs,
            )
        )
    return original, followed


def figures(settings: PipelineSettings, embedder: Embedder, data: BeirSet, cache: Path, limit: int) -> dict[str, float]:
    original, followed = follow_ups(data)
    original, followed = original[:limit], followed[:limit]
    answerer = served_answerer(cached_index(data, settings, embedder, cache), settings, embedder)
    alone = [q.model_copy(update={"history": []}) for q in followed]
    results: dict[str, float] = {"questions": float(len(followed))}
    for name, questions in (("original", original), ("follow-up alone", alone), ("follow-up", followed)):
        run = document_run(answerer, rank_all(answerer, questions, Mode.HYBRID), DEPTH)
        for side in "AB":
            qrels = {q.id: dict.fromkeys(q.relevant, 1) for q in questions if half(q.id) == side}
            results[f"{side} {name} nDCG@10"] = score(qrels, {q: run[q] for q in qrels})["ndcg@10"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beir", type=Path, required=True)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--variant", action="append", default=None, help="setting=value,… ('' for the defaults)")
    parser.add_argument("--limit", type=int, default=2000, help="Follow-ups scored (the first N).")
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache"))
    args = parser.parse_args()
    data = load_beir(args.beir, args.split)
    base = PipelineSettings()
    embedder = Embedder(base.index.resolved_model_path())
    header = False
    for variant in args.variant or [""]:
        settings = base.replace(**parse_variant(variant))
        result = figures(settings, embedder, data, args.cache_dir, args.limit)
        if not header:
            print("| variant | " + " | ".join(result) + " |\n|" + "---|" * (len(result) + 1))
            header = True
        cells = " | ".join(f"{v:.0f}" if k == "questions" else f"{v:.4f}" for k, v in result.items())
        print(f"| {variant or 'defaults'} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
