"""Command line: ``python -m app ingest FILE...``, ``serve``, ``worker``, ``migrate``,
``ingest-default``."""

import argparse
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from app.settings import BUNDLED_ARTICLE, PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from alembic.config import Config

    from app.ingest.batch import BatchSummary, FileResult


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from exc


def _positive(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {value!r}")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser(
        "ingest", help="ingest article files (.txt, .md, saved .html pages) and directories"
    )
    ingest.add_argument("files", nargs="+", type=Path, metavar="DIR_OR_FILE")
    ingest.add_argument("--slug", help="the article's slug (one file only)")
    ingest.add_argument("--title", help="the article's title (one file only)")
    ingest.add_argument("--source", help="the article's source URL")
    ingest.add_argument("--published", type=_date, help="publication date, YYYY-MM-DD")
    sub.add_parser("migrate", help="upgrade the database to the latest schema")
    sub.add_parser("ingest-default", help="ingest the bundled article if no article is stored")
    serve = sub.add_parser("serve", help="serve the reader with uvicorn")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=_positive, default=None, metavar="N",
                       help="server processes (default: WEB_CONCURRENCY, else 1)")
    serve.add_argument("--access-log", action="store_true", default=None,
                       help="log every request (default: ACCESS_LOG, else off)")
    worker = sub.add_parser(
        "worker", help="run ingest jobs (browser uploads, POST /api/articles) until stopped"
    )
    worker.add_argument("--threads", type=int, default=1,
                        help="jobs run at once by this process (default 1)")
    return parser


def alembic_config(database_url: str | None = None) -> "Config":
    from alembic.config import Config

    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    config.attributes["database_url"] = database_url or get_settings().database_url
    return config


# Exit codes: 2 bad input (files, options, text), 3 no spaCy model, 4 database unusable.
EXIT_INPUT, EXIT_MODEL, EXIT_DATABASE = 2, 3, 4


class DatabaseProblem(Exception):
    """The database cannot be used as it is; the message says what to do."""


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _shown(url: str) -> str:
    from app.db import parse_url

    return parse_url(url).render_as_string(hide_password=True)


def migrate() -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from alembic import command
    from app.db import DatabaseUnavailable, make_engine

    url = get_settings().database_url
    try:
        make_engine(url).dispose()  # a clear error for a bad URL or directory first
        command.upgrade(alembic_config(url), "head")
    except DatabaseUnavailable as exc:
        _error(str(exc))
        return EXIT_DATABASE
    except SQLAlchemyError as exc:
        _error(f"cannot migrate {_shown(url)}: {_reason(exc)}")
        return EXIT_DATABASE
    return 0


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig if orig is not None else exc).splitlines()[0]


def check_database(url: str) -> None:
    """Raise ``DatabaseProblem`` unless the database exists and is migrated to the latest schema.

    Commands that write articles never create a database or its schema: a mistyped
    DATABASE_URL must not quietly start an empty database somewhere else. ``migrate`` does.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from app.db import DatabaseUnavailable, make_engine, sqlite_path
    from app.schema_version import code_heads, database_heads

    try:
        shown = _shown(url)
        path = sqlite_path(url)
    except DatabaseUnavailable as exc:
        raise DatabaseProblem(str(exc)) from None
    if path is not None and not path.is_file():
        raise DatabaseProblem(
            f"there is no database at {path}: run `python -m app migrate` first "
            "(or set DATABASE_URL to an existing one)"
        )
    heads = code_heads()
    try:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                current = database_heads(conn)
        finally:
            engine.dispose()
    except DatabaseUnavailable as exc:
        raise DatabaseProblem(str(exc)) from None
    except SQLAlchemyError as exc:
        raise DatabaseProblem(f"cannot open {shown}: {_reason(exc)}") from None
    if not current:
        raise DatabaseProblem(f"{shown} has no schema yet: run `python -m app migrate` first")
    if current != heads:
        raise DatabaseProblem(
            f"the schema of {shown} is at revision {', '.join(sorted(current))}, this version "
            f"needs {', '.join(sorted(heads))}: run `python -m app migrate` first"
        )


def ingest_files(
    paths: Sequence[Path],
    slug: str | None = None,
    title: str | None = None,
    source: str | None = None,
    published: date | None = None,
) -> int:
    """Ingest files and directories; one bad file is reported and never stops the batch."""
    from app.db import make_engine, make_session_factory
    from app.ingest import batch

    files, problems = batch.collect(paths)
    if len(files) > 1 and (slug or title):
        _error("--slug and --title apply to a single file")
        return EXIT_INPUT
    settings = get_settings()
    for path, reason in problems:
        _error(f"{path}: {reason}")
    if not files:
        return EXIT_INPUT
    try:
        check_database(settings.database_url)  # before the slow model load
    except DatabaseProblem as exc:
        _error(str(exc))
        return EXIT_DATABASE
    from app.nlp.pipeline import ModelNotFound, load_pipeline

    engine = make_engine(settings.database_url)
    options = batch.Options(slug, title, source, published, settings.max_article_chars)
    progress = _Progress(len(files))
    try:
        summary = batch.ingest_files(
            make_session_factory(engine),
            lambda: load_pipeline(settings.spacy_model),
            files,
            options,
            progress.show,
        )
    except ModelNotFound as exc:
        _error(str(exc))
        return EXIT_MODEL
    finally:
        progress.close()
        engine.dispose()
    for path, reason in problems:
        summary.failed.insert(0, (path, reason))
        summary.files += 1
    print(_summary(summary))
    return EXIT_INPUT if summary.failed else 0


class _Progress:
    """A progress bar on a terminal; one plain line a file otherwise (logs, pipes)."""

    def __init__(self, total: int) -> None:
        self.bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="file", file=sys.stderr)

    def show(self, result: "FileResult") -> None:
        if result.error is not None:
            line = f"error: {result.path}: {result.error}"
            if self.bar is not None:
                self.bar.write(line, file=sys.stderr)
            else:
                print(line, file=sys.stderr)
        elif self.bar is None and result.outcome is not None:
            outcome = result.outcome
            print(f"{result.path}: {outcome.status} /articles/{outcome.slug} "
                  f"(revision {outcome.revision})", flush=True)
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _summary(summary: "BatchSummary") -> str:
    lines = [
        f"files: {summary.files}, created: {summary.created}, revised: {summary.revised}, "
        f"unchanged: {summary.unchanged}, failed: {len(summary.failed)}",
        f"extracted {summary.words} words in {summary.seconds:.1f} s "
        f"({summary.words_per_second:.0f} words/s, 1 process)",
    ]
    lines += [f"failed: {path}: {reason}" for path, reason in summary.failed]
    return "\n".join(lines)


def ingest_default() -> int:
    from sqlalchemy import func, select

    from app.db import make_engine
    from app.models import Article

    url = get_settings().database_url
    try:
        check_database(url)
    except DatabaseProblem as exc:
        _error(str(exc))
        return EXIT_DATABASE
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(Article))
    engine.dispose()
    if count:
        print(f"database holds {count} article(s); not loading the bundled one")
        return 0
    return ingest_files([BUNDLED_ARTICLE])


def serve(host: str | None, port: int | None, workers: int | None = None,
          access_log: bool | None = None) -> int:
    """Serve with uvicorn: ``workers`` processes share the socket; each keeps its own
    response cache and checks the database's content revision at every request."""
    import gc

    settings = get_settings()
    workers = workers or settings.web_concurrency
    if workers == 1:
        # The app is built in this process: no cyclic collection while the modules, routes
        # and schemas load (they all live as long as the server: collections would walk them
        # again and again for nothing); `serving_app` freezes them and turns collection on.
        gc.disable()
    import uvicorn

    try:
        check_database(settings.database_url)
    except DatabaseProblem as exc:
        _error(str(exc))
        return EXIT_DATABASE
    with _local_worker(settings.local_worker):
        uvicorn.run(
            "app.web.app:serving_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            access_log=settings.access_log if access_log is None else access_log,
        )
    return 0


