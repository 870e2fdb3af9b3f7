"""Read queries used by the web layer. Portable SQLAlchemy only."""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import (
    Integer,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Article,
    Entity,
    LibraryEntity,
    Mention,
    Paragraph,
    Quote,
    Role,
    Sentence,
)


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
        .order_by(Entity.type, Entity.name, Entity.id)  # ids: ties in one order on any plan
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
        .order_by(Quote.start, Quote.id)
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
        .order_by(Mention.start, Mention.id)  # nested mentions can start together
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


@dataclass(frozen=True)
class EntityRow:
    id: int
    name: str
    type: str
    kind: str
    aliases: list[str]
    source: str
    method: str | None
    confidence: float | None
    library_id: int | None
    library_article_count: int | None  # None: no library entity


class MentionRow(NamedTuple):
    # Named tuples, not dataclasses: an article has hundreds of mentions, and a tuple is
    # made from a result row in one call.
    id: int
    entity_id: int
    start: int
    end: int
    text: str
    form: str
    source: str
    type: str | None  # None: the entity's type
    method: str | None
    confidence: float | None


class RoleRow(NamedTuple):
    id: int
    entity_id: int
    title: str
    organisation_id: int | None
    organisation_entity: int | None  # the organisation's entity, when it is stored
    organisation_name: str | None  # the organisation entity's name when it has one
    start: int
    end: int
    source: str
    method: str | None
    confidence: float | None


@dataclass(frozen=True)
class ArticleAnnotations:
    """Everything the article page shows about an article's entities, as plain rows (no ORM
    objects: building thousands of them cost more than the page's queries)."""

    entities: list[EntityRow]  # by type, then name
    mentions: list[MentionRow]  # in text order
    roles: list[RoleRow]  # in text order
    sentences: list[tuple[int, int]]  # in text order


def _annotation_statements() -> tuple[Select[Any], ...]:
    """Built once: a statement object keeps its compiled form's cache key, so each request
    skips rebuilding and re-keying four statements."""
    e, le = Entity.__table__, LibraryEntity.__table__  # type: ignore[attr-defined]
    m, r, s = Mention.__table__, Role.__table__, Sentence.__table__  # type: ignore[attr-defined]
    org = e.alias("organisation")
    article_id = bindparam("article_id", type_=Integer)
    entities = (
        select(e.c.id, e.c.name, e.c.type, e.c.kind, e.c.aliases, e.c.source, e.c.method,
               e.c.confidence, e.c.library_id, le.c.article_count)
        .outerjoin(le, le.c.id == e.c.library_id)
        .where(e.c.article_id == article_id)
        .order_by(e.c.type, e.c.name, e.c.id)
    )
    mentions = (
        select(m.c.id, m.c.entity_id, m.c.start, m.c.end, m.c.text, m.c.form, m.c.source,
               m.c.type, m.c.method, m.c.confidence)
        .where(m.c.article_id == article_id)
        .order_by(m.c.start, m.c.id)
    )
    roles = (
        select(r.c.id, r.c.entity_id, r.c.title, r.c.organisation_id, org.c.id,
               func.coalesce(org.c.name, r.c.organisation_name), r.c.start, r.c.end,
               r.c.source, r.c.method, r.c.confidence)
        .join(e, e.c.id == r.c.entity_id)
        .outerjoin(org, org.c.id == r.c.organisation_id)
        .where(e.c.article_id == article_id)
        .order_by(r.c.start, r.c.id)
    )
    sentences = (select(s.c.start, s.c.end).where(s.c.article_id == article_id)
                 .order_by(s.c.start, s.c.id))
    return entities, mentions, roles, sentences


_ENTITIES, _MENTIONS, _ROLES, _SENTENCES = _annotation_statements()


@dataclass(frozen=True)
class QuoteMark:
    """What the article page marks of a quote, and whose it is."""

    id: str
    start: int
    end: int
    speaker_name: str | None  # the speaker entity's name, if the quote has one
    speaker_description: str | None


