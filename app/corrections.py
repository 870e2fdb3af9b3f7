"""Editors' corrections: the one write service for them (CLI, JSON API and HTML forms call it).

An article's annotations are a function of two things: the extractor's output for its current
text (kept as a snapshot) and the editors' corrections, applied in the order they were made.
Every correction is stored with text anchors (W3C TextQuoteSelector plus a position hint) for
the passages it is about, never with row ids alone, so that

* a live correction (``update_entity``, ``merge_entities``, ...) records itself and then goes
  through exactly the code that re-applies it later (``_apply``);
* after any re-ingest, ``reapply`` runs every correction again on the fresh extraction in the
  same transaction; one whose passages are gone becomes ``orphaned`` and touches nothing;
* ``undo`` rebuilds the article from the snapshot and re-applies the others, so the article is
  as if the undone correction had never been made.

Every write first bumps ``Article.edit_version`` in SQL, which serialises correction
transactions on one article (a row lock on PostgreSQL, the write lock on SQLite) and lets a
client that says which version it saw get a 409 instead of overwriting a change it never saw.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app import library
from app.anchoring import Anchor, anchor_range, locate
from app.models import (
    Article,
    Correction,
    Entity,
    EntityRedirect,
    ExtractionSnapshot,
    Mention,
    Quote,
    Role,
    utcnow,
)
from app.nlp.labels import ENTITY_TYPES
from app.nlp.types import (
    ExtractedEntity,
    ExtractedQuote,
    Extraction,
    MentionSpan,
    RoleFact,
)

ACTIONS = (
    "update_entity",
    "merge_entities",
    "delete_mention",
    "add_mention",
    "link_mention",
    "update_quote",
    "add_role",
    "delete_role",
)
# actions about an entity as a whole: any of its anchored mentions finds it
ENTITY_ACTIONS = ("update_entity", "merge_entities")
QUOTE_KINDS = ("direct", "partial", "term")
MAX_NAME_CHARS = 300
MAX_KIND_CHARS = 50
MAX_MENTION_CHARS = 500
MAX_ENTITY_ANCHORS = 12  # enough mentions to find the entity again after a revision


class CorrectionError(ValueError):
    """The correction cannot be made; ``status`` is the HTTP status that says why."""

    status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(CorrectionError):
    status = 404


class EditConflict(CorrectionError):
    status = 409


class Orphaned(Exception):
    """Raised while applying: the correction's passages (or their annotations) are gone."""


# ---------------------------------------------------------------------------------------------
# Reading corrections


def corrections_of(session: Session, article_id: int) -> list[Correction]:
    """The audit log: orphaned first (they need an editor), then newest first."""
    rows = session.scalars(select(Correction).where(Correction.article_id == article_id))
    order = {"orphaned": 0, "applied": 1, "undone": 2}
    return sorted(rows, key=lambda c: (order.get(c.status, 3), -c.id))


def redirect_for(session: Session, article_id: int, entity_id: int) -> EntityRedirect | None:
    """Where a merged-away or deleted entity id went (``new_id`` ``None``: gone for good)."""
    return session.scalar(
        select(EntityRedirect).where(
            EntityRedirect.article_id == article_id, EntityRedirect.old_id == entity_id
        )
    )


def edited_at(session: Session, article_id: int) -> dict[str, dict[int | str, Any]]:
    """For each kind of row ("entities", "mentions", "quotes", "roles"), the ids an applied
    correction touched and when it was made (the latest), for the readers' "edited" note."""
    found: dict[str, dict[int | str, Any]] = {k: {} for k in ("entities", "mentions", "quotes",
                                                                "roles")}
    for c in session.scalars(
        select(Correction)
        .where(Correction.article_id == article_id, Correction.status == "applied")
        .order_by(Correction.id)
    ):
        for kind, ids in (c.result or {}).items():
            if kind in found:
                for i in ids:
                    found[kind][i] = c.created_at
    return found


# ---------------------------------------------------------------------------------------------
# Live corrections: one function per action


@library.follows_article
def update_entity(
    session: Session, article: Article, entity_id: int, changes: dict[str, str], author: str,
    expected_version: int | None = None,
) -> Correction:
    """Rename, retype or re-kind an entity (any of ``name``, ``type``, ``kind``)."""
    changes = _entity_fields(changes, partial=True)
    if not changes:
        raise CorrectionError("give at least one of name, type, kind")
    _begin(session, article, expected_version)
    entity = _entity(session, article, entity_id)
    before = {k: getattr(entity, k) for k in changes}
    return _record(session, article, "update_entity", f"entity:{entity.id}", author,
                   before=before, after=changes,
                   anchor={"passage": _first_anchor(article, entity),
                           "entity": _entity_anchors(article, entity)})