@contextmanager
def _local_worker(wanted: bool) -> Iterator[None]:
    """Unless workers run elsewhere (LOCAL_WORKER=false), one worker process beside the
    server, so that uploads are ingested with nothing else to start; stopped with it."""
    if not wanted:
        yield
        return
    import subprocess

    # Niced: readers come first; extraction (its model load at start-up, then each job) gets
    # the CPU the server leaves, so it never slows the server's start or its pages.
    process = subprocess.Popen([sys.executable, "-m", "app", "worker"],
                               preexec_fn=lambda: os.nice(10))  # noqa: PLW1509 - no threads yet
    # uvicorn ends a graceful shutdown by raising the signal it caught again with the handler
    # it found; with SIGTERM's default that kills the server before `finally` below, leaving
    # the worker behind (`docker stop`, systemd). A handler that exits lets it run.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        process.terminate()  # huey puts a job it was running back on the queue
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)  # a requested stop, done cleanly


def worker(threads: int) -> int:
    """Run ingest jobs until stopped (SIGINT: after the jobs running now; SIGTERM: at once,
    putting them back on the queue)."""
    import logging

    from app.db import make_engine, make_session_factory
    from app.ingest.worker import ExtractionWorker, WorkerUnavailable
    from app.jobs import Jobs

    settings = get_settings()
    try:
        check_database(settings.database_url)
    except DatabaseProblem as exc:
        _error(str(exc))
        return EXIT_DATABASE
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    engine = make_engine(settings.database_url)
    jobs = Jobs(settings.database_url, make_session_factory(engine),
                settings.max_article_chars, settings.ingest_timeout)
    # Extraction in a child process of its own: a crash there fails one attempt of one job
    # (retried once), never the worker; the child keeps its spaCy pipeline between jobs.
    extraction = ExtractionWorker(settings.spacy_model, settings.ingest_timeout)
    log = logging.getLogger(__name__)
    # Until huey's consumer installs its own handlers: SIGTERM's default would end this
    # process at once, leaving the extraction child (spawned by warm_up) running on its own.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        try:
            extraction.warm_up()  # the first job need not wait for the model
        except WorkerUnavailable as exc:
            log.error("extraction cannot run: %s; jobs will fail with this reason", exc)
        consumer = jobs.consumer(extraction.extract, workers=max(threads, 1))
        recovered = jobs.recover()
        if recovered:
            log.info("queued %d interrupted job(s) again", recovered)
        consumer.run()
    finally:
        extraction.shutdown(kill=True)
        engine.dispose()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        get_settings()
    except ValueError as exc:  # pydantic's ValidationError: a bad PUBLIC_URL, PORT, ...
        _error(f"bad settings: {exc}")
        return EXIT_INPUT
    if args.command == "ingest":
        return ingest_files(args.files, args.slug, args.title, args.source, args.published)
    if args.command == "migrate":
        return migrate()
    if args.command == "ingest-default":
        return ingest_default()
    if args.command == "worker":
        return worker(args.threads)
    return serve(args.host, args.port, args.workers, args.access_log)
