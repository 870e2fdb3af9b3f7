"""Read queries used by the web layer. Portable SQLAlchemy only."""

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Article, Entity, Mention, Quote, Role


def list_articles(session: Session) -> list[Article]:
    return list(session.scalars(select(Article).order_by(Article.created_at.desc(), Article.id)))


def names_nothing(key: str) -> bool:
    """No stored slug or id holds NUL (PostgreSQL's text cannot): such a key finds nothing,
    on either engine, without asking the database."""
    return "\x00" in key


def get_article(session: Session, slug: str) -> Article | None:
    if names_nothing(slug):
        return None
    return session.scalar(
        select(Article).where(Article.slug == slug).options(selectinload(Article.paragraphs))
    )


def entities_of(session: Session, article_id: int) -> list[Entity]:
    query = (
        select(Entity)
        .where(Entity.article_id == article_id)
        .options(
            selectinload(Entity.mentions),
            selectinload(Entity.roles).selectinload(Role.organisation),
            selectinload(Entity.library_entity),
        )
        .order_by(Entity.type, Entity.name)
    )
    return list(session.scalars(query))


def get_entity(session: Session, article_id: int, entity_id: int) -> Entity | None:
    query = (
        select(Entity)
        .where(Entity.article_id == article_id, Entity.id == entity_id)
        .options(
            selectinload(Entity.mentions),
            selectinload(Entity.roles).selectinload(Role.organisation),
            selectinload(Entity.library_entity),
        )
    )
    return session.scalar(query)


def quotes_of(session: Session, article_id: int) -> list[Quote]:
    query = (
        select(Quote)
        .where(Quote.article_id == article_id)
        .options(selectinload(Quote.speaker))
        .order_by(Quote.start)
    )
    return list(session.scalars(query))


def get_quote(session: Session, article_id: int, quote_id: str) -> Quote | None:
    if names_nothing(quote_id):
        return None
    query = (
        select(Quote)
        .where(Quote.article_id == article_id, Quote.id == quote_id)
        .options(selectinload(Quote.speaker))
    )
    return session.scalar(query)


def mentions_of(session: Session, article_id: int) -> list[Mention]:
    query = (
        select(Mention)
        .where(Mention.article_id == article_id)
        .order_by(Mention.start)
        .options(selectinload(Mention.entity))  # a mention's type falls back to its entity's
    )
    return list(session.scalars(query))


def co_mentioned(
    entity: Entity, entities: list[Entity], sentences: list[tuple[int, int]], limit: int = 8
) -> list[tuple[Entity, int]]:
    """Entities most often mentioned in the same sentences as ``entity``."""

    def sentence_of(offset: int) -> int | None:
        return next((i for i, (s, e) in enumerate(sentences) if s <= offset < e), None)

    own = {sentence_of(m.start) for m in entity.mentions} - {None}
    counts: Counter[int] = Counter()
    for other in entities:
        if other.id == entity.id:
            continue
        shared = own & {sentence_of(m.start) for m in other.mentions}
        if shared:
            counts[other.id] = len(shared)
    by_id = {e.id: e for e in entities}
    return [(by_id[i], n) for i, n in counts.most_common(limit)]
