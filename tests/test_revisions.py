"""Every write that changes what a page shows bumps the content revision, in its own
transaction; writes no page shows, reads and rolled-back writes do not."""

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app import corrections, library, revisions
from app.db import session_scope
from app.ingest.service import delete_article
from app.models import Article, Entity, Job
from tests.web.conftest import SAMPLE, store_text


def revision(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return revisions.current(session)


def bumps(factory: sessionmaker[Session], write: Callable[[Session], object]) -> int:
    before = revision(factory)
    with session_scope(factory) as session:
        write(session)
    return revision(factory) - before


@pytest.fixture
def stored(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    store_text(session_factory, SAMPLE, "sample")
    return session_factory


def article(session: Session) -> Article:
    return session.scalars(select(Article).where(Article.slug == "sample")).one()


def rivers(session: Session) -> int:
    return session.scalars(select(Entity.id).where(Entity.name == "Sam Rivers")).one()


def test_ingest_and_a_new_revision_bump_it(session_factory: sessionmaker[Session]) -> None:
    assert revision(session_factory) == 0
    store_text(session_factory, SAMPLE, "sample")
    assert revision(session_factory) == 1
    store_text(session_factory, SAMPLE + "\n\nA new paragraph.", "sample")
    assert revision(session_factory) == 2


def test_corrections_and_their_undo_bump_it(stored: sessionmaker[Session]) -> None:
    made = []

    def rename(session: Session) -> None:
        made.append(corrections.update_entity(session, article(session), rivers(session),
                                              {"name": "Samuel Rivers"}, "ed"))

    assert bumps(stored, rename) == 1
    assert bumps(stored, lambda s: corrections.undo(s, article(s), made[0].id, "ed")) == 1


def test_delete_and_library_rebuild_bump_it(stored: sessionmaker[Session]) -> None:
    assert bumps(stored, library.rebuild) == 1
    assert bumps(stored, lambda s: delete_article(s, article(s))) == 1


def test_core_statements_bump_it(stored: sessionmaker[Session]) -> None:
    assert bumps(stored, lambda s: s.execute(update(Article).values(title="Another"))) == 1


def test_reads_quiet_tables_and_rollbacks_do_not(stored: sessionmaker[Session]) -> None:
    assert bumps(stored, lambda s: s.scalars(select(Article)).all()) == 0
    assert bumps(stored, lambda s: s.add(Job(id="j1", state="queued", attempts=0))) == 0
    before = revision(stored)
    with stored() as session:
        article(session).published = date(2015, 5, 17)
        session.flush()
        session.rollback()
    assert revision(stored) == before


def test_a_savepoint_counts_once_at_the_outer_commit(stored: sessionmaker[Session]) -> None:
    def nested(session: Session) -> None:
        with session.begin_nested():
            article(session).title = "Nested"
        with session.begin_nested():
            article(session).title = "Twice"

    assert bumps(stored, nested) == 1