@library.follows_article
def merge_entities(
    session: Session, article: Article, entity_id: int, into_id: int, author: str,
    expected_version: int | None = None,
) -> Correction:
    """Merge an entity into another: its mentions, roles and quotes move to the survivor."""
    if entity_id == into_id:
        raise CorrectionError("an entity cannot be merged into itself", "into")
    _begin(session, article, expected_version)
    away = _entity(session, article, entity_id)
    into = _entity(session, article, into_id, field="into")
    return _record(session, article, "merge_entities", f"entity:{away.id}", author,
                   before={"entity": {"id": away.id, "name": away.name},
                           "into": {"id": into.id, "name": into.name}},
                   after={"into": into.id},
                   anchor={"passage": _first_anchor(article, away),
                           "entity": _entity_anchors(article, away),
                           "into": _entity_anchors(article, into)})


@library.follows_article
def delete_mention(
    session: Session, article: Article, mention_id: int, author: str,
    expected_version: int | None = None,
) -> Correction:
    """A false positive: the mention goes; an entity left without mentions goes with it."""
    _begin(session, article, expected_version)
    mention = _mention(session, article, mention_id)
    entity = mention.entity
    return _record(session, article, "delete_mention", f"mention:{mention.id}", author,
                   before={"id": mention.id, "start": mention.start, "end": mention.end,
                           "text": mention.text, "entity_id": entity.id,
                           "entity_name": entity.name},
                   after={},
                   anchor={"passage": _anchor(article, mention.start, mention.end)})


@library.follows_article
def add_mention(
    session: Session, article: Article, start: int, end: int, author: str,
    entity_id: int | None = None, new_entity: dict[str, str] | None = None,
    expected_version: int | None = None,
) -> Correction:
    """Mark ``text[start:end]`` as a mention of an entity, or of a new one."""
    if (entity_id is None) == (new_entity is None):
        raise CorrectionError("give either entity_id or new_entity", "entity_id")
    _check_span(article.text, start, end)
    _begin(session, article, expected_version)
    anchor: dict[str, Any] = {"passage": _anchor(article, start, end)}
    after: dict[str, Any] = {"start": start, "end": end, "text": article.text[start:end]}
    if entity_id is not None:
        entity = _entity(session, article, entity_id, field="entity_id")
        anchor["into"] = _entity_anchors(article, entity)
        after |= {"entity_id": entity.id, "entity_name": entity.name}
    else:
        fields = _entity_fields({"name": article.text[start:end].strip(), **(new_entity or {})},
                                partial=False)
        after["new_entity"] = fields
    correction = _record(session, article, "add_mention", f"mention:{start}-{end}", author,
                         before={}, after=after, anchor=anchor)
    correction.target = f"mention:{correction.result['mentions'][0]}"
    return correction


@library.follows_article
def link_mention(
    session: Session, article: Article, mention_id: int, entity_id: int, author: str,
    expected_version: int | None = None,
) -> Correction:
    """The mention is of another entity ("Link to…")."""
    _begin(session, article, expected_version)
    mention = _mention(session, article, mention_id)
    entity = _entity(session, article, entity_id, field="entity_id")
    if mention.entity_id == entity.id:
        raise CorrectionError(f"mention {mention.id} is already of {entity.name!r}",
                              "entity_id")
    return _record(session, article, "link_mention", f"mention:{mention.id}", author,
                   before={"entity_id": mention.entity_id, "entity_name": mention.entity.name},
                   after={"entity_id": entity.id, "entity_name": entity.name},
                   anchor={"passage": _anchor(article, mention.start, mention.end),
                           "into": _entity_anchors(article, entity)})


_UNSET: Any = object()


