"""The `followup` command: import articles, build the index, serve the API, ask from a terminal."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from api.settings import AppSettings
from corpus.errors import CorpusError
from index.store import IndexUnavailable
from index.vocabulary import VocabularyUnavailable

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
import_app = typer.Typer(no_args_is_help=True, help="Turn other formats into canonical Markdown articles.")
index_app = typer.Typer(no_args_is_help=True, help="Build the search index.")
app.add_typer(import_app, name="import")
feedback_app = typer.Typer(no_args_is_help=True, help="Clinicians' feedback on answers (POST /v1/feedback).")
app.add_typer(index_app, name="index")
app.add_typer(feedback_app, name="feedback")
fleet_app = typer.Typer(no_args_is_help=True, help="The replicas sharing FOLLOWUP_OVERRIDES_URL.")
app.add_typer(fleet_app, name="fleet")

KNOWN_ERRORS = (CorpusError, IndexUnavailable, VocabularyUnavailable, FileNotFoundError, ValueError)
RAY_LOCAL = "-"  # what a bare `--ray` stands for (see _optional_ray_address)
T = TypeVar("T")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


@import_app.command("page")
def import_page_command(
    file: Annotated[Path, typer.Argument(help="A page-text export of an article.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the Markdown article into.")],
    article_id: Annotated[str | None, typer.Option("--id", help="Article id; default: from the file name.")] = None,
    url: Annotated[str | None, typer.Option(help="The page's address, kept in the front matter.")] = None,
    status: Annotated[
        str | None, typer.Option(help="submitted, under_review or approved; default: read from the page.")
    ] = None,
) -> None:
    """Import a page-text export (like the seed) into the canonical Markdown format."""
    from corpus.markdown import dump
    from corpus.model import ReviewStatus
    from corpus.pagetext import import_page

    try:
        if not file.is_file():
            raise CorpusError(file, "file not found")
        if status is not None and status not in {s.value for s in ReviewStatus}:
            raise _fail(f"unknown --status {status!r}: use submitted, under_review or approved")
        article = import_page(file, article_id, url, ReviewStatus(status) if status else None)
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{article.id}.md"
        dump(article, target)
    except (CorpusError, OSError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"wrote {target} ({article.status.value}, {len(article.walk_sections())} sections)")


@import_app.command("medquad")
def import_medquad_command(
    file: Annotated[Path, typer.Argument(help="medquad.jsonl.gz (one JSON document per line).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write one Markdown article per document into.")],
) -> None:
    """Import MedQuAD: one approved article per document, each QA pair a section."""
    import time

    from corpus.markdown import dump
    from corpus.medquad import read_medquad
    from corpus.progress import progress

    started = time.perf_counter()
    documents = answers = 0
    try:
        if not file.is_file():
            raise CorpusError(file, "file not found")
        out.mkdir(parents=True, exist_ok=True)
        for article in progress(read_medquad(file), total=None, desc="import", unit="documents"):
            dump(article, out / f"{article.id}.md")
            documents += 1
            answers += len(article.sections)
    except (CorpusError, OSError) as exc:
        raise _fail(str(exc)) from None
    seconds = time.perf_counter() - started
    typer.echo(f"imported {documents} documents, {answers} answers into {out} in {seconds:.1f}s")


@index_app.command("build")
def build_command(
    corpus: Annotated[Path | None, typer.Option(help="Folder of articles (default: FOLLOWUP_CORPUS_DIR).")] = None,
    index: Annotated[Path | None, typer.Option(help="Index folder (default: FOLLOWUP_INDEX_DIR).")] = None,
    strict: Annotated[bool, typer.Option(help="Fail on any invalid article instead of skipping it.")] = False,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="[ADDRESS]",
            help="Embed on Ray: join the cluster at ADDRESS (or FOLLOWUP_RAY_ADDRESS); bare --ray with neither "
            "starts a local Ray sized to this machine.",
        ),
    ] = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="Then publish it to the fleet, as 'followup index publish' does.")
    ] = False,
) -> None:
    """Index the articles of a corpus into a new index generation (only approved ones are ever served)."""
    from contextlib import nullcontext

    from index.builder import StrictBuildError
    from index.embedder import Embedder
    from index.ray_embed import RayBuildError, RayEncoder
    from index.ray_settings import RaySettings
    from rag.building import build_index

    settings = _settings()
    ray_settings = _configured(RaySettings) if ray is not None else None
    if publish and settings.server.overrides_url is None:
        raise _fail(NO_FLEET)
    corpus_dir = corpus or settings.index.corpus_dir
    index_dir = index or settings.index.index_dir
    try:
        if not corpus_dir.is_dir():
            raise CorpusError(corpus_dir, "corpus folder not found")
        model_path = settings.index.resolved_model_path()
        batch = settings.index.embed_batch_size
        embedder = Embedder(model_path, batch)
        remote = None
        if ray_settings is not None:
            address = (ray_settings.ray_address if ray == RAY_LOCAL else ray) or None
            remote = RayEncoder(ray_settings, model_path, batch, address)
        with remote or nullcontext():
            report = build_index(corpus_dir, index_dir, settings, embedder, strict=strict, encoder=remote)
    except StrictBuildError as exc:
        raise _fail(f"invalid articles (--strict): {exc}") from None
    except RayBuildError as exc:
        raise _fail(f"{exc}; CURRENT is unchanged") from None
    except KNOWN_ERRORS as exc:
        raise _fail(str(exc)) from None
    if remote is not None and remote.plan is not None:
        typer.echo(f"embedded on Ray: {remote.plan.actors} actors on {len(remote.nodes)} node(s)")
    counts = report.manifest.counts
    typer.echo(
        f"indexed {counts.articles_indexed} articles ({counts.articles_not_approved} not approved, held back; "
        f"{counts.skipped} skipped), {counts.chunks} chunks in {report.seconds:.1f}s "
        f"({counts.chunks / max(report.seconds, 1e-9):.0f} chunks/s) → {report.directory}"
    )
    typer.echo(f"stages: {report.stage_line()}")
    if publish:
        _publish_to_fleet(settings, index_dir, report.directory.name)


@index_app.command("rollback")
def rollback_command(
    index: Annotated[Path | None, typer.Option(help="Index folder (default: FOLLOWUP_INDEX_DIR).")] = None,
) -> None:
    """Point CURRENT back at the previous (kept, verified) generation; then reload the server. With a fleet
    (FOLLOWUP_OVERRIDES_URL): publish the previously released generation instead, canary first."""
    from index.fleet import FleetUnavailable
    from index.fleet.database import FleetDatabase
    from index.fleet.publish import rollback_target
    from index.store import rollback

    settings = _settings()
    url = settings.server.overrides_url
    if url is not None:
        try:
            target = rollback_target(FleetDatabase(url.get_secret_value()))
        except FleetUnavailable as exc:
            raise _fail(str(exc)) from None
        _publish_to_fleet(settings, index or Path(target.source), target.generation)
        return
    try:
        to, was = rollback(index or settings.index.index_dir)
    except KNOWN_ERRORS as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"CURRENT → {to} (was {was}); reload a running server: POST /v1/admin/reload or kill -HUP <pid>")


@index_app.command("publish")
def publish_command(
    generation: Annotated[
        str | None, typer.Option(help="The generation (default: what CURRENT names in the index folder).")
    ] = None,
    index: Annotated[
        Path | None,
        typer.Option(help="Index folder the replicas read it from (default: FOLLOWUP_INDEX_DIR)."),
    ] = None,
    canary: Annotated[
        list[str] | None,
        typer.Option(help="Replica that tries it first (repeat for more; default: the first live one by name)."),
    ] = None,
    probe: Annotated[
        Path | None,
        typer.Option(help="Gold JSONL the canary asks (default: FOLLOWUP_PROBE_FILE, else the article titles)."),
    ] = None,
    wait: Annotated[
        float | None,
        typer.Option(min=0, help="Seconds to wait for the canary (default: FOLLOWUP_PUBLISH_WAIT_SECONDS, 120)."),
    ] = None,
) -> None:
    """Publish a generation to every replica sharing FOLLOWUP_OVERRIDES_URL: a canary tries it against the one it
    serves, and only if it holds does the rest of the fleet switch."""
    from index.store import current_generation

    settings = _settings()
    index_dir = index or settings.index.index_dir
    try:
        name = generation or current_generation(index_dir).name
    except KNOWN_ERRORS as exc:
        raise _fail(str(exc)) from None
    _publish_to_fleet(settings, index_dir, name, canary or [], probe, wait)


NO_FLEET = "no fleet to publish to: set FOLLOWUP_OVERRIDES_URL (the PostgreSQL database the replicas share)"


def _publish_to_fleet(
    settings: AppSettings,
    source: Path,
    generation: str,
    canaries: list[str] | None = None,
    probe: Path | None = None,
    wait: float | None = None,
) -> None:
    """Publishes and reports the canary's decision: exit 0 once released (or already released), 1 if it failed."""
    import getpass

    from index.fleet import FleetUnavailable, PublicationState
    from index.fleet.database import FleetDatabase
    from index.fleet.publish import publish
    from rag.probe import read_probe

    url = settings.server.overrides_url
    if url is None:
        raise _fail(NO_FLEET)
    fleet = settings.fleet
    try:
        probe_set = None
        if probe is not None:
            probe_set = [q.model_dump() for q in read_probe(probe, fleet.probe_limit)]
            if not probe_set:
                raise ValueError(f"{probe}: no answerable question with a relevant passage or article to probe with")
        outcome = publish(
            FleetDatabase(url.get_secret_value()),
            source,
            generation,
            canaries=canaries or [],
            who=getpass.getuser(),
            wait_seconds=fleet.publish_wait_seconds if wait is None else wait,
            settings=fleet,
            probe_set=probe_set,
        )
    except (FleetUnavailable, *KNOWN_ERRORS) as exc:
        raise _fail(str(exc)) from None
    done = outcome.publication
    if outcome.unchanged:
        typer.echo(f"{generation} is already the released generation (publication {done.id}): nothing changed")
        return
    canaries_named = ", ".join(done.canaries)
    if done.state is PublicationState.RELEASED:
        typer.echo(f"released {generation} (publication {done.id}); canary {canaries_named}: {done.reason}")
        typer.echo("every replica switches to it within seconds: followup fleet status")
    elif done.state is PublicationState.FAILED:
        raise _fail(f"{generation} not released (publication {done.id}): {done.reason}; the fleet keeps its generation")
    else:
        typer.echo(
            f"published {generation} (publication {done.id}); canary {canaries_named} deciding: followup fleet status"
        )


