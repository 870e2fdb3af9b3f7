"""Shared fixtures: a fresh migrated database per test, the real app in-process.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` is set (a
superuser URL; ``scripts/with-postgres`` starts a throw-away cluster and sets it; ``make test``
runs both). Either way the schema is migrated once per run into a template, and every test
gets its own copy: a copied file on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL
(dropped afterwards). A test that only makes sense on one engine says so with
``@only_on("sqlite", reason)``; the reason is printed with the skips.
"""

import copy
import itertools
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.cli import alembic_config
from app.db import make_engine, make_session_factory
from app.settings import BUNDLED_ARTICLE, Settings

if TYPE_CHECKING:
    from spacy.language import Language

    from app.nlp.normalise import NormalisedText
    from app.nlp.types import Extraction

ADMIN_TOKEN = "test-token-123"
# Host names of the in-process clients (Starlette's TestClient and schemathesis send
# "testserver"); any other host gets 400 from TrustedHostMiddleware.
TEST_HOSTS = ["localhost", "127.0.0.1", "testserver"]


TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ENGINE = make_url(TEST_DATABASE_URL).get_backend_name() if TEST_DATABASE_URL else "sqlite"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: starts a worker process or loads spaCy; deselect with -m 'not slow'"
    )
    config.addinivalue_line(
        "markers", "only_on(engine, reason): run only when the suite runs on that engine"
    )


def pytest_report_header(config: pytest.Config) -> str:
    where = make_url(TEST_DATABASE_URL).render_as_string() if TEST_DATABASE_URL else "files"
    return f"database engine: {ENGINE} ({where})"


def only_on(engine: str, reason: str) -> pytest.MarkDecorator:
    """Mark a test that only makes sense on one engine ("sqlite" or "postgresql")."""
    return pytest.mark.only_on(engine, reason=reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for mark in item.iter_markers("only_on"):
            engine = mark.args[0]
            if engine != ENGINE:
                reason = mark.kwargs.get("reason") or (mark.args[1:] or [""])[0]
                item.add_marker(pytest.mark.skip(reason=f"only on {engine}: {reason}"))


def migrate(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


class Databases:
    """Fresh databases for tests on the engine under test: migrated (a copy of a template
    migrated once per run) or empty."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.names = itertools.count(1)
        self.prefix = f"nr{os.getpid()}"
        self.template: str | None = None
        self.server = None
        if ENGINE != "sqlite":
            self.server = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")

    def _url(self, name: str) -> str:
        if self.server is None:
            return f"sqlite:///{self.directory / name}.db"
        return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(
            hide_password=False)

    def empty(self) -> str:
        name = f"{self.prefix}_{next(self.names)}"
        if self.server is not None:
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self._url(name)

    def migrated(self) -> str:
        if self.template is None:
            url = self.empty()
            migrate(url)
            self.template = url
        name = f"{self.prefix}_{next(self.names)}"
        if self.server is None:
            # The backup API, not a file copy: it reads through any WAL left beside the file.
            with sqlite3.connect(make_url(self.template).database or "") as source, \
                    sqlite3.connect(self.directory / f"{name}.db") as target:
                source.backup(target)
            target.close()
            source.close()
        else:
            template = make_url(self.template).database
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self._url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        if self.server is not None:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif name:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        if self.server is not None:
            if self.template is not None:
                self.drop(self.template)
            self.server.dispose()

    def _execute(self, sql: str) -> None:
        assert self.server is not None
        with self.server.connect() as conn:
            conn.execute(text(sql))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    made = Databases(tmp_path_factory.mktemp("databases"))
    yield made
    made.close()


@pytest.fixture
def db_url(databases: Databases) -> Iterator[str]:
    url = databases.migrated()
    yield url
    databases.drop(url)


@pytest.fixture
def empty_db_url(databases: Databases) -> Iterator[str]:
    """A database with no schema (to test what happens before ``migrate``)."""
    url = databases.empty()
    yield url
    databases.drop(url)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, admin_token=ADMIN_TOKEN, data_dir=tmp_path / "data",
                    allowed_hosts=TEST_HOSTS)


@pytest.fixture
def session_factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def nlp() -> "Language":
    from app.nlp.pipeline import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def bundled_text() -> str:
    return BUNDLED_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def extractor(nlp: "Language") -> "Callable[[NormalisedText], Extraction]":
    """The real extraction (spaCy and our steps), run once per distinct text in a session:
    it is deterministic, and the bundled article alone takes seconds to extract. Each caller
    gets its own copy, so what one test's store does to it cannot reach another test."""
    from app.nlp.extract import extract

    done: dict[NormalisedText, Extraction] = {}

    def _extract(normalised: "NormalisedText") -> "Extraction":
        if normalised not in done:
            done[normalised] = extract(nlp, normalised)
        return copy.deepcopy(done[normalised])

    return _extract


@pytest.fixture
def ingest_text(session_factory: sessionmaker[Session],
                extractor: "Callable[[NormalisedText], Extraction]"):  # type: ignore[no-untyped-def]
    from app.ingest.service import ArticleInput, ingest_article

    def _ingest(text: str, slug: str = "ramadi", **kwargs: object):  # type: ignore[no-untyped-def]
        item = ArticleInput(text, slug, **kwargs)  # type: ignore[arg-type]
        return ingest_article(session_factory, item, extractor)

    return _ingest


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    from app.web.app import create_app

    # A host the app serves by default (TrustedHostMiddleware refuses any other).
    with TestClient(create_app(settings), base_url="http://localhost") as test_client:
        yield test_client


@pytest.fixture
def ramadi_client(client: TestClient, ingest_text, bundled_text: str) -> TestClient:  # type: ignore[no-untyped-def]
    ingest_text(bundled_text, "ramadi")
    return client