def update_quote(
    session: Session, article: Article, quote_id: str, author: str,
    speaker_id: int | None = _UNSET, speaker_description: str | None = _UNSET,
    kind: str | None = _UNSET, expected_version: int | None = None,
) -> Correction:
    """Change a quote's speaker (an entity, or ``None`` with a description) or its kind."""
    after: dict[str, Any] = {}
    if kind is not _UNSET:
        if kind not in QUOTE_KINDS:
            raise CorrectionError(f"kind must be one of {', '.join(QUOTE_KINDS)}", "kind")
        after["kind"] = kind
    if speaker_description is not _UNSET and speaker_description is not None:
        speaker_description = speaker_description.strip()
        if not speaker_description or len(speaker_description) > MAX_NAME_CHARS:
            raise CorrectionError(
                f"speaker_description must be 1 to {MAX_NAME_CHARS} characters",
                "speaker_description")
    if speaker_id is not _UNSET or speaker_description is not _UNSET:
        if speaker_id is not _UNSET and speaker_id is not None:
            if speaker_description not in (_UNSET, None):
                raise CorrectionError("give speaker_id or speaker_description, not both",
                                      "speaker_description")
            after["speaker_id"] = speaker_id
        else:
            after["speaker_id"] = None
            after["speaker_description"] = (
                None if speaker_description is _UNSET else speaker_description
            )
    if not after:
        raise CorrectionError("give speaker_id, speaker_description or kind")
    _begin(session, article, expected_version)
    quote = session.scalar(
        select(Quote).where(Quote.article_id == article.id, Quote.id == quote_id)
    )
    if quote is None:
        raise NotFound(f"no quote {quote_id!r} in article {article.slug!r}")
    anchor: dict[str, Any] = {"passage": _anchor(article, quote.start, quote.end)}
    if after.get("speaker_id") is not None:
        speaker = _entity(session, article, after["speaker_id"], field="speaker_id")
        anchor["into"] = _entity_anchors(article, speaker)
        after["speaker_name"] = speaker.name
    before = {"speaker_id": quote.speaker_id,
              "speaker_name": quote.speaker.name if quote.speaker is not None else None,
              "speaker_description": quote.speaker_description, "kind": quote.kind}
    return _record(session, article, "update_quote", f"quote:{quote.id}", author,
                   before=before, after=after, anchor=anchor)


def add_role(
    session: Session, article: Article, entity_id: int, title: str, author: str,
    start: int, end: int, organisation_id: int | None = None,
    organisation_name: str | None = None, expected_version: int | None = None,
) -> Correction:
    """State a role: ``title`` of the entity (at an organisation), said in ``text[start:end]``."""
    title = (title or "").strip()
    if not title or len(title) > MAX_NAME_CHARS:
        raise CorrectionError(f"title must be 1 to {MAX_NAME_CHARS} characters", "title")
    if not 0 <= start < end <= len(article.text):
        raise CorrectionError(
            f"start and end must satisfy 0 <= start < end <= {len(article.text)}", "start")
    _begin(session, article, expected_version)
    entity = _entity(session, article, entity_id)
    anchor: dict[str, Any] = {"passage": _anchor(article, start, end),
                              "entity": _entity_anchors(article, entity)}
    after: dict[str, Any] = {"title": title, "start": start, "end": end,
                             "organisation_id": None,
                             "organisation_name": (organisation_name or "").strip() or None}
    if organisation_id is not None:
        organisation = _entity(session, article, organisation_id, field="organisation_id")
        anchor["into"] = _entity_anchors(article, organisation)
        after |= {"organisation_id": organisation.id,
                  "organisation_name": after["organisation_name"] or organisation.name}
    return _record(session, article, "add_role", f"entity:{entity.id}", author,
                   before={}, after=after, anchor=anchor)


def delete_role(
    session: Session, article: Article, entity_id: int, role_id: int, author: str,
    expected_version: int | None = None,
) -> Correction:
    _begin(session, article, expected_version)
    entity = _entity(session, article, entity_id)
    role = session.scalar(select(Role).where(Role.id == role_id, Role.entity_id == entity.id))
    if role is None:
        raise NotFound(f"no role {role_id} of entity {entity_id} in article {article.slug!r}")
    return _record(session, article, "delete_role", f"role:{role.id}", author,
                   before={"id": role.id, "title": role.title, "start": role.start,
                           "end": role.end, "organisation_name": role.organisation_name},
                   after={},
                   anchor={"passage": _anchor(article, role.start, role.end),
                           "entity": _entity_anchors(article, entity)})


@library.follows_article
def undo(
    session: Session, article: Article, correction_id: int, author: str,
    expected_version: int | None = None,
) -> Correction:
    """Take a correction back: the article becomes what it would be had it never been made."""
    _begin(session, article, expected_version)
    correction = session.scalar(
        select(Correction).where(
            Correction.article_id == article.id, Correction.id == correction_id
        )
    )
    if correction is None:
        raise NotFound(f"no correction {correction_id} in article {article.slug!r}")
    if correction.status == "undone":
        raise NotFound(f"correction {correction_id} was already undone")
    extraction = _snapshot(session, article)
    correction.status, correction.undone_at = "undone", utcnow()
    correction.reason = f"undone by {author}"[:300]
    from app.ingest.service import write_annotations  # the ingest store calls this module

    write_annotations(session, article, extraction)
    _replay_all(session, article)
    _settle_redirects(session, article, correction)
    return correction


# ---------------------------------------------------------------------------------------------
# Re-application after re-ingest (the ingest store's one hook)


def reapply(session: Session, article: Article, extraction: Extraction,
            new: bool = False) -> None:
    """The extractor just wrote ``extraction`` for the article's text: keep it as the snapshot
    and apply every correction again, in the caller's transaction. A ``new`` article (just
    inserted) has neither a snapshot nor corrections: nothing is looked up."""
    _save_snapshot(session, article, extraction, new)
    if new:
        return
    if session.scalar(select(Correction.id).where(Correction.article_id == article.id).limit(1)):
        _replay_all(session, article)


