"""Ingest an article: validate, extract, and store it as new, unchanged, or a new revision.

``ingest_article`` is the one entry point; the rest are its steps. Extraction itself is passed
in (a function of the normalised text), so this module never imports spaCy.
"""

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import bulk, corrections, library
from app.db import session_scope
from app.models import Article, Entity, Mention, Paragraph, Quote, Role, Sentence, utcnow
from app.nlp.normalise import NormalisedText, normalise_text, slugify, title_from_lede
from app.nlp.types import Extraction

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")
# Paths under /articles/ that are pages of their own, never an article's slug.
RESERVED_SLUGS = frozenset({"new"})
MAX_TITLE_CHARS = 500  # the columns' sizes (Article.title, Article.source)
MAX_SOURCE_CHARS = 2000


class IngestError(ValueError):
    """The input cannot be ingested; the message says why and ``field`` which input it is."""

    status = 422

    def __init__(self, message: str, field: str = "text") -> None:
        super().__init__(message)
        self.field = field


class TooLarge(IngestError):
    """The text is longer than the configured maximum."""

    status = 413


class Conflict(IngestError):
    """Another writer kept changing the same article; nothing was stored."""

    status = 409


@dataclass(frozen=True)
class ArticleInput:
    text: str
    slug: str | None = None
    title: str | None = None
    source: str | None = None
    published: date | None = None


@dataclass(frozen=True)
class IngestOutcome:
    slug: str
    status: str  # created | revised | unchanged
    revision: int
    article_id: int


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prepare(item: ArticleInput, max_chars: int = 200_000) -> tuple[NormalisedText, str, str]:
    """Normalise and validate; returns the text, its slug and its title."""
    if len(item.text) > max_chars:
        raise TooLarge(
            f"article text is {len(item.text)} characters long; the limit is {max_chars}"
        )
    for field, value in (("text", item.text), ("title", item.title), ("source", item.source)):
        _check_storable(field, value)
    if item.title is not None and len(item.title.strip()) > MAX_TITLE_CHARS:
        raise IngestError(f"title is longer than {MAX_TITLE_CHARS} characters", "title")
    if item.source is not None and len(item.source) > MAX_SOURCE_CHARS:
        raise IngestError(f"source is longer than {MAX_SOURCE_CHARS} characters", "source")
    normalised = normalise_text(item.text)
    if not normalised.body():
        raise IngestError("article text is empty: it has no body paragraph")
    title = (item.title or "").strip() or title_from_lede(normalised)
    slug = item.slug.strip() if item.slug else slugify(title)
    if slug in RESERVED_SLUGS:
        if item.slug:
            raise IngestError(f"the slug {slug!r} is reserved for a page of the site", "slug")
        slug = f"{slug}-article"
    if not SLUG_RE.match(slug):
        raise IngestError(
            f"invalid slug {slug!r}: use lower-case letters, digits and hyphens (at most 120)",
            "slug",
        )
    return normalised, slug, title


