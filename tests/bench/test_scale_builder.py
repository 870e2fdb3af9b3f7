"""The scale benchmark's row-copy builder makes complete, consistent copies, and the library
it writes is the one ``app.library.rebuild`` computes from the copied rows (on the engine the
suite runs on). No timing here: the benchmark itself is ``tests/bench/scale.py``."""

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app import library
from app.db import make_engine
from app.models import (
    Article,
    Entity,
    LibraryComention,
    LibraryEntity,
    LibraryName,
    LibraryTerm,
    Mention,
    Paragraph,
    Quote,
    Role,
    Sentence,
)
from app.search import search
from tests.bench.scale import Builder, coined, rare_word
from tests.bench.texts import generated_articles

pytestmark = pytest.mark.slow  # loads spaCy to ingest the seeds


def library_by_key(session: Session) -> dict[str, Any]:
    """The library as it is, keyed by library keys (ids may differ between two builds)."""
    key_of = dict(session.execute(select(LibraryEntity.id, LibraryEntity.key)).tuples().all())
    return {
        "entities": {
            key: (name, type_, kind, articles, mentions, retired is None)
            for key, name, type_, kind, articles, mentions, retired in session.execute(
                select(LibraryEntity.key, LibraryEntity.name, LibraryEntity.type,
                       LibraryEntity.kind, LibraryEntity.article_count,
                       LibraryEntity.mention_count, LibraryEntity.retired_at)
                .where(LibraryEntity.article_count > 0))
        },
        "names": {
            (key_of[lib], name): (folded, uses, named)
            for lib, name, folded, uses, named in session.execute(
                select(LibraryName.library_id, LibraryName.name, LibraryName.folded,
                       LibraryName.uses, LibraryName.named))
        },
        "terms": {(term, key_of[lib]) for term, lib in session.execute(
            select(LibraryTerm.term, LibraryTerm.library_id))},
        "pairs": {
            (key_of[a], key_of[b]): n for a, b, n in session.execute(
                select(LibraryComention.library_id, LibraryComention.other_id,
                       LibraryComention.sentences))
        },
        "links": {
            entity_id: key_of.get(lib) for entity_id, lib in session.execute(
                select(Entity.id, Entity.library_id))
        },
    }


@pytest.fixture
def engine(db_url: str) -> Any:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def grown(ingest_text: Any, engine: Engine) -> Builder:
    for article in generated_articles(2, seed=7, words=180):
        ingest_text(article.text, article.slug)
    builder = Builder(engine)
    builder.grow_to(6)
    builder.grow_to(9)  # a second step adds to the first
    return builder


def children(session: Session, article_id: int) -> dict[str, Any]:
    """What an article holds, without ids: equal for a seed and each of its copies."""
    entity_ids = select(Entity.id).where(Entity.article_id == article_id)
    return {
        "paragraphs": session.execute(
            select(Paragraph.index, Paragraph.start, Paragraph.end, Paragraph.kind)
            .where(Paragraph.article_id == article_id).order_by(Paragraph.index)).all(),
        "sentences": session.execute(
            select(Sentence.start, Sentence.end).where(Sentence.article_id == article_id)
            .order_by(Sentence.start)).all(),
        "entities": session.scalar(select(func.count()).select_from(entity_ids.subquery())),
        "mentions": session.execute(
            select(Mention.start, Mention.end, Mention.text, Mention.form, Mention.method)
            .where(Mention.article_id == article_id).order_by(Mention.start, Mention.end)).all(),
        "roles": session.execute(
            select(Role.title, Role.start, Role.end, Role.organisation_id.is_(None))
            .where(Role.entity_id.in_(entity_ids)).order_by(Role.start, Role.title)).all(),
        "quotes": session.execute(
            select(Quote.start, Quote.end, Quote.text, Quote.speaker_id.is_(None))
            .where(Quote.article_id == article_id).order_by(Quote.start)).all(),
    }


def test_copies_hold_everything_their_seed_holds(
    grown: Builder, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        articles = session.execute(select(Article.id, Article.slug).order_by(Article.id)).all()
        assert len(articles) == 9
        seeds = {seed.slug: seed.id for seed in grown.seeds}
        assert len(seeds) == 2
        for article_id, slug in articles:
            seed_slug = slug.rsplit("-c", 1)[0]
            assert children(session, article_id) == children(session, seeds[seed_slug])
            assert children(session, article_id)["mentions"]


def test_copied_rows_point_inside_their_own_article(
    grown: Builder, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        text_of = dict(session.execute(select(Article.id, Article.text)).tuples().all())
        for article_id, entity_article, start, end, shown in session.execute(
            select(Mention.article_id, Entity.article_id, Mention.start, Mention.end,
                   Mention.text).join(Entity, Entity.id == Mention.entity_id)
        ):
            assert article_id == entity_article
            assert text_of[article_id][start:end] == shown
        organisation = Entity.__table__.alias("organisation")
        assert not session.execute(
            select(Role.id).join(Entity, Entity.id == Role.entity_id)
            .join(organisation, organisation.c.id == Role.organisation_id)
            .where(organisation.c.article_id != Entity.article_id)).all()
        assert not session.execute(
            select(Quote.id).join(Entity, Entity.id == Quote.speaker_id)
            .where(Entity.article_id != Quote.article_id)).all()


def test_the_written_library_is_what_a_rebuild_computes(
    grown: Builder, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        written = library_by_key(session)
        library.rebuild(session)
        session.flush()
        assert library_by_key(session) == written
    words = {coined(v).lower() for v in range(1, 1100)}
    assert any(key.rsplit(" ", 1)[-1] in words for key in written["entities"]), \
        "some copies carry shifted names"
    frequent = max(written["entities"].values(), key=lambda row: row[3])
    assert frequent[3] >= 6  # named by the seeds and most copies


def test_copies_are_found_by_search(
    grown: Builder, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        found = search(session, rare_word(3))
        assert [a.slug for a in found.articles] == [f"{grown.seeds[1].slug}-c3"]
        assert len(search(session, "said", limit=100).articles) == 9