# ---------------------------------------------------------------------------------------------
# Internals: recording and applying


def _begin(session: Session, article: Article, expected_version: int | None) -> None:
    """Serialise writers on this article and check the version the client saw, if it says."""
    query = update(Article).where(Article.id == article.id)
    if expected_version is not None:
        query = query.where(Article.edit_version == expected_version)
    result = session.execute(
        query.values(edit_version=Article.edit_version + 1).returning(Article.edit_version)
    )
    if result.scalar_one_or_none() is None:
        session.refresh(article, ["edit_version"])
        raise EditConflict(
            f"article {article.slug!r} was changed by another editor (it is at version "
            f"{article.edit_version}, you saw {expected_version}); reload and try again",
            "version",
        )
    _ensure_snapshot(session, article)


def _record(
    session: Session, article: Article, action: str, target: str, author: str, *,
    before: dict[str, Any], after: dict[str, Any], anchor: dict[str, Any],
) -> Correction:
    correction = Correction(
        article_id=article.id, action=action, target=target, before=before, after=after,
        anchor=anchor, result={}, status="applied", author=(author or "editor")[:100],
        anchored_sha256=article.content_sha256,
    )
    session.add(correction)
    session.flush()
    try:
        _apply(session, article, correction, live=True)
    except Orphaned as exc:  # the state changed under us between reading and applying
        raise EditConflict(str(exc)) from None
    session.flush()
    return correction


def _replay_all(session: Session, article: Article) -> None:
    session.flush()
    for table in (Entity, Mention, Quote, Role):
        query = update(table).where(table.source != "auto").values(source="auto")
        if table is Role:
            query = query.where(Role.entity_id.in_(_entity_ids(article.id)))
        else:
            query = query.where(table.article_id == article.id)  # type: ignore[union-attr]
        session.execute(query.execution_options(synchronize_session=False))
    session.expire_all()
    corrections = session.scalars(
        select(Correction)
        .where(Correction.article_id == article.id, Correction.status != "undone")
        .order_by(Correction.id)
    )
    for correction in corrections:
        try:
            with session.begin_nested():
                _apply(session, article, correction, live=False)
        except (Orphaned, CorrectionError) as exc:
            session.expire_all()
            correction.status, correction.reason = "orphaned", str(exc)[:300]
        else:
            correction.status, correction.reason = "applied", None
        session.flush()


def _entity_ids(article_id: int) -> Any:
    return select(Entity.id).where(Entity.article_id == article_id)


@dataclass
class _Located:
    """The correction's anchors as found in the current text (``None``: gone)."""

    passage: tuple[int, int] | None
    entity: list[tuple[int, int]]
    into: list[tuple[int, int]]
    anchors: dict[str, Any]  # refreshed for the current text


def _locate_all(article: Article, correction: Correction) -> _Located:
    trust = correction.anchored_sha256 == article.content_sha256
    text = article.text

    def one(data: dict[str, Any] | None) -> tuple[int, int] | None:
        return locate(text, Anchor.from_json(data), trust) if data else None

    def many(items: list[dict[str, Any]] | None) -> list[tuple[int, int]]:
        return [span for span in (one(d) for d in items or []) if span is not None]

    anchor = correction.anchor or {}
    passage, entity, into = one(anchor.get("passage")), many(anchor.get("entity")), many(
        anchor.get("into"))
    refreshed: dict[str, Any] = {}
    if passage is None and correction.action in ENTITY_ACTIONS and entity:
        passage = entity[0]  # any mention of the entity will do to show where it is
    if passage is not None:
        refreshed["passage"] = anchor_range(text, *passage).as_json()
    for key, spans in (("entity", entity), ("into", into)):
        if key in anchor:
            refreshed[key] = [anchor_range(text, *s).as_json() for s in spans]
    return _Located(passage, entity, into, refreshed)


def _apply(session: Session, article: Article, correction: Correction, live: bool) -> None:
    located = _locate_all(article, correction)
    if located.passage is None and correction.action not in ENTITY_ACTIONS:
        raise Orphaned("the passage it was made on is no longer in the text")
    touched: dict[str, list[Any]] = {}
    APPLY[correction.action](_Context(session, article, correction, located, live, touched))
    correction.result = touched
    correction.anchor = located.anchors
    correction.anchored_sha256 = article.content_sha256