@fleet_app.command("status")
def fleet_status_command() -> None:
    """Every replica and worker serving (address, generation, when it switched, canary, last check-in; STALE when
    not seen within FOLLOWUP_STALE_SECONDS) and the latest publication with its state and reason."""
    from api.fleet import fleet_status
    from index.fleet import FleetUnavailable

    settings = _settings()
    if settings.server.overrides_url is None:
        raise _fail("no fleet: replicas share one only with FOLLOWUP_OVERRIDES_URL")
    try:
        status = fleet_status(settings)
    except FleetUnavailable as exc:
        raise _fail(str(exc)) from None
    rows = [("ADDRESS", "REPLICA", "WORKER", "GENERATION", "SWITCHED AT", "CANARY", "LAST SEEN", "")]
    for m in status.members:
        switched = m.switched_at.strftime("%Y-%m-%d %H:%M:%S") if m.switched_at else "-"
        seen = m.last_seen.strftime("%Y-%m-%d %H:%M:%S")
        rows.append(
            (
                m.address,
                m.replica,
                str(m.pid),
                m.generation or "-",
                switched,
                "yes" if m.canary else "",
                seen,
                "STALE" if m.stale else "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    if not status.members:
        typer.echo("(no replica has checked in)")
    typer.echo(f"released: {status.released or '-'}")
    publication = status.publication
    if publication is not None:
        typer.echo(
            f"latest publication {publication.id}: {publication.generation} {publication.state} "
            f"(canary {', '.join(publication.canaries)}; by {publication.who} at "
            f"{publication.published_at:%Y-%m-%d %H:%M:%S}): {publication.reason or '-'}"
        )


@feedback_app.command("export")
def feedback_export_command(
    out: Annotated[Path, typer.Option(help="Gold JSONL to write (followup eval --gold, ANSWERABILITY_CALIBRATION).")],
    index: Annotated[Path | None, typer.Option(help="Index folder (default: FOLLOWUP_INDEX_DIR).")] = None,
) -> None:
    """Write the feedback given so far as gold questions, by majority: passages more clients found helpful than not
    are relevant; a question more clients said none of the passages answers is not answerable. The counts behind
    each go to OUT's .votes.jsonl; feedback stored without its question text is counted."""
    from pydantic import ValidationError

    from api.feedback import FeedbackUnavailable, open_feedback_store
    from api.feedback.export import gold_questions, votes_path, write_export

    settings = _settings()
    if index is not None:
        settings = settings.replace(index_dir=index)
    db = settings.resolved_feedback_db()
    if settings.server.overrides_url is None and not db.is_file():
        raise _fail(f"no feedback store at {db}: no server has stored feedback for this index")
    try:
        store = open_feedback_store(db, settings.feedback_bounds(), settings.server.overrides_url)
        try:
            exported = gold_questions(store.all())
        finally:
            store.close()
        write_export(exported, out)
    except (FeedbackUnavailable, OSError) as exc:
        raise _fail(str(exc)) from None
    except ValidationError as exc:  # stored feedback that is no gold question: nothing written
        raise _fail(f"feedback did not make valid gold questions, nothing written: {exc}") from None
    typer.echo(
        f"wrote {len(exported.questions)} questions to {out} ({exported.answerable} answerable, "
        f"{exported.unanswerable} that none of the passages answered; vote counts in {votes_path(out)}); "
        f"{exported.undecided} were undecided (tied, or only not helpful); {exported.without_text} more were given "
        "feedback without their text stored (FOLLOWUP_FEEDBACK_QUESTIONS)"
    )


@app.command("serve")
def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: FOLLOWUP_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: FOLLOWUP_PORT).")] = None,
    index: Annotated[Path | None, typer.Option(help="Index folder (default: FOLLOWUP_INDEX_DIR).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Processes serving on the port, reloading together (default: FOLLOWUP_WORKERS, 1)."),
    ] = None,
) -> None:
    """Serve the HTTP API."""
    import uvicorn

    from api.app import create_app
    from api.logs import configure_json_logging
    from api.security import ConfigError
    from api.workers import serve_workers
    from index.overrides import OverridesUnavailable, open_override_store

    settings = _settings()
    if index is not None:
        settings = settings.replace(index_dir=index)
    # Where it listens, as the fleet names and lists this replica (index/fleet).
    settings = settings.replace(host=host or settings.server.host, port=port or settings.server.port)
    processes = settings.server.workers if workers is None else workers
    if processes < 1:
        raise _fail(f"--workers must be 1 or more, not {processes}")
    try:
        application = create_app(settings)
        # An unreachable status database: one line now, not a traceback later.
        open_override_store(settings.resolved_overrides_db(), settings.server.overrides_url).close()
    except (ConfigError, OverridesUnavailable) as exc:
        raise _fail(str(exc)) from None
    configure_json_logging()
    # Without an index the server still starts: /healthz answers, /readyz says why it is not ready.
    if processes > 1:
        if not serve_workers(settings, processes):
            raise _fail("a worker failed to start (its log above says why): every worker stopped")
        return
    # Our middleware writes the access line (with request id and route template); uvicorn's would repeat it.
    uvicorn.run(
        application,
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_config=None,
        access_log=False,
    )


