"""Editors' corrections of identity across the library: the one write service for them (the
JSON API and the HTML forms call it), their audit log and undo.

* ``merge(A, into=B)``: A and B are one real-world entity. Every article entity that computes
  to A, in any article, now or after any later ingest, belongs to B; A's id answers 308.
* ``detach(L, article_entity)``: one article's entity is not the library entity L the rules
  gave it; it gets a library entity of its own, whatever later ingests compute.

Both are rows of ``LibraryCorrection`` that ``app.library.apply`` reads on every identity
computation, so they cannot be lost by a re-ingest or a rebuild; this module records them and
recomputes the articles they touch, in the caller's transaction. ``undo`` marks one undone
and recomputes the same articles: the library is as if it had never been made.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from app import library
from app.anchoring import anchor_range
from app.db import is_reader
from app.models import Article, Entity, LibraryCorrection, LibraryEntity, utcnow

ACTIONS = ("merge", "detach")
MAX_ANCHORS = 12  # enough mentions to find the entity again in a revised text
MAX_ID = 2**31 - 1


class LibraryCorrectionError(ValueError):
    """The correction cannot be made; ``status`` is the HTTP status that says why."""

    status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(LibraryCorrectionError):
    status = 404


class Gone(LibraryCorrectionError):
    status = 410


class Conflict(LibraryCorrectionError):
    status = 409


# ---------------------------------------------------------------------------------------------
# Reading


_MERGES = "newsreader.merge_map"


def _merge_map(session: Session) -> dict[int, int]:
    """``library.merge_map``, read once per reader's session (its snapshot cannot change; a
    library entity's page asks twice: is the id merged away, and the editors' notes)."""
    if not is_reader(session):
        return library.merge_map(session)
    merged: dict[int, int] | None = session.info.get(_MERGES)
    if merged is None:
        merged = session.info[_MERGES] = library.merge_map(session)
    return merged


def keep_merge_map(session: Session, merged: dict[int, int]) -> None:
    """``library.merge_map`` as a reader's session read it along with something else (a
    library entity's page reads it with the entity: one round trip fewer)."""
    if is_reader(session):
        session.info[_MERGES] = merged


_COUNTS = "newsreader.corrections_count"


def keep_corrections_count(session: Session, library_id: int, count: int) -> None:
    """How many corrections name a library entity (as its ``library_id`` or ``into_id``), as
    a reader's session read it with the entity: ``log`` of an entity none names, and none
    was merged into, is empty without a statement of its own."""
    if is_reader(session):
        session.info.setdefault(_COUNTS, {})[library_id] = count


def merged_into(session: Session, library_id: int) -> int | None:
    """The library entity a merged-away id now is (after every later merge), else ``None``."""
    merged = _merge_map(session)
    if library_id not in merged:
        return None
    return library.survivor(library_id, merged)


# One entity's log, built once (every library entity page reads it for its editors' notes).
_LOG_OF = select(LibraryCorrection).where(or_(
    LibraryCorrection.library_id.in_(bindparam("ids", expanding=True)),
    LibraryCorrection.into_id.in_(bindparam("ids", expanding=True))))


def log(session: Session, library_id: int | None = None, limit: int = 100, offset: int = 0
        ) -> tuple[int, list[LibraryCorrection]]:
    """The audit log, of one library entity (merged into it, detached from it or into it) or
    of the whole library: orphaned first (they need an editor), then newest first."""
    if library_id is not None:
        # Its own, and those of every entity merged into it (however long the chain): the
        # merged-away ids' URLs lead here.
        merged = _merge_map(session)
        ids = {library_id} | {away for away in merged
                              if library.survivor(away, merged) == library_id}
        if ids == {library_id} and session.info.get(_COUNTS, {}).get(library_id) == 0:
            return 0, []  # what the statement would find: nothing names it
        rows = list(session.scalars(_LOG_OF, {"ids": sorted(ids)}))
    else:
        rows = list(session.scalars(select(LibraryCorrection)))
    order = {"orphaned": 0, "applied": 1, "undone": 2}
    rows.sort(key=lambda c: (order.get(c.status, 3), -c.id))
    return len(rows), rows[offset:offset + limit]