@dataclass
class _Context:
    session: Session
    article: Article
    correction: Correction
    located: _Located
    live: bool
    touched: dict[str, list[Any]]

    def touch(self, kind: str, *ids: Any) -> None:
        self.touched.setdefault(kind, []).extend(i for i in ids if i not in self.touched.get(
            kind, []))

    def mention_at(self, span: tuple[int, int]) -> Mention | None:
        return self.session.scalar(
            select(Mention).where(Mention.article_id == self.article.id,
                                  Mention.start == span[0], Mention.end == span[1])
        )

    def entity_of(self, spans: list[tuple[int, int]], what: str) -> Entity:
        """The entity most of the anchored mentions belong to now."""
        votes: Counter[int] = Counter()
        for span in spans:
            mention = self.mention_at(span)
            if mention is not None:
                votes[mention.entity_id] += 1
        if not votes:
            raise Orphaned(f"the mentions of {what} are no longer in the text")
        entity = self.session.get(Entity, votes.most_common(1)[0][0])
        assert entity is not None
        return entity


def _apply_update_entity(ctx: _Context) -> None:
    entity = ctx.entity_of(ctx.located.entity, "the entity")
    for field, value in ctx.correction.after.items():
        setattr(entity, field, value)
    entity.source = "editor"
    entity.method, entity.confidence = "editor", 1.0  # a person said so
    ctx.touch("entities", entity.id)


def _apply_merge_entities(ctx: _Context) -> None:
    away = ctx.entity_of(ctx.located.entity, "the merged entity")
    into = ctx.entity_of(ctx.located.into, "the entity merged into")
    if away.id != into.id:
        aliases = [a for a in [*into.aliases, away.name, *away.aliases] if a != into.name]
        into.aliases = list(dict.fromkeys(aliases))
        _move_entity(ctx, away, into)
    into.source = "editor"
    into.method, into.confidence = "editor", 1.0  # a person said so
    ctx.touch("entities", into.id)


def _apply_delete_mention(ctx: _Context) -> None:
    assert ctx.located.passage is not None
    mention = ctx.mention_at(ctx.located.passage)
    if mention is None:
        return  # the extractor no longer marks it either: it stays deleted
    entity = mention.entity
    ctx.session.delete(mention)
    ctx.session.flush()
    _drop_if_empty(ctx, entity, None)


def _apply_add_mention(ctx: _Context) -> None:
    start, end = ctx.located.passage or (0, 0)
    text = ctx.article.text
    _check_span(text, start, end)
    after = ctx.correction.after
    entity = None if "new_entity" in after else ctx.entity_of(ctx.located.into, "the entity")
    for other in _overlapping(ctx, start, end):
        if entity is not None and other.entity_id == entity.id:
            ctx.session.delete(other)  # the editor's span replaces the extractor's
        elif ctx.live:
            raise CorrectionError(
                f"{start}..{end} overlaps mention {other.id} ({other.text!r}) of "
                f"{other.entity.name!r}: delete that mention first", "start")
        elif other.source == "auto":
            ctx.session.delete(other)  # a later extraction never undoes an editor
        else:
            raise Orphaned(f"the passage overlaps an editor's mention of {other.entity.name!r}")
    ctx.session.flush()
    if entity is None:
        entity = _editor_entity(ctx, after["new_entity"])
    mention = Mention(article_id=ctx.article.id, entity_id=entity.id, start=start, end=end,
                      text=text[start:end], form="name", source="editor",
                method="editor", confidence=1.0)
    ctx.session.add(mention)
    ctx.session.flush()
    for other_entity in _entities_without_mentions(ctx):
        _drop_if_empty(ctx, other_entity, None)
    ctx.touch("mentions", mention.id)
    ctx.touch("entities", entity.id)


def _apply_link_mention(ctx: _Context) -> None:
    assert ctx.located.passage is not None
    mention = ctx.mention_at(ctx.located.passage)
    if mention is None:
        raise Orphaned("the extractor no longer marks this passage as a mention")
    into = ctx.entity_of(ctx.located.into, "the entity to link to")
    old = mention.entity
    if old.id != into.id:
        mention.entity_id = into.id
        ctx.session.flush()
        ctx.session.expire(old)
        _drop_if_empty(ctx, old, into)
    mention.source = "editor"
    mention.method, mention.confidence = "editor", 1.0  # a person said so
    ctx.touch("mentions", mention.id)


def _apply_update_quote(ctx: _Context) -> None:
    assert ctx.located.passage is not None
    start, end = ctx.located.passage
    quote = ctx.session.scalar(
        select(Quote).where(Quote.article_id == ctx.article.id, Quote.start == start,
                            Quote.end == end)
    )
    if quote is None:
        raise Orphaned("the extractor no longer finds a quote at this passage")
    after = ctx.correction.after
    if "kind" in after:
        quote.kind = after["kind"]
    if "speaker_id" in after:
        if after["speaker_id"] is not None:
            quote.speaker_id = ctx.entity_of(ctx.located.into, "the speaker").id
            quote.speaker_description = None
        else:
            quote.speaker_id = None
            quote.speaker_description = after.get("speaker_description")
    quote.source = "editor"
    quote.method, quote.confidence = "editor", 1.0  # a person said so
    ctx.touch("quotes", quote.id)


