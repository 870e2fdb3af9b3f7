"""A library entity's timeline, roles and quotes are the same whether they are read by
walking the library newest first (an entity named by a good share of it) or by sorting the
entity's own rows (a rare one)."""

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app import library_reads as reads
from app.db import make_engine
from app.models import Entity, LibraryEntity, Quote, Role
from tests.bench.scale import Builder
from tests.bench.texts import generated_articles

pytestmark = pytest.mark.slow  # loads spaCy to ingest the seeds
WALKS_NEWEST_FIRST = reads.walks_newest_first


@pytest.fixture
def engine(db_url: str) -> Any:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def library(ingest_text: Any, engine: Engine) -> None:
    """Two ingested reports and 22 copies of them (tests/bench/scale.py)."""
    for article in generated_articles(2, seed=11, words=220):
        ingest_text(article.text, article.slug)
    Builder(engine).grow_to(24)


def both_ways(monkeypatch: pytest.MonkeyPatch, read: Any, walk: bool | None = None
              ) -> tuple[Any, Any, list[bool]]:
    """``read()`` walking as chosen (or as ``walk`` says), then sorting; and the choices."""
    choices: list[bool] = []

    def spy(*args: Any) -> bool:
        choices.append(WALKS_NEWEST_FIRST(*args) if walk is None else walk)
        return choices[-1]

    monkeypatch.setattr(reads, "walks_newest_first", spy)
    walked = read()
    monkeypatch.setattr(reads, "walks_newest_first", lambda *args: False)
    return walked, read(), choices


def test_a_frequent_entity_reads_the_same_by_walking(
    library: None, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_factory() as session:
        frequent = session.scalar(
            select(LibraryEntity).order_by(LibraryEntity.article_count.desc()).limit(1))
        assert frequent is not None and frequent.article_count >= 18
        for offset in (0, 1):
            walked, sorted_, choices = both_ways(
                monkeypatch, lambda o=offset: reads.articles_of(session, frequent.id, 2, o))
            assert choices == [True]
            assert walked == sorted_ and len(walked) == 2


def test_roles_and_quotes_read_the_same_walked_or_sorted(
    library: None, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_factory() as session:
        by_roles = session.execute(
            select(Entity.library_id, func.count(Role.id))
            .join(Role, Role.entity_id == Entity.id)
            .group_by(Entity.library_id).order_by(func.count(Role.id).desc())
        ).first()
        by_quotes = session.execute(
            select(Entity.library_id, func.count(Quote.id))
            .join(Quote, Quote.speaker_id == Entity.id)
            .group_by(Entity.library_id).order_by(func.count(Quote.id).desc())
        ).first()
        assert by_roles is not None and by_quotes is not None
        walked, sorted_, choices = both_ways(
            monkeypatch, lambda: reads.roles_of(session, by_roles[0], limit=2), walk=True)
        assert choices == [True] and walked == sorted_ and walked
        walked, sorted_, choices = both_ways(
            monkeypatch, lambda: reads.quotes_of(session, by_quotes[0], limit=2), walk=True)
        assert choices == [True] and walked == sorted_ and walked


def test_a_rare_entity_sorts_its_own_rows(
    library: None, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_factory() as session:
        rare = session.scalar(
            select(LibraryEntity).where(LibraryEntity.article_count == 1).limit(1))
        assert rare is not None
        walked, sorted_, choices = both_ways(
            monkeypatch, lambda: reads.articles_of(session, rare.id, 5, 0))
        assert choices == [False] and walked == sorted_ and len(walked) == 1
