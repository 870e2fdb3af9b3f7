"""Shared fixtures: a fresh migrated database per test, the real app in-process."""

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.cli import alembic_config
from app.db import make_engine, make_session_factory
from app.settings import BUNDLED_ARTICLE, Settings

if TYPE_CHECKING:
    from spacy.language import Language

ADMIN_TOKEN = "test-token-123"
# Host names of the in-process clients (Starlette's TestClient and schemathesis send
# "testserver"); any other host gets 400 from TrustedHostMiddleware.
TEST_HOSTS = ["localhost", "127.0.0.1", "testserver"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: starts a worker process or loads spaCy; deselect with -m 'not slow'"
    )


def migrate(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    migrate(url)
    return url


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


@pytest.fixture
def ingest_text(session_factory: sessionmaker[Session], nlp: "Language"):  # type: ignore[no-untyped-def]
    from app.ingest.service import ArticleInput, ingest_article
    from app.nlp.extract import extract

    def _ingest(text: str, slug: str = "ramadi", **kwargs: object):  # type: ignore[no-untyped-def]
        item = ArticleInput(text, slug, **kwargs)  # type: ignore[arg-type]
        return ingest_article(session_factory, item, lambda n: extract(nlp, n))

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