def _apply_add_role(ctx: _Context) -> None:
    assert ctx.located.passage is not None
    entity = ctx.entity_of(ctx.located.entity, "the entity")
    after = ctx.correction.after
    organisation_id = None
    if "into" in (ctx.correction.anchor or {}) or after.get("organisation_id") is not None:
        organisation_id = ctx.entity_of(ctx.located.into, "the organisation").id
    role = Role(entity_id=entity.id, title=after["title"], organisation_id=organisation_id,
                organisation_name=after.get("organisation_name"), start=ctx.located.passage[0],
                end=ctx.located.passage[1], source="editor",
                method="editor", confidence=1.0)
    ctx.session.add(role)
    ctx.session.flush()
    ctx.touch("roles", role.id)
    ctx.touch("entities", entity.id)


def _apply_delete_role(ctx: _Context) -> None:
    assert ctx.located.passage is not None
    entity = ctx.entity_of(ctx.located.entity, "the entity")
    start, end = ctx.located.passage
    ctx.session.execute(
        delete(Role).where(Role.entity_id == entity.id, Role.title == ctx.correction.before[
            "title"], Role.start == start, Role.end == end)
    )
    ctx.session.expire(entity)
    ctx.touch("entities", entity.id)


APPLY: dict[str, Callable[[_Context], None]] = {
    "update_entity": _apply_update_entity,
    "merge_entities": _apply_merge_entities,
    "delete_mention": _apply_delete_mention,
    "add_mention": _apply_add_mention,
    "link_mention": _apply_link_mention,
    "update_quote": _apply_update_quote,
    "add_role": _apply_add_role,
    "delete_role": _apply_delete_role,
}


def _move_entity(ctx: _Context, away: Entity, into: Entity) -> None:
    """Everything that was ``away``'s becomes ``into``'s; ``away``'s id then redirects."""
    session = ctx.session
    session.flush()
    session.execute(update(Mention).where(Mention.entity_id == away.id)
                    .values(entity_id=into.id).execution_options(synchronize_session=False))
    session.execute(update(Role).where(Role.entity_id == away.id)
                    .values(entity_id=into.id).execution_options(synchronize_session=False))
    session.execute(update(Role).where(Role.organisation_id == away.id)
                    .values(organisation_id=into.id)
                    .execution_options(synchronize_session=False))
    session.execute(update(Quote).where(Quote.speaker_id == away.id)
                    .values(speaker_id=into.id).execution_options(synchronize_session=False))
    _retire(ctx, away, into.id)


def _drop_if_empty(ctx: _Context, entity: Entity, successor: Entity | None) -> None:
    """An entity left without mentions goes; its id answers 410 (or 308 to ``successor``)."""
    remaining = ctx.session.scalar(select(Mention.id).where(Mention.entity_id == entity.id)
                                   .limit(1))
    if remaining is None:
        _retire(ctx, entity, successor.id if successor is not None else None)


def _retire(ctx: _Context, entity: Entity, new_id: int | None) -> None:
    session = ctx.session
    correction = ctx.correction
    # Links to ids this entity had taken over (earlier merges) follow it to its successor.
    session.execute(update(EntityRedirect).where(EntityRedirect.new_id == entity.id)
                    .values(new_id=new_id).execution_options(synchronize_session=False))
    if session.get(EntityRedirect, entity.id) is None:
        session.add(EntityRedirect(old_id=entity.id, article_id=ctx.article.id,
                                   old_key=entity.key, new_id=new_id,
                                   correction_id=correction.id))
    session.flush()
    session.execute(delete(Entity).where(Entity.id == entity.id))
    session.expire_all()
    # Every id this correction ever retired (earlier re-ingests made new ones) goes the same way.
    session.execute(update(EntityRedirect).where(EntityRedirect.correction_id == correction.id)
                    .values(new_id=new_id).execution_options(synchronize_session=False))
    ctx.touch("removed", entity.id)


def _settle_redirects(session: Session, article: Article, correction: Correction) -> None:
    """After an undo, ids the correction had retired lead to the entity of the same key if the
    rebuilt article has one again, and stop existing otherwise."""
    session.flush()
    keys = {e.key: e.id for e in session.scalars(select(Entity).where(
        Entity.article_id == article.id))}
    for redirect in session.scalars(
        select(EntityRedirect).where(EntityRedirect.correction_id == correction.id)
    ):
        if redirect.old_key in keys:
            redirect.new_id = keys[redirect.old_key]
        else:
            session.delete(redirect)
    session.flush()