def _check_storable(field: str, value: str | None) -> None:
    """Text every database can store: no NUL characters, no unpaired surrogates."""
    if value is None:
        return
    if "\x00" in value:
        hint = ": is it a binary file?" if field == "text" else ""
        raise IngestError(f"{field} contains NUL characters{hint}", field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise IngestError(f"{field} is not valid Unicode: {exc.reason}", field) from None


def find_unchanged(session: Session, slug: str, normalised: NormalisedText) -> Article | None:
    article = session.scalar(select(Article).where(Article.slug == slug))
    if article is not None and article.content_sha256 == content_sha256(normalised.text):
        return article
    return None


def quote_key(slug: str, text: str, occurrence: int) -> str:
    digest = hashlib.sha256(f"{slug}\x00{text}\x00{occurrence}".encode()).hexdigest()
    return f"q{digest[:12]}"


Extractor = Callable[[NormalisedText], Extraction]


def ingest_article(
    factory: sessionmaker[Session],
    item: ArticleInput,
    extract: Extractor,
    max_chars: int = 200_000,
) -> IngestOutcome:
    """The ingest use case, for the CLI, the JSON API and every other caller.

    prepare (validate, normalise) → unchanged? (same text stored: done, no extraction) →
    extract (outside any transaction: it is slow, and may run in another process) → save (in a
    transaction of its own, safe against a concurrent writer of the same slug).
    """
    normalised, slug, title = prepare(item, max_chars)
    unchanged = unchanged_outcome(factory, item, slug, normalised)
    if unchanged is not None:
        return unchanged
    return save(factory, item, normalised, slug, title, extract(normalised))


def save(
    factory: sessionmaker[Session],
    item: ArticleInput,
    normalised: NormalisedText,
    slug: str,
    title: str,
    extraction: Extraction,
    attempts: int = 3,
) -> IngestOutcome:
    """Store in a transaction of its own, whatever another writer did meanwhile.

    Extraction runs outside any transaction, so another process (a second HTTP ingest, the
    CLI) may store the same slug first. The loser's insert then violates the unique slug; it
    is retried, and becomes a revision of (or is unchanged from) the winner's article. Any
    other integrity error is a bug and is raised as it is.
    """
    for attempt in range(1, attempts + 1):
        creating = False
        try:
            with session_scope(factory) as session:
                # (an unchanged text is found by ``store``, under its lock)
                creating = session.scalar(select(Article.id).where(Article.slug == slug)) is None
                return store(session, item, normalised, slug, title, extraction)
        except IntegrityError as exc:
            if not (creating and _slug_exists(factory, slug)):
                raise  # not a lost race for the slug
            if attempt == attempts:
                raise Conflict(
                    f"article {slug!r} was being changed by another writer at the same time; "
                    "nothing was stored, try again",
                    "slug",
                ) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _slug_exists(factory: sessionmaker[Session], slug: str) -> bool:
    with factory() as session:
        return session.scalar(select(Article.id).where(Article.slug == slug)) is not None


def unchanged_outcome(
    factory: sessionmaker[Session], item: ArticleInput, slug: str, normalised: NormalisedText
) -> IngestOutcome | None:
    """In a transaction of its own: the outcome if the stored text is the same, else ``None``
    (then extraction is needed)."""
    with session_scope(factory) as session:
        article = find_unchanged(session, slug, normalised)
        return keep_unchanged(session, article, item) if article is not None else None


def keep_unchanged(session: Session, article: Article, item: ArticleInput) -> IngestOutcome:
    """Same text as stored: ids stay as they are; only given metadata is updated."""
    _update_metadata(article, item)
    session.flush()
    return IngestOutcome(article.slug, "unchanged", article.revision, article.id)


def _update_metadata(article: Article, item: ArticleInput) -> None:
    if item.title:
        article.title = item.title.strip()
    if item.source:
        article.source = item.source
    if item.published:
        article.published = item.published


def store(
    session: Session,
    item: ArticleInput,
    normalised: NormalisedText,
    slug: str,
    title: str,
    extraction: Extraction,
) -> IngestOutcome:
    """Write the article in the caller's transaction; nothing is visible until it commits."""
    # Locked until commit (PostgreSQL; SQLite's writers are serialised anyway): a second
    # writer of this slug waits here, then reads the state it replaces, never an older one.
    article = session.scalar(select(Article).where(Article.slug == slug).with_for_update())
    if article is not None and article.content_sha256 == content_sha256(normalised.text):
        # another writer stored this very text since the caller last looked
        return keep_unchanged(session, article, item)
    status = "created"
    before = library.snapshot(session, article.id) if article is not None else None
    if article is None:
        # Its collections start empty (a new id has no rows): never loaded, never deleted.
        article = Article(slug=slug, title=title, revision=1, paragraphs=[], sentences=[],
                          entities=[], quotes=[])
        session.add(article)
    else:
        status = "revised"
        # In SQL, so two writers revising at once get consecutive revisions, not the same one.
        article.revision = Article.revision + 1  # type: ignore[assignment]
        article.updated_at = utcnow()
        if item.title:
            article.title = title
    article.text = normalised.text
    article.content_sha256 = content_sha256(normalised.text)
    article.source = item.source or article.source
    article.published = item.published or article.published
    session.flush()
    new = status == "created"
    _replace_rows(session, article, Paragraph, "paragraphs", [
        {"index": p.index, "start": p.start, "end": p.end, "kind": p.kind}
        for p in normalised.paragraphs
    ], new)
    _replace_rows(session, article, Sentence, "sentences",
                  [{"start": s, "end": e} for s, e in extraction.sentences], new)
    write_annotations(session, article, extraction, new)
    # editors' corrections outlive re-ingest (a new article has none)
    corrections.reapply(session, article, extraction, new)
    library.apply(session, article.id, before or library.Contribution(), new)  # as corrected
    return IngestOutcome(slug, status, article.revision, article.id)


def write_annotations(session: Session, article: Article, extraction: Extraction,
                      new: bool = False) -> None:
    """Replace the article's entities, mentions, roles and quotes with ``extraction``'s
    (``new``: the article was just inserted, so it has none to replace)."""
    entities = _replace_entities(session, article, extraction)
    session.flush()
    _replace_quotes(session, article, extraction, entities, new)
    session.flush()


def _replace_rows(
    session: Session, article: Article, model: type[Paragraph] | type[Sentence],
    attribute: str, rows: list[dict[str, Any]], new: bool,
) -> None:
    """The article's paragraphs or sentences (its ``attribute``), in bulk (``app.bulk``)."""
    if not new:
        session.execute(delete(model).where(model.article_id == article.id))
    bulk.insert_rows(session, model, [{"article_id": article.id, **row} for row in rows])
    session.expire(article, [attribute])  # read back from the rows when next asked


def _replace_entities(
    session: Session, article: Article, extraction: Extraction
) -> dict[str, int]:
    """The entity id of each key. Keep entity ids for keys that survive a revision, so entity
    links stay valid.

    New entities, mentions and roles, most of the rows, are written in bulk: written through
    each entity's collections, they were loaded and flushed entity by entity, most of the
    time ingest spent storing; as ORM objects, the new entities cost more to make and flush
    than their one INSERT (in the order given, so ids come out as the flush gave them)."""
    existing = {e.key: e for e in article.entities}
    wanted = {e.key for e in extraction.entities}
    for key, entity in existing.items():
        if key not in wanted:
            article.entities.remove(entity)
    session.flush()
    kept = [entity.id for key, entity in existing.items() if key in wanted]
    for chunk in _chunks(kept):
        session.execute(delete(Mention).where(bulk.among(session, Mention.entity_id, chunk)))
        session.execute(delete(Role).where(bulk.among(session, Role.entity_id, chunk)))
    added: list[dict[str, Any]] = []
    for item in extraction.entities:
        values = {"name": item.name, "type": item.type, "kind": item.kind,
                  "method": item.method, "confidence": item.confidence,
                  "aliases": list(item.aliases)}
        kept_entity = existing.get(item.key)
        if kept_entity is None:
            added.append({"article_id": article.id, "key": item.key, **values})
            continue
        for name, value in values.items():
            setattr(kept_entity, name, value)
        session.expire(kept_entity, ["mentions", "roles"])  # rewritten below
    session.flush()
    by_key = {key: entity.id for key, entity in existing.items() if key in wanted}
    if added:
        inserted = session.execute(
            insert(Entity).returning(Entity.key, Entity.id, sort_by_parameter_order=True), added)
        by_key.update((key, id_) for key, id_ in inserted)
    session.expire(article, ["entities"])  # read back from the rows when next asked
    mentions = [
        {"article_id": article.id, "entity_id": by_key[item.key], "start": m.start,
         "end": m.end, "text": m.text, "form": m.form, "type": m.type, "method": m.method,
         "confidence": m.confidence}
        for item in extraction.entities
        for m in item.mentions
    ]
    roles = [
        {"entity_id": by_key[item.key], "title": r.title,
         "organisation_id": by_key.get(r.organisation_key or ""),
         "organisation_name": r.organisation_name, "start": r.start, "end": r.end,
         "method": r.method, "confidence": r.confidence}
        for item in extraction.entities
        for r in item.roles
    ]
    bulk.insert_rows(session, Mention, mentions)
    bulk.insert_rows(session, Role, roles)
    return by_key


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    """Short enough IN lists for every engine's limit on bound parameters."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _replace_quotes(
    session: Session, article: Article, extraction: Extraction, speakers: dict[str, int],
    new: bool,
) -> None:
    if not new:
        session.execute(delete(Quote).where(Quote.article_id == article.id))
    seen: Counter[str] = Counter()
    rows = []
    for q in sorted(extraction.quotes, key=lambda q: q.start):
        seen[q.text] += 1
        rows.append({
            "id": quote_key(article.slug, q.text, seen[q.text]), "article_id": article.id,
            "start": q.start, "end": q.end, "text": q.text, "kind": q.kind,
            "speaker_id": speakers.get(q.speaker_key) if q.speaker_key else None,
            "speaker_description": q.speaker_description, "method": q.method,
            "confidence": q.confidence,
        })
    bulk.insert_rows(session, Quote, rows)
    session.expire(article, ["quotes"])


def delete_article(session: Session, article: Article) -> None:
    """Remove an article and everything found in it, in the caller's transaction.

    The one way to delete: the JSON API and the browser's form both call it. Paragraphs,
    sentences, entities, mentions, roles and quotes go with it (foreign keys cascade); the
    library forgets what the article contributed (an entity no other article names retires).
    """
    library.detach_article(session, article.id)
    session.execute(delete(Article).where(Article.id == article.id))
    session.expunge(article)
