"""A library entity's timeline is the same whether it is read by walking the library newest
first (an entity named by a good share of it) or by sorting the entity's own rows (a rare
one); its roles and quotes are those of the timeline page's articles."""

from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app import library_reads as reads
from app.db import make_engine
from app.models import Article, LibraryEntity, Quote, Role
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


def test_roles_and_quotes_are_those_of_the_given_article_entities(
    library: None, session_factory: sessionmaker[Session]
) -> None:
    """What a timeline page shows: the roles and quotes of its articles' entities, newest
    article first."""
    with session_factory() as session:
        for model, holder in ((Role, Role.entity_id), (Quote, Quote.speaker_id)):
            holders = list(session.scalars(select(holder).where(holder.is_not(None))
                                           .distinct().order_by(holder).limit(6)))
            assert len(holders) >= 3
            ids = holders[::2]  # some holders, not others
            expected = list(session.scalars(select(model.id).where(holder.in_(ids))))
            read = (reads.roles_in(session, ids) if model is Role
                    else reads.quotes_in(session, ids))
            assert len(read) == len(expected) > 0
            order = {slug: i for i, slug in enumerate(session.scalars(
                select(Article.slug).order_by(*reads.newest_first())))}
            assert [order[r.article_slug] for r in read] == sorted(
                order[r.article_slug] for r in read)
        assert reads.roles_in(session, []) == [] and reads.quotes_in(session, []) == []


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


def test_roles_and_quotes_read_together_as_apart(
    library: None, session_factory: sessionmaker[Session]
) -> None:
    """The library entity page's one statement for both reads what the two would."""
    with session_factory() as session:
        holders = list(session.scalars(select(Role.entity_id).distinct().limit(5)))
        holders += list(session.scalars(select(Quote.speaker_id).where(
            Quote.speaker_id.is_not(None)).distinct().limit(5)))
        for limit in (100, 2):
            roles, quotes = reads.roles_and_quotes_in(session, holders, limit)
            assert roles == reads.roles_in(session, holders, limit) and roles
            assert quotes == reads.quotes_in(session, holders, limit) and quotes
        assert reads.roles_and_quotes_in(session, []) == ([], [])