def _editor_entity(ctx: _Context, fields: dict[str, str]) -> Entity:
    """The entity an editor created, with the same id every time the correction is applied."""
    key = f"editor:{ctx.correction.id}"
    existing = ctx.session.scalar(
        select(Entity).where(Entity.article_id == ctx.article.id, Entity.key == key)
    )
    if existing is not None:
        return existing
    entity = Entity(article_id=ctx.article.id, key=key, name=fields["name"], type=fields["type"],
                    kind=fields["kind"], aliases=[], source="editor",
                method="editor", confidence=1.0)
    previous = (ctx.correction.result or {}).get("entities") or []
    if previous and ctx.session.get(Entity, previous[-1]) is None and not ctx.session.get(
        EntityRedirect, previous[-1]
    ):
        entity.id = previous[-1]  # ids are never reused by anything else: safe to take back
    ctx.session.add(entity)
    ctx.session.flush()
    return entity


def _overlapping(ctx: _Context, start: int, end: int) -> list[Mention]:
    return list(ctx.session.scalars(
        select(Mention).where(Mention.article_id == ctx.article.id, Mention.start < end,
                              Mention.end > start)
    ))


def _entities_without_mentions(ctx: _Context) -> list[Entity]:
    has_mention = select(Mention.id).where(Mention.entity_id == Entity.id).exists()
    return list(ctx.session.scalars(
        select(Entity).where(Entity.article_id == ctx.article.id, ~has_mention)
    ))


# ---------------------------------------------------------------------------------------------
# Validation and lookups


def _entity_fields(fields: dict[str, Any], partial: bool) -> dict[str, str]:
    allowed = {"name", "type", "kind"}
    unknown = set(fields) - allowed
    if unknown:
        raise CorrectionError(f"unknown field(s): {', '.join(sorted(unknown))}",
                              sorted(unknown)[0])
    clean: dict[str, str] = {}
    for field in ("name", "type", "kind"):
        value = fields.get(field)
        if value is None:
            if not partial and field != "kind":
                raise CorrectionError(f"{field} is required", field)
            continue
        if not isinstance(value, str) or not value.strip():
            raise CorrectionError(f"{field} must be a non-empty string", field)
        clean[field] = value.strip()
    if "name" in clean and len(clean["name"]) > MAX_NAME_CHARS:
        raise CorrectionError(f"name is longer than {MAX_NAME_CHARS} characters", "name")
    if "type" in clean and clean["type"] not in ENTITY_TYPES:
        raise CorrectionError(
            f"type must be one of {', '.join(ENTITY_TYPES)}, not {clean['type']!r}", "type")
    if "kind" in clean and len(clean["kind"]) > MAX_KIND_CHARS:
        raise CorrectionError(f"kind is longer than {MAX_KIND_CHARS} characters", "kind")
    if not partial:
        clean.setdefault("kind", clean["type"])
    return clean


def _check_span(text: str, start: int, end: int) -> None:
    if not 0 <= start < end <= len(text):
        raise CorrectionError(
            f"the span {start}..{end} is outside the text (0..{len(text)})", "start")
    if end - start > MAX_MENTION_CHARS:
        raise CorrectionError(f"a mention is at most {MAX_MENTION_CHARS} characters", "end")
    piece = text[start:end]
    if piece != piece.strip() or "\n\n" in piece:
        raise CorrectionError(
            "a mention starts and ends on a word and stays within a paragraph", "start")
    if start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        raise CorrectionError(f"offset {start} is inside the word {_word_at(text, start)!r}",
                              "start")
    if end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        raise CorrectionError(f"offset {end} is inside the word {_word_at(text, end)!r}", "end")


def _word_at(text: str, offset: int) -> str:
    s = offset
    while s > 0 and text[s - 1].isalnum():
        s -= 1
    e = offset
    while e < len(text) and text[e].isalnum():
        e += 1
    return text[s:e]


def _entity(session: Session, article: Article, entity_id: int, field: str = "id") -> Entity:
    entity = session.scalar(
        select(Entity).where(Entity.article_id == article.id, Entity.id == entity_id)
    ) if 1 <= entity_id <= 2**31 - 1 else None
    if entity is None:
        error = NotFound if field == "id" else CorrectionError
        raise error(f"no entity {entity_id} in article {article.slug!r}", field)
    return entity


def _mention(session: Session, article: Article, mention_id: int) -> Mention:
    mention = session.scalar(
        select(Mention).where(Mention.article_id == article.id, Mention.id == mention_id)
    ) if 1 <= mention_id <= 2**31 - 1 else None
    if mention is None:
        raise NotFound(f"no mention {mention_id} in article {article.slug!r}")
    return mention