@app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="The question.")],
    index: Annotated[Path | None, typer.Option(help="Index folder (default: FOLLOWUP_INDEX_DIR).")] = None,
    top_k: Annotated[int, typer.Option(min=1, max=50)] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, bm25 or dense")] = "hybrid",
    article_id: Annotated[str | None, typer.Option(help="The approved article being read.")] = None,
    history: Annotated[list[str] | None, typer.Option(help="An earlier question (repeat for more).")] = None,
) -> None:
    """Answer one question from the index and print the answer as JSON."""
    from eval.runner import served_answerer
    from index.embedder import Embedder
    from index.overrides import OverridesUnavailable, existing_override_store
    from index.store import load_index
    from rag.answer import UnknownArticle
    from rag.types import Mode

    settings = _settings()
    if index is not None:
        settings = settings.replace(index_dir=index)
    overrides = None
    try:
        # As the server would serve it.
        overrides = existing_override_store(settings.resolved_overrides_db(), settings.server.overrides_url)
        answerer = served_answerer(
            load_index(settings.index.index_dir),
            settings,
            Embedder(settings.index.resolved_model_path(), settings.index.embed_batch_size),
            overrides,
        )
        answer = answerer.ask(
            question, article_id=article_id, history=history or [], top_k=top_k, mode=Mode.from_str(mode)
        )
    except UnknownArticle:
        raise _fail(f"article_id {article_id!r} is not an approved article of the index") from None
    except (*KNOWN_ERRORS, OverridesUnavailable) as exc:
        raise _fail(str(exc)) from None
    finally:
        if overrides is not None:
            overrides.close()
    typer.echo(json.dumps(answer.model_dump(mode="json"), indent=2, ensure_ascii=False))