def get(session: Session, correction_id: int) -> LibraryCorrection:
    found = session.get(LibraryCorrection, correction_id) if 1 <= correction_id <= MAX_ID else None
    if found is None:
        raise NotFound(f"no library correction {correction_id}")
    return found


def article_slugs(session: Session, corrections: list[LibraryCorrection]) -> dict[int, str]:
    ids = sorted({c.article_id for c in corrections if c.article_id is not None})
    if not ids:
        return {}
    return dict(session.execute(select(Article.id, Article.slug).where(Article.id.in_(ids)))
                .tuples().all())


# ---------------------------------------------------------------------------------------------
# Writing


def merge(session: Session, library_id: int, into_id: int, author: str) -> LibraryCorrection:
    """Library entity ``library_id`` is ``into_id`` (or what that was merged into)."""
    away, into = _merge_pair(session, library_id, into_id)
    articles = _articles_with(session, [away.id])
    _serialise(session, articles, [away.id, into.id])
    # Checked again under the locks: an editor merging the other way at the same moment
    # would otherwise make a cycle.
    session.expire_all()
    away, into = _merge_pair(session, library_id, into_id)
    correction = _record(session, "merge", author, library_id=away.id, into_id=into.id,
                         before={"entity": _described(away), "into": _described(into)},
                         after={"into": into.id})
    # Articles added between the first look and the locks are caught by the second.
    for article_id in sorted(set(articles) | set(_articles_with(session, [away.id]))):
        _recompute(session, article_id)
    return correction


def _merge_pair(session: Session, library_id: int, into_id: int
                ) -> tuple[LibraryEntity, LibraryEntity]:
    away = _live(session, library_id)
    survivor = merged_into(session, into_id) or into_id
    into = _live(session, survivor, field="into")
    if into.id == away.id:
        raise LibraryCorrectionError(
            f"library entity {library_id} cannot be merged into itself"
            + (f" (entity {into_id} was merged into it)" if into_id != library_id else ""),
            "into")
    return away, into


def detach(session: Session, library_id: int, article_entity_id: int, author: str
           ) -> LibraryCorrection:
    """One article's entity leaves library entity ``library_id`` for one of its own."""
    source, entity = _detach_pair(session, library_id, article_entity_id)
    _serialise(session, [entity.article_id], [source.id])
    session.expire_all()  # checked again under the locks
    source, entity = _detach_pair(session, library_id, article_entity_id)
    article = entity.article
    correction = _record(
        session, "detach", author, library_id=source.id, into_id=None, article_id=article.id,
        entity_key=entity.key,
        anchor={"entity": _entity_anchors(article, entity)},
        before={"library": _described(source),
                "entity": {"id": entity.id, "name": entity.name, "article": article.slug,
                           "article_title": article.title}},
        after={})
    _recompute(session, article.id)
    session.refresh(entity, ["library_id"])
    correction.into_id = entity.library_id
    correction.after = {"library_id": entity.library_id}
    session.flush()
    return correction


def _detach_pair(session: Session, library_id: int, article_entity_id: int
                 ) -> tuple[LibraryEntity, Entity]:
    source = _live(session, library_id)
    entity = session.get(Entity, article_entity_id) if 1 <= article_entity_id <= MAX_ID else None
    if entity is None or entity.library_id != source.id:
        raise LibraryCorrectionError(
            f"article entity {article_entity_id} is not one of library entity {library_id}'s",
            "article_entity_id")
    others = session.scalar(select(Entity.id).where(
        Entity.library_id == source.id, Entity.id != entity.id).limit(1))
    if others is None:
        raise LibraryCorrectionError(
            f"article entity {article_entity_id} is already the only one of library entity "
            f"{library_id}: there is nothing to detach it from", "article_entity_id")
    return source, entity