def article_annotations(session: Session, article_id: int,
                        sentences: list[tuple[int, int]] | None = None) -> ArticleAnnotations:
    """Four statements, each walking an index on the article (or its entities); three when
    the article's ``sentences`` are given (``article_text`` reads them)."""
    params = {"article_id": article_id}
    conn = session.connection()  # Session.execute prepares for ORM entities these don't load
    entities = [
        EntityRow(id_, name, type_, kind, list(aliases or []), source, method, confidence,
                  library_id, article_count)
        for id_, name, type_, kind, aliases, source, method, confidence, library_id,
        article_count in conn.execute(_ENTITIES, params)
    ]
    mentions = list(map(MentionRow._make, conn.execute(_MENTIONS, params)))
    roles = list(map(RoleRow._make, conn.execute(_ROLES, params)))
    if sentences is None:
        sentences = [(row.start, row.end) for row in conn.execute(_SENTENCES, params)]
    return ArticleAnnotations(entities, mentions, roles, sentences)


@dataclass(frozen=True, slots=True)
class ParagraphRow:
    index: int
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class ArticleText:
    """What the article page shows of the article itself, as plain values (the page reads
    no ORM object: loading an Article and its paragraphs through the ORM cost more than the
    two statements)."""

    id: int
    slug: str
    title: str
    source: str | None
    published: date | None
    text: str
    revision: int
    paragraphs: list[ParagraphRow]  # in order
    sentences: list[tuple[int, int]]  # in text order
    quotes: list[QuoteMark]  # in text order


def _article_text_statements() -> tuple[Select[Any], Any]:
    a, p = Article.__table__, Paragraph.__table__  # type: ignore[attr-defined]
    s, q, e = Sentence.__table__, Quote.__table__, Entity.__table__  # type: ignore[attr-defined]
    article = select(a.c.id, a.c.slug, a.c.title, a.c.source, a.c.published, a.c.text,
                     a.c.revision).where(a.c.slug == bindparam("slug"))
    # Paragraphs (by index), sentences, then quotes with their speakers' names (in text
    # order), in one round trip; a part leaves the others' columns empty.
    article_id = bindparam("article_id", type_=Integer)
    no_int, no_str = cast(null(), Integer), cast(null(), String)
    parts = union_all(
        select(literal(0, Integer).label("part"), p.c.index, p.c.kind, p.c.start, p.c.end,
               p.c.id, no_str.label("quote_id"), no_str.label("speaker_name"),
               no_str.label("speaker_description")).where(p.c.article_id == article_id),
        select(literal(1, Integer), no_int, no_str, s.c.start, s.c.end, s.c.id, no_str, no_str,
               no_str).where(s.c.article_id == article_id),
        select(literal(2, Integer), no_int, no_str, q.c.start, q.c.end, no_int, q.c.id,
               e.c.name, q.c.speaker_description)
        .outerjoin(e, e.c.id == q.c.speaker_id).where(q.c.article_id == article_id),
    ).subquery("parts")
    spans = select(parts).order_by(parts.c.part, parts.c.index, parts.c.start, parts.c.id,
                                   parts.c.quote_id)
    return article, spans


_ARTICLE_TEXT, _SPANS = _article_text_statements()


def article_text(session: Session, slug: str) -> ArticleText | None:
    """The article a slug names, with its paragraphs, sentences and quotes (``get_article``
    without the ORM)."""
    if names_nothing(slug):
        return None
    conn = session.connection()  # Session.execute prepares for ORM entities these don't load
    row = conn.execute(_ARTICLE_TEXT, {"slug": slug}).one_or_none()
    if row is None:
        return None
    paragraphs: list[ParagraphRow] = []
    sentences: list[tuple[int, int]] = []
    quotes: list[QuoteMark] = []
    for part, index, kind, start, end, _, quote_id, speaker, description in conn.execute(
            _SPANS, {"article_id": row.id}):
        if part == 0:
            paragraphs.append(ParagraphRow(index, kind, start, end))
        elif part == 1:
            sentences.append((start, end))
        else:
            quotes.append(QuoteMark(quote_id, start, end, speaker, description))
    return ArticleText(row.id, row.slug, row.title, row.source, row.published, row.text,
                       row.revision, paragraphs, sentences, quotes)