@app.command("eval")
def eval_command(
    beir: Annotated[
        Path | None, typer.Option(help="A BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/).")
    ] = None,
    gold: Annotated[Path | None, typer.Option(help="Our gold JSONL, scored over an index of --corpus.")] = None,
    corpus: Annotated[Path | None, typer.Option(help="Corpus for --gold (default: FOLLOWUP_CORPUS_DIR).")] = None,
    split: Annotated[str, typer.Option(help="The qrels split to score, e.g. dev.")] = "dev",
    modes: Annotated[str, typer.Option(help="Comma-separated: bm25,dense,hybrid.")] = "bm25,dense,hybrid",
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results here (TREC runs beside it).")] = None,
    plot: Annotated[Path | None, typer.Option(help="Draw recall@k (k = 1…100) per mode to this PNG.")] = None,
    cache_dir: Annotated[Path, typer.Option(help="Where BEIR indexes and embeddings are cached.")] = Path("var/cache"),
    limit: Annotated[int | None, typer.Option(min=1, help="Score only the first N queries (a quick look).")] = None,
    url: Annotated[
        str | None, typer.Option(help="Evaluate a running server (http://HOST:PORT) via POST /v1/ask.")
    ] = None,
) -> None:
    """Score retrieval against gold questions: documents ranked per mode, metrics by ranx."""
    from eval.beir_eval import MODES, evaluate_beir
    from eval.datasets import DatasetError, load_beir, load_gold
    from eval.gold_eval import (
        abstention_table,
        cached_corpus_index,
        evaluate_gold,
        outcome_figures,
        relevant_in_top3,
        separation_table,
    )
    from eval.http_runner import ServerError, evaluate_over_http
    from eval.report import format_table, write_outputs
    from eval.runner import served_answerer
    from index.embedder import Embedder

    settings = _settings()
    chosen = [m.strip() for m in modes.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in MODES]
    if unknown or not chosen:
        raise _fail(f"unknown mode {unknown[0] if unknown else modes!r}: use bm25, dense, hybrid")
    if url is not None and not url.startswith(("http://", "https://")):
        raise _fail(f"--url must look like http://HOST:PORT, got {url!r}")
    if (beir is None) == (gold is None):
        raise _fail("give one of --beir DIR or --gold FILE")
    try:
        if url is not None:
            result, qrels = evaluate_over_http(url, beir, gold, split, chosen, limit)
            _print_result(format_table(result), write_outputs(result, qrels, json_out, plot))
            return
        embedder = Embedder(settings.index.resolved_model_path(), settings.index.embed_batch_size)
        if beir is not None:
            data = load_beir(beir, split)
            if limit is not None:
                data = data.limited(limit)
            qrels = data.qrels
            result = evaluate_beir(data, split, chosen, settings, embedder, cache_dir, progress=sys.stderr.isatty())
        else:
            assert gold is not None
            questions = load_gold(gold)[:limit]
            index = cached_corpus_index(corpus or settings.index.corpus_dir, settings, embedder, cache_dir)
            answerer = served_answerer(index, settings, embedder)
            result, runs, qrels = evaluate_gold(gold, questions, chosen, answerer)
            served_mode = "hybrid" if "hybrid" in runs.ranked else chosen[-1]
            served = runs.ranked[served_mode]
            shown = relevant_in_top3(answerer, served, qrels)
            result.outcomes = outcome_figures(questions, served, shown)
            typer.echo("\n".join(abstention_table(questions, served, shown)) + "\n")
            target = settings.index.answerability_target
            typer.echo("\n".join(separation_table(questions, served, target)) + "\n")
    except (DatasetError, ServerError, *KNOWN_ERRORS) as exc:
        raise _fail(str(exc)) from None
    _print_result(format_table(result), write_outputs(result, qrels, json_out, plot))


def _print_result(*parts: str) -> None:
    typer.echo("\n".join(part for part in parts if part))


def _settings() -> AppSettings:
    return _configured(AppSettings)


def _configured(read: Callable[[], T]) -> T:
    """Settings read from the environment; a bad value is one line and exit 1."""
    try:
        return read()
    except ValueError as exc:
        raise _fail(f"bad configuration: {exc}") from None


def _optional_ray_address(argv: list[str]) -> list[str]:
    """`--ray` may come without its ADDRESS; typer has no optional option values, so a bare one gets `-`."""
    out: list[str] = []
    for position, arg in enumerate(argv):
        out.append(arg)
        following = argv[position + 1] if position + 1 < len(argv) else None
        if arg == "--ray" and (following is None or following.startswith("-")):
            out.append(RAY_LOCAL)
    return out


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    app(args=_optional_ray_address(sys.argv[1:]))