def undo(session: Session, correction_id: int, author: str) -> LibraryCorrection:
    """Take a library correction back: every article it touched is recomputed without it."""
    correction = get(session, correction_id)
    if correction.status == "undone":
        raise NotFound(f"library correction {correction_id} was already undone")
    if correction.action == "merge":
        articles = _articles_through(session, correction.library_id)
        _serialise(session, articles, [correction.library_id])
    else:
        articles = [correction.article_id] if correction.article_id is not None else []
        _serialise(session, articles, [correction.library_id])
    session.refresh(correction)  # under the locks: another editor may have undone it
    if correction.status == "undone":
        raise NotFound(f"library correction {correction_id} was already undone")
    correction.status, correction.undone_at = "undone", utcnow()
    correction.reason = f"undone by {author}"[:300]
    session.flush()
    for article_id in sorted(articles):
        _recompute(session, article_id)
    return correction


# ---------------------------------------------------------------------------------------------
# Internals


def _live(session: Session, library_id: int, field: str = "id") -> LibraryEntity:
    entity = session.get(LibraryEntity, library_id) if 1 <= library_id <= MAX_ID else None
    error: type[LibraryCorrectionError]
    if entity is None:
        error = NotFound if field == "id" else LibraryCorrectionError
        raise error(f"no library entity {library_id}", field)
    survivor = merged_into(session, library_id)
    if survivor is not None:
        error = Conflict if field == "id" else LibraryCorrectionError
        raise error(f"library entity {library_id} was merged into {survivor}", field)
    if entity.retired_at is not None or entity.article_count <= 0:
        error = Gone if field == "id" else LibraryCorrectionError
        raise error(f"library entity {library_id} is gone: no article names it now", field)
    return entity


def _described(entity: LibraryEntity) -> dict[str, Any]:
    return {"id": entity.id, "name": entity.name, "type": entity.type,
            "article_count": entity.article_count}


def _record(session: Session, action: str, author: str, **fields: Any) -> LibraryCorrection:
    correction = LibraryCorrection(action=action, status="applied",
                                   author=(author or "editor")[:100],
                                   anchor=fields.pop("anchor", {}), **fields)
    session.add(correction)
    session.flush()
    return correction


def _recompute(session: Session, article_id: int) -> None:
    before = library.snapshot(session, article_id)
    library.apply(session, article_id, before)


def _articles_with(session: Session, library_ids: list[int]) -> list[int]:
    return sorted(set(session.scalars(
        select(Entity.article_id).where(Entity.library_id.in_(library_ids)).distinct())))


def _articles_through(session: Session, library_id: int) -> list[int]:
    """Articles whose entities reach their library entity through ``library_id`` (computed
    to it, or to an entity merged into it): those an undone merge of it changes."""
    merged = library.merge_map(session)
    through = {library_id} | {
        start for start in merged if _chain_passes(start, library_id, merged)}
    keys = list(session.scalars(select(LibraryEntity.key).where(LibraryEntity.id.in_(through))))
    end = library.survivor(library_id, merged)
    return sorted(set(session.scalars(
        select(Entity.article_id).where(Entity.library_id == end, Entity.library_key.in_(keys))
        .distinct())))


def _chain_passes(start: int, wanted: int, merged: dict[int, int]) -> bool:
    seen: set[int] = set()
    current: int | None = start
    while current is not None and current not in seen:
        if current == wanted:
            return True
        seen.add(current)
        current = merged.get(current)
    return False


def _serialise(session: Session, article_ids: list[int], library_ids: list[int]) -> None:
    """Writers of the same articles or library entities wait for each other: a write first
    (SQLite's one writer lock), then rows locked articles first, in id order (PostgreSQL),
    the order every ingest and correction takes them in."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(LibraryEntity).where(LibraryEntity.id == min(library_ids))
                        .values(key=LibraryEntity.key))
        return
    if article_ids:
        session.execute(select(Article.id).where(Article.id.in_(sorted(article_ids)))
                        .order_by(Article.id).with_for_update())
    session.execute(select(LibraryEntity.id).where(LibraryEntity.id.in_(sorted(library_ids)))
                    .order_by(LibraryEntity.id).with_for_update())


def _entity_anchors(article: Article, entity: Entity) -> list[dict[str, Any]]:
    """Anchors of the entity's mentions, names first: they find it again in a revised text."""
    mentions = sorted(entity.mentions, key=lambda m: (m.form != "name", m.start))
    return [anchor_range(article.text, m.start, m.end).as_json()
            for m in mentions[:MAX_ANCHORS]]



