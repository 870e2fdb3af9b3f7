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


def migrate() -> None:
    from alembic import command

    config = alembic_config()
    command.upgrade(config, "head")


def ingest_files(
    files: Sequence[Path],
    slug: str | None = None,
    title: str | None = None,
    source: str | None = None,
    published: date | None = None,
) -> int:
    from app.db import make_engine, make_session_factory, session_scope
    from app.ingest.service import ArticleInput, IngestError, ingest, prepare

    if len(files) > 1 and (slug or title):
        print("error: --slug and --title apply to a single file", file=sys.stderr)
        return 2
    texts: list[tuple[Path, str]] = []
    for path in files:
        try:
            texts.append((path, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: cannot read {path}: {exc}", file=sys.stderr)
            return 2
    settings = get_settings()
    items = [
        ArticleInput(text, slug or _slug_from_path(path), title, source, published)
        for path, text in texts
    ]
    try:
        for item in items:
            prepare(item, settings.max_article_chars)
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from app.ingest.extract import extract
    from app.ingest.pipeline import ModelNotFound, load_pipeline

    try:
        nlp = load_pipeline(settings.spacy_model)
    except ModelNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    factory = make_session_factory(make_engine(settings.database_url))
    for (path, _), item in zip(texts, items, strict=True):
        with session_scope(factory) as session:
            outcome = ingest(session, item, lambda n: extract(nlp, n), settings.max_article_chars)
        print(f"{path}: {outcome.status} /articles/{outcome.slug} (revision {outcome.revision})")
    return 0


def _slug_from_path(path: Path) -> str:
    from app.ingest.normalise import slugify

    return slugify(path.stem)


def ingest_default() -> int:
    from sqlalchemy import func, select

    from app.db import make_engine
    from app.models import Article

    engine = make_engine(get_settings().database_url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(Article))
    engine.dispose()
    if count:
        print(f"database holds {count} article(s); not loading the bundled one")
        return 0
    return ingest_files([BUNDLED_ARTICLE])


def serve(host: str | None, port: int | None) -> int:
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "app.web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "ingest":
        return ingest_files(args.files, args.slug, args.title, args.source, args.published)
    if args.command == "migrate":
        migrate()
        return 0
    if args.command == "ingest-default":
        return ingest_default()
    return serve(args.host, args.port)
