"""A reader's session (app.db.reader_session, ended by end_reader): nothing it does is kept,
and on PostgreSQL the statements psycopg prepared outlive it."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, bindparam, exc, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import end_reader, make_engine, make_session_factory, reader_session
from app.models import Article, ContentRevision
from tests.conftest import only_on


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def revision(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalars(select(ContentRevision.value)).one_or_none() or 0)


def test_what_a_reader_writes_is_never_kept(engine: Engine) -> None:
    factory = make_session_factory(engine)
    before = revision(factory)
    session = reader_session(factory)
    try:
        session.execute(update(ContentRevision).values(value=ContentRevision.value + 1))
    except exc.DBAPIError:
        # PostgreSQL refuses it (a READ ONLY transaction); SQLite's session rolls it back.
        assert engine.dialect.name == "postgresql"
    else:
        assert engine.dialect.name == "sqlite"
    end_reader(session)
    assert not session.in_transaction()
    assert revision(factory) == before


@only_on("postgresql", "psycopg's prepared statements and the server's view of them")
def test_a_readers_statements_stay_prepared_on_its_connection(engine: Engine) -> None:
    factory = make_session_factory(engine)
    statement = select(Article.id).where(Article.slug == bindparam("slug"))
    for _ in range(8):  # psycopg prepares a statement at its sixth run on a connection
        session = reader_session(factory)
        session.execute(statement, {"slug": "nothing"}).all()
        end_reader(session)
    session = reader_session(factory)  # the same pooled connection: nothing else ran
    prepared = session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    end_reader(session)
    assert any("articles.slug" in s for s in prepared), prepared
