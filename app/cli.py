"""Command line: ``python -m app ingest FILE...``, ``serve``, ``migrate``, ``ingest-default``."""

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from app.settings import BUNDLED_ARTICLE, PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from alembic.config import Config


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="ingest article text files")
    ingest.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ingest.add_argument("--slug", help="the article's slug (one file only)")
    ingest.add_argument("--title", help="the article's title (one file only)")
    ingest.add_argument("--source", help="the article's source URL")
    ingest.add_argument("--published", type=_date, help="publication date, YYYY-MM-DD")
    sub.add_parser("migrate", help="upgrade the database to the latest schema")
    sub.add_parser("ingest-default", help="ingest the bundled article if no article is stored")
    serve = sub.add_parser("serve", help="serve the reader with uvicorn")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
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
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    from app.db import DatabaseUnavailable, make_engine, sqlite_path

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
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    try:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                current = set(MigrationContext.configure(conn).get_current_heads())
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


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        kind = "a binary file" if b"\x00" in data[:8192] else "not UTF-8 text"
        raise ValueError(
            f"cannot read {path}: {kind} (byte 0x{data[exc.start]:02x} at offset {exc.start} "
            "is not UTF-8); save the article as UTF-8 plain text"
        ) from None


def ingest_files(
    files: Sequence[Path],
    slug: str | None = None,
    title: str | None = None,
    source: str | None = None,
    published: date | None = None,
) -> int:
    from sqlalchemy.exc import OperationalError

    from app.db import make_engine, make_session_factory
    from app.ingest.service import ArticleInput, IngestError, ingest_article, prepare

    if len(files) > 1 and (slug or title):
        _error("--slug and --title apply to a single file")
        return EXIT_INPUT
    texts: list[tuple[Path, str]] = []
    for path in files:
        try:
            texts.append((path, _read(path)))
        except ValueError as exc:
            _error(str(exc))
            return EXIT_INPUT
    settings = get_settings()
    items = [
        ArticleInput(text, slug or _slug_from_path(path), title, source, published)
        for path, text in texts
    ]
    for (path, _), item in zip(texts, items, strict=True):
        try:
            prepare(item, settings.max_article_chars)  # every file is valid before any is stored
        except IngestError as exc:
            _error(f"{path}: {exc}")
            return EXIT_INPUT
    try:
        check_database(settings.database_url)  # before the slow model load
    except DatabaseProblem as exc:
        _error(str(exc))
        return EXIT_DATABASE
    from app.nlp.extract import extract
    from app.nlp.pipeline import ModelNotFound, load_pipeline

    try:
        nlp = load_pipeline(settings.spacy_model)
    except ModelNotFound as exc:
        _error(str(exc))
        return EXIT_MODEL
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    try:
        for (path, _), item in zip(texts, items, strict=True):
            try:
                outcome = ingest_article(
                    factory, item, lambda n: extract(nlp, n), settings.max_article_chars
                )
            except IngestError as exc:
                _error(f"{path}: {exc}")
                return EXIT_INPUT
            except OperationalError as exc:
                _error(f"{path}: not stored: {_reason(exc)}")
                return EXIT_DATABASE
            print(
                f"{path}: {outcome.status} /articles/{outcome.slug} (revision {outcome.revision})"
            )
    finally:
        engine.dispose()
    return 0


def _slug_from_path(path: Path) -> str | None:
    """The file name as a slug; ``None`` (the title's slug) when the name has no usable letters."""
    from app.nlp.normalise import slugify

    slug = slugify(path.stem)
    return None if slug == "article" and path.stem.lower() != "article" else slug


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


def serve(host: str | None, port: int | None) -> int:
    import os

    import uvicorn

    # The app reads its settings itself; --host/--port must reach it (and the PUBLIC_URL
    # default built from them).
    if host:
        os.environ["HOST"] = host
    if port:
        os.environ["PORT"] = str(port)
    get_settings.cache_clear()
    settings = get_settings()
    try:
        check_database(settings.database_url)
    except DatabaseProblem as exc:
        _error(str(exc))
        return EXIT_DATABASE
    uvicorn.run(
        "app.web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
    )
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
    return serve(args.host, args.port)
