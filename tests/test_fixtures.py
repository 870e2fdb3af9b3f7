"""The suite's own databases: every test gets one as the migrations left it, whatever the test
before it wrote (on PostgreSQL a used database is emptied and handed on, not re-created)."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.conftest import Databases, only_on, uses_database
from tests.web.conftest import SAMPLE, store_text


def _rows(url: str) -> dict[str, object]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        found = {
            "articles": conn.scalar(text("SELECT count(*) FROM articles")),
            "entities": conn.scalar(text("SELECT count(*) FROM entities")),
            "content_revision": conn.execute(
                text("SELECT id, value FROM content_revision")).all(),
            "alembic_version": conn.execute(text("SELECT * FROM alembic_version")).all(),
        }
    engine.dispose()
    return found


def test_a_database_after_a_writer_is_as_migrated(databases: Databases) -> None:
    from app.db import make_engine, make_session_factory

    first = databases.migrated()
    pristine = _rows(first)
    assert pristine["articles"] == 0 and pristine["content_revision"] == [(1, 0)]
    engine = make_engine(first)
    outcome = store_text(make_session_factory(engine), SAMPLE, "sample")
    left_open = engine.connect()  # a connection a careless test leaves behind
    assert _rows(first) != pristine
    databases.drop(first)
    if databases.server is not None:
        assert databases.spare, "emptied to be handed on, not dropped"

    second = databases.migrated()
    assert second != first
    assert _rows(second) == pristine
    engine2 = make_engine(second)
    again = store_text(make_session_factory(engine2), SAMPLE, "sample")
    assert again.article_id == outcome.article_id, "ids start again where they started"
    engine2.dispose()
    databases.drop(second)
    left_open.invalidate()
    engine.dispose()


@only_on("postgresql", "SQLite databases are file copies, never handed on")
def test_a_database_whose_schema_a_test_changed_is_not_handed_on(databases: Databases
                                                                  ) -> None:
    first = databases.migrated()
    engine = create_engine(first, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("CREATE INDEX ix_test_only ON articles (title)"))
    engine.dispose()
    databases.drop(first)
    second = databases.migrated()
    engine = create_engine(second, poolclass=NullPool)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM pg_indexes "
                                "WHERE indexname = 'ix_test_only'")) == 0
    engine.dispose()
    databases.drop(second)


def test_a_test_that_asks_for_a_database_runs_on_every_engine(request: pytest.FixtureRequest,
                                                              client: object) -> None:
    # --database-tests-only (a quicker PostgreSQL run) leaves out only tests for which
    # this is False: a fixture that reaches the database through another fixture counts.
    assert uses_database(request.node)


def test_a_test_with_no_database_runs_on_sqlite_only(request: pytest.FixtureRequest,
                                                     tmp_path: object) -> None:
    assert not uses_database(request.node)
    request.node.add_marker(only_on("postgresql", "a reason"))
    assert uses_database(request.node), "a test marked for one engine is never left out"