def _anchor(article: Article, start: int, end: int) -> dict[str, Any]:
    return anchor_range(article.text, start, end).as_json()


def _entity_anchors(article: Article, entity: Entity) -> list[dict[str, Any]]:
    """Anchors of the entity's mentions, names before descriptions, in text order."""
    mentions = sorted(entity.mentions, key=lambda m: (m.form != "name", m.start))
    return [_anchor(article, m.start, m.end) for m in mentions[:MAX_ENTITY_ANCHORS]]


def _first_anchor(article: Article, entity: Entity) -> dict[str, Any] | None:
    anchors = _entity_anchors(article, entity)
    return anchors[0] if anchors else None


# ---------------------------------------------------------------------------------------------
# The extraction snapshot


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    """What ``dataclasses.asdict(extraction)`` returns, built directly: asdict walks and
    deep-copies every value generically, which made it the slowest part of storing an article
    after the SQL itself. Mention, role and quote records hold only atoms and tuples of atoms
    (immutable, so shared rather than copied)."""
    data = _fields_of(extraction)
    data["entities"] = [_entity_to_json(e) for e in extraction.entities]
    data["quotes"] = [_fields_of(q) for q in extraction.quotes]
    data["sentences"] = [tuple(s) for s in extraction.sentences]
    return data


def _entity_to_json(entity: ExtractedEntity) -> dict[str, Any]:
    data = _fields_of(entity)
    data["aliases"] = list(entity.aliases)
    data["mentions"] = [_fields_of(m) for m in entity.mentions]
    data["roles"] = [_fields_of(r) for r in entity.roles]
    return data


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _fields_of(item: Any) -> dict[str, Any]:
    names = _FIELD_NAMES.get(type(item))
    if names is None:
        names = _FIELD_NAMES[type(item)] = tuple(f.name for f in dataclasses.fields(item))
    return {name: getattr(item, name) for name in names}


def extraction_from_json(data: dict[str, Any]) -> Extraction:
    def entity(e: dict[str, Any]) -> ExtractedEntity:
        return ExtractedEntity(**{**e, "mentions": [MentionSpan(**m) for m in e["mentions"]],
                                  "roles": [RoleFact(**r) for r in e["roles"]]})

    return Extraction(
        entities=[entity(e) for e in data["entities"]],
        quotes=[ExtractedQuote(**q) for q in data["quotes"]],
        sentences=[(int(s), int(e)) for s, e in data.get("sentences", [])],
    )


def _save_snapshot(session: Session, article: Article, extraction: Extraction,
                   new: bool = False) -> None:
    snapshot = None if new else session.get(ExtractionSnapshot, article.id)
    if snapshot is None:
        session.add(ExtractionSnapshot(article_id=article.id,
                                       data=extraction_to_json(extraction)))
    else:
        snapshot.data = extraction_to_json(extraction)
    session.flush()


def _snapshot(session: Session, article: Article) -> Extraction:
    snapshot = session.get(ExtractionSnapshot, article.id)
    assert snapshot is not None, "a correction is only made after _ensure_snapshot"
    return extraction_from_json(snapshot.data)


def _ensure_snapshot(session: Session, article: Article) -> None:
    """Articles stored before corrections existed: their rows are still the extractor's."""
    if session.get(ExtractionSnapshot, article.id) is None:
        _save_snapshot(session, article, _extraction_from_rows(session, article))


def _extraction_from_rows(session: Session, article: Article) -> Extraction:
    entities = list(session.scalars(select(Entity).where(Entity.article_id == article.id)))
    keys = {e.id: e.key for e in entities}
    quotes = session.scalars(select(Quote).where(Quote.article_id == article.id)
                             .order_by(Quote.start))
    return Extraction(
        entities=[
            ExtractedEntity(
                e.key, e.name, e.type, e.kind, list(e.aliases or []),
                [MentionSpan(m.start, m.end, m.text, m.form, m.type, m.method or "rule",
                             m.confidence) for m in e.mentions],
                [RoleFact(r.title, keys.get(r.organisation_id) if r.organisation_id else None,
                          r.organisation_name, r.start, r.end, r.method or "rule",
                          confidence=r.confidence) for r in e.roles],
                method=e.method or "rule", confidence=e.confidence,
            )
            for e in entities
        ],
        quotes=[ExtractedQuote(q.start, q.end, q.text, q.kind,
                               keys.get(q.speaker_id) if q.speaker_id else None,
                               q.speaker_description, q.method or "rule",
                               confidence=q.confidence) for q in quotes],
        sentences=[(s.start, s.end) for s in article.sentences],
    )


def touched_ids(corrections: Iterable[Correction], kind: str) -> set[Any]:
    return {i for c in corrections if c.status == "applied" for i in (c.result or {}).get(
        kind, [])}
