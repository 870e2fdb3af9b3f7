"""Read queries over the library: the directory, one library entity, the article list.

Portable SQLAlchemy only. Every list is paginated or bounded, and every query is an index
lookup on the library entity (``entities.library_id``, ``roles.entity_id``,
``quotes.speaker_id``, ``library_comentions``), so a frequent entity costs a page, not the
library.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from app.db import is_reader
from app.library import HIGHEST_CHAR, fold
from app.library_corrections import keep_corrections_count, keep_merge_map
from app.models import (
    Article,
    Entity,
    LibraryComention,
    LibraryCorrection,
    LibraryEntity,
    LibraryName,
    LibraryTerm,
    Mention,
    Quote,
    Role,
)


@dataclass(frozen=True)
class LibraryEntitySummary:
    """A library entity as its page and the directory show it: plain values, no ORM
    object."""

    id: int
    name: str
    type: str
    kind: str
    article_count: int
    mention_count: int
    aliases: list[str]  # the other names its article entities carry, most used first
    retired_at: datetime | None = None


def _run(session: Session, statement: Select[Any], params: dict[str, Any]
         ) -> CursorResult[Any]:
    """A read statement on the session's connection (its transaction and snapshot): a
    statement written with ORM attributes costs several times as much through
    ``Session.execute``, which prepares for ORM entities these statements do not load."""
    return session.connection().execute(statement, params)


def aliases_of(entity: LibraryEntity | LibraryEntitySummary) -> list[str]:
    """The other names its article entities carry, most used first."""
    if isinstance(entity, LibraryEntitySummary):
        return entity.aliases
    return [n.name for n in entity.names if n.name != entity.name and n.uses > 0]


# Statements are built once (per shape) and executed with bound values: a statement object
# keeps its compiled form's cache key, so a request neither rebuilds nor re-keys it (building
# and keying them cost more than running them).


def _bound(name: str) -> Any:
    """A LIMIT or OFFSET written into the SQL as a number, not sent as a parameter: a
    statement PostgreSQL prepared (app.db.end_reader) may run on a generic plan, made without
    the values of its parameters, and one that does not know it wants 50 rows plans for many
    (a parallel scan of all of an entity's articles, 10x slower at 10,000 articles)."""
    return bindparam(name, type_=Integer, literal_execute=True)


# The directory's total is counted no further than this many entities, and with ``q`` no
# further than this many terms of the matching names (an entity has one for each word of each
# of its names); past that it is a lower bound ("at least 10,000"), not a count. An exact
# count of a large library's 137,000 entities reads all of them (16 ms on PostgreSQL at 10,000
# articles, more than the page); a one-letter ``q`` has 20,000 terms, each checked against its
# entity (its type, whether it is live). No reader pages through 10,000 entities to check.
DIRECTORY_COUNTED = 10_000
TERMS_COUNTED = 1_000


@dataclass(frozen=True)
class Directory:
    """A page of the directory and how many entities match: ``total`` is the count when
    ``exact``, else a lower bound (at least this many: the count stopped before the end)."""

    total: int
    exact: bool
    items: list[LibraryEntitySummary]


def _matches_q(walk: bool) -> ColumnElement[bool]:
    """The library entity has a name or alias with a word starting with ``q`` (its folded
    form, ``:folded``). Walking (the directory's order, keeping the entities that match) asks
    each entity (``ix_library_terms_entity_term``); otherwise the matching terms are gathered
    from ``q``'s range of the terms' primary key and their entities sorted."""
    le, lt = LibraryEntity.__table__, LibraryTerm.__table__  # type: ignore[attr-defined]
    in_range = and_(lt.c.term >= bindparam("folded"), lt.c.term < bindparam("above"))
    if walk:
        return select(lt.c.library_id).where(lt.c.library_id == le.c.id, in_range).exists()
    return le.c.id.in_(select(lt.c.library_id).where(in_range))


def _directory_order() -> tuple[ColumnElement[Any], ...]:
    le = LibraryEntity.__table__  # type: ignore[attr-defined]
    return (le.c.article_count.desc(), le.c.mention_count.desc(), le.c.id)


@cache
def _directory(has_q: bool, has_type: bool, walk: bool = False) -> Select[Any]:
    """A page of the directory with its names (aliases) joined on, one statement: the page's
    entities in the directory's order, read off ``ix_library_entities_directory`` (or its
    ``type`` variant) alone, with no sort and no row read for the entities before the page
    (100,000 of them at a deep offset); then their rows, and each one's other names, most
    used first."""
    le, ln = LibraryEntity.__table__, LibraryName.__table__  # type: ignore[attr-defined]
    ids = select(le.c.id, le.c.article_count, le.c.mention_count).where(le.c.article_count > 0)
    if has_type:
        ids = ids.where(le.c.type == bindparam("type"))
    if has_q:
        ids = ids.where(_matches_q(walk))
    page = (ids.order_by(*_directory_order())
            .limit(_bound("limit")).offset(_bound("offset"))
            .subquery("page"))
    entity = le.alias("entity")
    return (
        select(page.c.id, entity.c.name, entity.c.type, entity.c.kind, page.c.article_count,
               page.c.mention_count, ln.c.name.label("alias"))
        .join(entity, entity.c.id == page.c.id)
        .outerjoin(ln, and_(ln.c.library_id == page.c.id, ln.c.uses > 0,
                            ln.c.name != entity.c.name))
        .order_by(page.c.article_count.desc(), page.c.mention_count.desc(), page.c.id,
                  ln.c.uses.desc(), ln.c.id)
    )


def list_library(
    session: Session, q: str | None = None, type_: str | None = None, limit: int = 50,
    offset: int = 0, counted: bool = True,
) -> Directory:
    """Library entities, most articles first; ``q`` is a word-prefix of a name or alias,
    matched without case or diacritics ("isla", "al-alwani", "kataib"). Without ``counted``
    the total is left at 0 (not exact)."""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if type_:
        params["type"] = type_
    has_q = q is not None and bool(q.strip())
    walk = False
    if has_q:
        assert q is not None
        folded = fold(q)[:300]
        if not folded:
            return Directory(0, True, [])  # only punctuation or particles: nothing can match
        params |= {"folded": folded, "above": folded + HIGHEST_CHAR}
        walk = _walks_directory(session, params, offset + limit)
    found: dict[int, LibraryEntitySummary] = {}
    for row in _run(session, _directory(has_q, bool(type_), walk), params):
        entity = found.get(row.id)
        if entity is None:
            entity = found[row.id] = LibraryEntitySummary(
                row.id, row.name, row.type, row.kind, row.article_count, row.mention_count, [])
        if row.alias is not None:
            entity.aliases.append(row.alias)
    items = list(found.values())
    if not counted:
        return Directory(0, False, items)
    if len(items) < limit and (items or not offset):
        return Directory(offset + len(items), True, items)  # the last page: no count needed
    cap = TERMS_COUNTED if has_q else DIRECTORY_COUNTED
    counted_rows, matching = _run(session, _directory_total(has_q, bool(type_)),
                                  params | {"cap": cap + 1}).one()
    if counted_rows <= cap:
        return Directory(matching, True, items)
    # Stopped counting: at least as many match as were counted, and as this page reaches
    # (a page past the end reaches nothing).
    reached = offset + len(items) if items else 0
    return Directory(max(min(matching, cap), reached), False, items)


# Walk the directory's order keeping the entities whose names match ``q`` (rather than
# gather and sort every match) when the matching terms, squared, are at least this many times
# (entities wanted × entities in the library).
DIRECTORY_WALK_FACTOR = 4
_TERMS_IN_RANGE = select(func.count()).select_from(
    select(LibraryTerm.library_id)
    .where(LibraryTerm.term >= bindparam("folded"), LibraryTerm.term < bindparam("above"))
    .limit(_bound("enough")).subquery())
_NEWEST_ENTITY = select(func.max(LibraryEntity.id))


def _walks_directory(session: Session, params: dict[str, Any], wanted: int) -> bool:
    """Whether to find the first ``wanted`` entities matching ``q`` by walking the directory
    (about wanted × entities / matches lookups) rather than by sorting all the matches.

    A one-letter ``q`` matches one entity in eight of a large library: the walk reads 400
    entities for the first page where a sort reads 20,000 terms; a rare prefix ("islamic")
    sorts its few. The matches are estimated by their terms (an entity has a term for each
    word of each name), counted no further than the decision needs, so the count costs no
    more than the sort it avoids; the library's size is its newest entity's id."""
    entities = _run(session, _NEWEST_ENTITY, {}).scalar() or 0
    enough = math.isqrt(DIRECTORY_WALK_FACTOR * wanted * entities) + 1
    if enough < DIRECTORY_WALK_FACTOR * wanted:
        return False  # a small library: sorting its matches is as cheap as walking
    terms = _run(session, _TERMS_IN_RANGE, params | {"enough": enough}).scalar() or 0
    return terms >= enough


@cache
def _directory_total(has_q: bool, has_type: bool) -> Select[Any]:
    """(rows read, entities matching among them), reading no more than ``:cap`` rows:
    entities off the directory's index, or with ``q`` the terms in its range (the primary
    key), their entities counted once each if they are live and of the type."""
    le, lt = LibraryEntity.__table__, LibraryTerm.__table__  # type: ignore[attr-defined]
    if not has_q:
        matching = select(le.c.id).where(le.c.article_count > 0)
        if has_type:
            matching = matching.where(le.c.type == bindparam("type"))
        rows = matching.limit(_bound("cap")).subquery("counted")
        return select(func.count(), func.count()).select_from(rows)
    terms = (select(lt.c.library_id)
             .where(lt.c.term >= bindparam("folded"), lt.c.term < bindparam("above"))
             .limit(_bound("cap")).subquery("counted"))
    live = and_(le.c.id == terms.c.library_id, le.c.article_count > 0)
    if has_type:
        live = and_(live, le.c.type == bindparam("type"))
    return (select(func.count(), func.count(le.c.id.distinct()))
            .select_from(terms.outerjoin(le, live)))


def _library_entity() -> Any:
    """The entity, each of its other names (most used first) and the library's size; then
    the editors' merges in force (``library.merge_map``), in one statement."""
    le, ln = LibraryEntity.__table__, LibraryName.__table__  # type: ignore[attr-defined]
    lc = LibraryCorrection.__table__  # type: ignore[attr-defined]
    newest = select(func.max(Article.__table__.c.id)).scalar_subquery()  # type: ignore[attr-defined]
    library_id = bindparam("library_id", type_=Integer)
    # Whether any correction names it: none (the rule), and its page needs no log statement.
    corrected = (select(func.count()).select_from(lc)
                 .where(or_(lc.c.library_id == library_id, lc.c.into_id == library_id))
                 .scalar_subquery())
    entity = (
        select(literal(0, Integer).label("part"), le.c.id, le.c.name, le.c.type, le.c.kind,
               le.c.article_count, le.c.mention_count, le.c.retired_at,
               ln.c.name.label("alias"), ln.c.uses.label("alias_uses"),
               ln.c.id.label("alias_id"), newest.label("newest_article"),
               corrected.label("corrections"),
               cast(null(), Integer).label("merged"), cast(null(), Integer).label("into"))
        .outerjoin(ln, and_(ln.c.library_id == le.c.id, ln.c.uses > 0, ln.c.name != le.c.name))
        .where(le.c.id == library_id)
    )
    nothing = (cast(null(), Integer), cast(null(), String), cast(null(), String),
               cast(null(), String), cast(null(), Integer), cast(null(), Integer),
               cast(null(), le.c.retired_at.type), cast(null(), String), cast(null(), Integer),
               cast(null(), Integer), cast(null(), Integer), cast(null(), Integer))
    merges = select(literal(1, Integer), *nothing, lc.c.library_id, lc.c.into_id).where(
        lc.c.action == "merge", lc.c.status == "applied", lc.c.into_id.is_not(None))
    both = union_all(entity, merges).subquery("entity")
    return select(both).order_by(both.c.part, both.c.alias_uses.desc(), both.c.alias_id)


_LIBRARY_ENTITY = _library_entity()


def get_library_entity(session: Session, library_id: int) -> LibraryEntitySummary | None:
    """The library entity, retired ones too (their pages answer 410), with its other names
    joined in, the library's size for its timeline, whether any correction names it and the
    editors' merges (one round trip: this starts every entity page)."""
    entity = None
    merged: dict[int, int] = {}
    for row in _run(session, _LIBRARY_ENTITY, {"library_id": library_id}):
        if row.part == 1:
            merged[row.merged] = row.into
            continue
        if entity is None:
            if is_reader(session):  # one snapshot: the size cannot change in this session
                session.info[_LIBRARY_SIZE] = row.newest_article or 0
            keep_corrections_count(session, library_id, row.corrections)
            entity = LibraryEntitySummary(row.id, row.name, row.type, row.kind,
                                          row.article_count, row.mention_count, [],
                                          row.retired_at)
        if row.alias is not None:
            entity.aliases.append(row.alias)
    keep_merge_map(session, merged)
    return entity


@dataclass(frozen=True)
class LibraryArticle:
    slug: str
    title: str
    published: date | None
    created_at: datetime
    entity_id: int
    mention_count: int


# Walk the library newest first (rather than sort all of an entity's rows) when its rows,
# squared, are at least this many times (rows wanted × articles in the library).
WALK_FACTOR = 4


def walks_newest_first(session: Session, rows: int, wanted: int) -> bool:
    """Whether to find the first ``wanted`` of an entity's ``rows`` (articles, roles or
    quotes; about one an article) by walking the library's articles newest first
    (``ix_articles_newest``) rather than by sorting all of them.

    A walk reads about wanted × (library's articles / rows) articles, a sort all the rows:
    an entity named by a good share of the library (the Islamic State in most reports) walks
    and reads a page's worth; a rare one sorts its few."""
    if rows < WALK_FACTOR * wanted:
        return False  # rows² < factor × wanted × rows ≤ factor × wanted × articles
    return rows**2 >= WALK_FACTOR * wanted * _library_size(session)


_NEWEST_ID = select(func.max(Article.id))
_LIBRARY_SIZE = "newsreader.library_size"


def _library_size(session: Session) -> int:
    """The library's size as its newest article's id: ids are never reused, so it is the
    count but for deleted articles (which only ever tip the choice towards sorting), and it
    is one index lookup where count(*) reads the whole index. A reader's session has it from
    ``get_library_entity``."""
    size = session.info.get(_LIBRARY_SIZE)
    if size is None:
        size = _run(session, _NEWEST_ID, {}).scalar() or 0
    return int(size)


def _library_id_is(walk: bool) -> ColumnElement[bool]:
    """``entities.library_id = :library_id``; when walking, written so that no database
    answers it from ``ix_entities_library_id`` (which would mean a sort of all its rows) but
    checks it on each article the walk reaches."""
    column = Entity.library_id + 0 if walk else Entity.library_id
    return column == bindparam("library_id", type_=Integer)


@cache
def _timeline(walk: bool) -> Select[Any]:
    page = (
        select(Article.slug, Article.title, Article.published, Article.created_at,
               Article.id.label("article_id"), Entity.id.label("entity_id"))
        .select_from(Article)
        .join(Entity, Entity.article_id == Article.id)
        .where(_library_id_is(walk))
        .order_by(*newest_first())
        .limit(_bound("limit"))
        .offset(_bound("offset"))
        .subquery()
    )
    # Mentions counted in the same statement but outside the paged subquery: for this page's
    # rows only, however many articles name the entity.
    mentions = (select(func.count()).select_from(Mention)
                .where(Mention.entity_id == page.c.entity_id).scalar_subquery())
    return (select(page.c.slug, page.c.title, page.c.published, page.c.created_at,
                   page.c.entity_id, mentions)
            .order_by(page.c.published.is_(None), page.c.published.desc(),
                      page.c.created_at.desc(), page.c.article_id.desc()))


def articles_of(session: Session, library_id: int, limit: int = 100, offset: int = 0,
                article_count: int | None = None) -> list[LibraryArticle]:
    """The articles that mention it, newest first (published, then added); ``article_count``
    is the library entity's (read from it when not given)."""
    if article_count is None:
        entity = session.get(LibraryEntity, library_id)
        article_count = entity.article_count if entity else 0
    walk = walks_newest_first(session, article_count, offset + limit)
    rows = _run(session, _timeline(walk),
                {"library_id": library_id, "limit": limit, "offset": offset})
    return [LibraryArticle(slug, title, published, created, entity_id, count)
            for slug, title, published, created, entity_id, count in rows]


def newest_first() -> tuple[ColumnElement[Any], ...]:
    return (Article.published.is_(None), Article.published.desc(), Article.created_at.desc(),
            Article.id.desc())


def _roles_part() -> Select[Any]:
    """The roles these article entities hold, newest article first (columns named for
    :func:`_roles_and_quotes`, which stacks them on the quotes)."""
    organisation = aliased(Entity)
    return (
        select(
            Role.title.label("a"),
            func.coalesce(organisation.name, Role.organisation_name).label("b"),
            Article.slug.label("slug"),
            Entity.id.label("entity_id"),
            func.substr(Article.text, Role.start + 1, Role.end - Role.start).label("sentence"),
            Role.start.label("start"),
            Role.end.label("end"),
        )
        .join(Entity, Entity.id == Role.entity_id)
        .join(Article, Article.id == Entity.article_id)
        .outerjoin(organisation, organisation.id == Role.organisation_id)
        .where(Role.entity_id.in_(bindparam("ids", expanding=True)))
        .order_by(*newest_first(), Role.start, Role.id)
        .limit(_bound("limit"))
    )


def _quotes_part() -> Select[Any]:
    """What these article entities are quoted saying, newest article first."""
    return (
        select(Quote.id.label("a"), Quote.text.label("b"), Article.slug.label("slug"))
        .join(Article, Article.id == Quote.article_id)
        .where(Quote.speaker_id.in_(bindparam("ids", expanding=True)))
        .order_by(*newest_first(), Quote.start, Quote.id)
        .limit(_bound("limit"))
    )


_ROLES_IN = _roles_part()
_QUOTES_IN = _quotes_part()
_CO_MENTIONED = (
    select(LibraryEntity.id, LibraryEntity.name, LibraryEntity.type,
           LibraryComention.sentences)
    .join(LibraryEntity, LibraryEntity.id == LibraryComention.other_id)
    .where(LibraryComention.library_id == bindparam("library_id", type_=Integer),
           LibraryEntity.article_count > 0)
    .order_by(LibraryComention.sentences.desc(), LibraryEntity.id)
    .limit(_bound("limit"))
)


def _roles_and_quotes() -> Any:
    """``_ROLES_IN`` and ``_QUOTES_IN`` in one statement (one round trip fewer for a library
    entity's page): each part ranked and limited as on its own, then the two stacked, roles
    first, each in its order. A quote's row leaves the role's columns empty."""
    roles = (_roles_part()
             .add_columns(func.row_number().over(order_by=(*newest_first(), Role.start,
                                                           Role.id)).label("rank"))
             .subquery("roles_part"))
    quotes = (_quotes_part()
              .add_columns(func.row_number().over(order_by=(*newest_first(), Quote.start,
                                                            Quote.id)).label("rank"))
              .subquery("quotes_part"))
    both = union_all(
        select(literal("role", String).label("part"), roles.c.rank, roles.c.a, roles.c.b,
               roles.c.slug, roles.c.entity_id, roles.c.sentence, roles.c.start, roles.c.end),
        select(literal("quote", String), quotes.c.rank, quotes.c.a, quotes.c.b, quotes.c.slug,
               cast(null(), Integer), cast(null(), String), cast(null(), Integer),
               cast(null(), Integer)),
    ).subquery("parts")
    return select(both).order_by(both.c.part.desc(), both.c.rank)  # "role" > "quote"


_ROLES_AND_QUOTES = _roles_and_quotes()


@dataclass(frozen=True)
class LibraryRole:
    title: str
    organisation: str | None
    article_slug: str
    entity_id: int
    sentence: str
    start: int
    end: int


def roles_in(session: Session, entity_ids: list[int], limit: int = 100) -> list[LibraryRole]:
    """The roles these article entities hold (a library entity's, in one page of its
    timeline), newest article first: a lookup per entity (``ix_roles_entity_id``), so a page
    costs the same however many articles name the entity or state a role of it."""
    if not entity_ids:
        return []
    rows = _run(session, _ROLES_IN, {"ids": entity_ids, "limit": limit})
    return [LibraryRole(*row) for row in rows]


@dataclass(frozen=True)
class LibraryQuote:
    id: str
    text: str
    article_slug: str


def quotes_in(session: Session, entity_ids: list[int], limit: int = 100
              ) -> list[LibraryQuote]:
    """What these article entities are quoted saying (``ix_quotes_speaker_id``), newest
    article first, in text order within an article."""
    if not entity_ids:
        return []
    rows = _run(session, _QUOTES_IN, {"ids": entity_ids, "limit": limit})
    return [LibraryQuote(*row) for row in rows]


def roles_and_quotes_in(session: Session, entity_ids: list[int], limit: int = 100
                        ) -> tuple[list[LibraryRole], list[LibraryQuote]]:
    """``roles_in`` and ``quotes_in`` of the same entities, in one round trip."""
    if not entity_ids:
        return [], []
    roles: list[LibraryRole] = []
    quotes: list[LibraryQuote] = []
    for part, _, a, b, slug, entity_id, sentence, start, end in _run(
            session, _ROLES_AND_QUOTES, {"ids": entity_ids, "limit": limit}):
        if part == "role":
            roles.append(LibraryRole(a, b, slug, entity_id, sentence, start, end))
        else:
            quotes.append(LibraryQuote(a, b, slug))
    return roles, quotes


@dataclass(frozen=True)
class CoMention:
    id: int
    name: str
    type: str
    sentences: int


def co_mentioned(session: Session, library_id: int, limit: int = 10) -> list[CoMention]:
    """Entities most often named in the same sentences, across the library."""
    rows = _run(session, _CO_MENTIONED, {"library_id": library_id, "limit": limit})
    return [CoMention(*row) for row in rows]


# ---- the article list (the home page)


@dataclass(frozen=True)
class TopEntity:
    library_id: int | None
    entity_id: int
    name: str
    type: str
    mentions: int


@dataclass(frozen=True)
class ListedArticle:
    """What the article list shows of an article (not its text)."""

    id: int
    slug: str
    title: str
    published: date | None
    revision: int
    source: str | None


@dataclass
class ArticleRow:
    article: ListedArticle
    entity_count: int = 0
    mention_count: int = 0
    quote_count: int = 0
    top: list[TopEntity] | None = None


@cache
def _article_list(filtered: bool) -> tuple[Select[Any], Select[Any]]:
    """(the count, the page): the page's ids read off ``ix_articles_newest`` alone (a deep
    offset skips index entries, not articles: a sort of 9,000 articles on PostgreSQL, which
    would not fetch so many rows through the index), then their columns and quote counts
    (``ix_quotes_article_id``)."""
    a, q = Article.__table__, Quote.__table__  # type: ignore[attr-defined]
    ids = select(a.c.id)
    if filtered:
        ids = ids.where(a.c.id.in_(
            select(Entity.article_id).where(Entity.library_id == bindparam("library_id"))))
    count = select(func.count()).select_from(ids.subquery("listed"))
    page = (ids.order_by(a.c.published.is_(None), a.c.published.desc(), a.c.created_at.desc(),
                         a.c.id.desc())
            .limit(_bound("limit")).offset(_bound("offset")).subquery("page"))
    quotes = select(func.count()).select_from(q).where(q.c.article_id == a.c.id)
    rows = (select(a.c.id, a.c.slug, a.c.title, a.c.published, a.c.revision, a.c.source,
                   quotes.scalar_subquery())
            .join(page, page.c.id == a.c.id)
            .order_by(a.c.published.is_(None), a.c.published.desc(), a.c.created_at.desc(),
                      a.c.id.desc()))
    return count, rows


# Each entity of the listed articles with its mentions counted by a lookup of its own
# (``ix_mentions_entity_id`` alone), rather than a join grouped over all of them.
_LISTED_ENTITIES = select(
    Entity.article_id, Entity.library_id, Entity.id, Entity.name, Entity.type,
    select(func.count()).select_from(Mention).where(Mention.entity_id == Entity.id)
    .scalar_subquery(),
).where(Entity.article_id.in_(bindparam("ids", expanding=True))).order_by(Entity.id)


def list_articles_page(
    session: Session, library_id: int | None = None, limit: int = 25, offset: int = 0,
    top: int = 5,
) -> tuple[int, list[ArticleRow]]:
    """Articles newest first (published, then added), optionally those naming one library
    entity, with their counts and most-mentioned entities."""
    count, page = _article_list(library_id is not None)
    params: dict[str, Any] = {"limit": limit, "offset": offset, "library_id": library_id}
    total = _run(session, count, params).scalar() or 0
    rows: dict[int, ArticleRow] = {}
    for id_, slug, title, published, revision, source, quotes in _run(session, page, params):
        rows[id_] = ArticleRow(ListedArticle(id_, slug, title, published, revision, source),
                               quote_count=quotes, top=[])
    if not rows:
        return total, []
    for article_id, lib, entity_id, name, type_, mentions in _run(
            session, _LISTED_ENTITIES, {"ids": sorted(rows)}):
        row = rows[article_id]
        row.entity_count += 1
        row.mention_count += mentions
        assert row.top is not None
        row.top.append(TopEntity(lib, entity_id, name, type_, mentions))
    for row in rows.values():
        assert row.top is not None
        row.top = sorted(row.top, key=lambda t: (-t.mentions, t.name))[:top]
    return total, list(rows.values())
