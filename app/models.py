"""SQLAlchemy 2 typed models.

Offsets are Python ``str`` indices into ``Article.text``, end-exclusive.
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


# Mention and entity ids are in shared links (#m-12, /entities/7): SQLite must never hand a
# deleted row's id to a new one, or an old link would open on something else.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    pass


class HowFound:
    """How extraction found a fact (knowledge, model, rule, description; editor for a
    person's correction) and its calibrated confidence in [0, 1]. Null on rows stored before
    extraction said so."""

    method: Mapped[str | None] = mapped_column(String(20))
    confidence: Mapped[float | None] = mapped_column(Float)


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    source: Mapped[str | None] = mapped_column(String(2000))
    published: Mapped[date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Bumped by every editor's correction (and its undo): writers check it so that two
    # editors working on one article at once never lose each other's changes.
    edit_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    paragraphs: Mapped[list["Paragraph"]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Paragraph.index"
    )
    entities: Mapped[list["Entity"]] = relationship(
        back_populates="article", cascade="all, delete-orphan"
    )
    quotes: Mapped[list["Quote"]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Quote.start"
    )
    sentences: Mapped[list["Sentence"]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="Sentence.start"
    )


# The library's timelines read articles newest first (``library_reads.newest_first``); this
# index gives that order without a sort, so a page of an entity named by most articles stops
# after a page's worth of them.
Index(
    "ix_articles_newest",
    Article.published.is_(None),
    Article.published.desc(),
    Article.created_at.desc(),
    Article.id.desc(),
)


class Paragraph(Base):
    __tablename__ = "paragraphs"
    __table_args__ = (
        UniqueConstraint("article_id", "index", name="uq_paragraph_index"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # caption | body | related | boilerplate

    article: Mapped[Article] = relationship(back_populates="paragraphs")


class Sentence(Base):
    """Sentence boundaries found at ingest, for keyword-in-context and co-mention queries."""

    __tablename__ = "sentences"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)

    article: Mapped[Article] = relationship(back_populates="sentences")


class LibraryEntity(Base):
    """One real-world entity across the library; article entities point to it.

    Rows are never deleted: one whose last article entity went away keeps its id with
    ``retired_at`` set, so its URL answers 410 Gone (and comes back if its key returns).
    Counts are maintained by ``app.library`` in the transaction that changes an article.
    """

    __tablename__ = "library_entities"
    __table_args__ = (NEVER_REUSE_IDS,)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(50))
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    mention_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    names: Mapped[list["LibraryName"]] = relationship(
        back_populates="library_entity", order_by="LibraryName.uses.desc()", viewonly=True
    )


# The directory's order (most articles, then most mentions, then id), all of it and within a
# type: a page is read off the index, at any offset, with no sort of the rows before it (ties
# on the counts are most of a large library; an index without the id would leave them to a
# sort).
_DIRECTORY_ORDER = (LibraryEntity.article_count.desc(), LibraryEntity.mention_count.desc(),
                    LibraryEntity.id)
Index("ix_library_entities_directory", *_DIRECTORY_ORDER)
Index("ix_library_entities_type_directory", LibraryEntity.type, *_DIRECTORY_ORDER)


class LibraryName(Base):
    """A name or alias that article entities of one library entity carry, with how many do."""

    __tablename__ = "library_names"
    __table_args__ = (UniqueConstraint("library_id", "name", name="uq_library_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    library_id: Mapped[int] = mapped_column(
        ForeignKey("library_entities.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    folded: Mapped[str] = mapped_column(String(300))
    uses: Mapped[int] = mapped_column(Integer, default=0)  # article entities with this name
    named: Mapped[int] = mapped_column(Integer, default=0)  # ... that show it as their name

    library_entity: Mapped[LibraryEntity] = relationship(back_populates="names")


# Word-prefix lookups (``term >= 'isla' AND term < 'islb'``) need byte order, not a locale's.
TERM_TYPE = String(300).with_variant(String(300, collation="C"), "postgresql")


class LibraryTerm(Base):
    """Every word-suffix of every folded name ("nasser alwani", "alwani"): ``q`` is a prefix."""

    __tablename__ = "library_terms"

    # ``ix_library_terms_entity_term``: whether one entity has a name starting with ``q``,
    # from the index alone (the directory walks its order and asks this of each entity).
    __table_args__ = (Index("ix_library_terms_entity_term", "library_id", "term"),)

    term: Mapped[str] = mapped_column(TERM_TYPE, primary_key=True)
    library_id: Mapped[int] = mapped_column(
        ForeignKey("library_entities.id", ondelete="CASCADE"), primary_key=True
    )


class LibraryComention(Base):
    """How many sentences (across the library) mention both entities; stored both ways."""

    __tablename__ = "library_comentions"
    __table_args__ = (Index("ix_library_comentions_rank", "library_id", "sentences"),)

    library_id: Mapped[int] = mapped_column(
        ForeignKey("library_entities.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("library_entities.id", ondelete="CASCADE"), primary_key=True
    )
    sentences: Mapped[int] = mapped_column(Integer, default=0)


class LibraryCorrection(Base):
    """An editor's correction of identity across the library, and its audit-log entry.

    ``merge``: library entity ``library_id`` is one with ``into_id``; every article entity that
    computes to the first (today or after any later ingest) belongs to the second, and the
    first id answers 308 to it. ``detach``: the article entity of key ``entity_key`` in
    ``article_id`` (also found by its mentions' ``anchor``) has a library entity of its own,
    ``into_id``, taken out of ``library_id``. Undone rows stay in the log.
    """

    __tablename__ = "library_corrections"
    __table_args__ = (Index("ix_library_corrections_merge", "action", "status"),
                      NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(20))  # merge | detach
    library_id: Mapped[int] = mapped_column(ForeignKey("library_entities.id"), index=True)
    into_id: Mapped[int | None] = mapped_column(
        ForeignKey("library_entities.id"), nullable=True, index=True
    )
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), nullable=True, index=True
    )
    entity_key: Mapped[str | None] = mapped_column(String(300))
    anchor: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="applied")  # applied|orphaned|undone
    reason: Mapped[str | None] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Entity(HowFound, Base):
    __tablename__ = "entities"
    __table_args__ = (UniqueConstraint("article_id", "key", name="uq_entity_key"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300))
    name: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(20))  # actor | unit | location
    kind: Mapped[str] = mapped_column(String(50))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "auto" (the extractor) or "editor" (made or changed by an editor's correction)
    source: Mapped[str] = mapped_column(String(10), default="auto", server_default="auto")
    # The library entity (see app.library): NULL for unnamed descriptions only. Library rows
    # are never deleted (they retire), so the key needs no ON DELETE action.
    library_id: Mapped[int | None] = mapped_column(
        ForeignKey("library_entities.id"), nullable=True, index=True
    )
    # The key before editors' merges (computed, or an editor's detachment), and the key of the
    # detachment in force (kept in step with the library corrections log by app.library).
    library_key: Mapped[str | None] = mapped_column(String(400), nullable=True)
    library_pin: Mapped[str | None] = mapped_column(String(400), nullable=True)

    article: Mapped[Article] = relationship(back_populates="entities")
    library_entity: Mapped[LibraryEntity | None] = relationship()
    mentions: Mapped[list["Mention"]] = relationship(
        back_populates="entity", cascade="all, delete-orphan", order_by="Mention.start"
    )
    roles: Mapped[list["Role"]] = relationship(
        back_populates="entity",
        cascade="all, delete-orphan",
        foreign_keys="Role.entity_id",
        order_by="Role.start",
    )


# Does this article name that library entity? One index entry answers (timelines walked
# newest first, the article list filtered by an entity).
Index("ix_entities_article_library", Entity.article_id, Entity.library_id)


class Mention(HowFound, Base):
    __tablename__ = "mentions"
    __table_args__ = (Index("ix_mentions_article_start", "article_id", "start"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(
        ForeignKey("entities.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    form: Mapped[str] = mapped_column(String(20), default="name")  # name | nominal
    # "auto" (the extractor) or "editor" (made or changed by an editor's correction)
    source: Mapped[str] = mapped_column(String(10), default="auto", server_default="auto")
    # Its own type where it differs from the entity's ("Turkey warned": an actor mention of
    # a location); null: the entity's type.
    type: Mapped[str | None] = mapped_column(String(20))

    entity: Mapped[Entity] = relationship(back_populates="mentions")


class Role(HowFound, Base):
    __tablename__ = "roles"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        ForeignKey("entities.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), nullable=True
    )
    organisation_name: Mapped[str | None] = mapped_column(String(300))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    # "auto" (the extractor) or "editor" (made or changed by an editor's correction)
    source: Mapped[str] = mapped_column(String(10), default="auto", server_default="auto")

    entity: Mapped[Entity] = relationship(back_populates="roles", foreign_keys=[entity_id])
    organisation: Mapped[Entity | None] = relationship(foreign_keys=[organisation_id])


class Quote(HowFound, Base):
    __tablename__ = "quotes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="direct")  # direct | partial
    speaker_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), nullable=True, index=True
    )
    speaker_description: Mapped[str | None] = mapped_column(String(300))
    # "auto" (the extractor) or "editor" (made or changed by an editor's correction)
    source: Mapped[str] = mapped_column(String(10), default="auto", server_default="auto")

    article: Mapped[Article] = relationship(back_populates="quotes")
    speaker: Mapped[Entity | None] = relationship()


class Correction(Base):
    """An editor's correction: an audit-log entry, and the recipe to re-apply it after re-ingest.

    Targets are stored as text anchors (``anchor``), never as row ids alone: ids change when a
    revised text is extracted again, the anchored passages do not.
    """

    __tablename__ = "corrections"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(30))
    target: Mapped[str] = mapped_column(String(100))  # e.g. "entity:12", "quote:q1a2b3"
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    anchor: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the ids the last application touched, e.g. {"entities": [3], "mentions": [40]}
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="applied")  # applied|orphaned|undone
    reason: Mapped[str | None] = mapped_column(String(300))
    anchored_sha256: Mapped[str] = mapped_column(String(64))  # the text the anchors fit
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EntityRedirect(Base):
    """An entity id that a correction took away: merged (→ ``new_id``, 308) or deleted (410)."""

    __tablename__ = "entity_redirects"

    old_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    old_key: Mapped[str] = mapped_column(String(300))
    new_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), nullable=True
    )
    correction_id: Mapped[int] = mapped_column(
        ForeignKey("corrections.id", ondelete="CASCADE"), index=True
    )


class ExtractionSnapshot(Base):
    """The extractor's own output for the article's current text, before any correction:
    undoing a correction rebuilds the article from it and re-applies the others."""

    __tablename__ = "extraction_snapshots"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class Job(Base):
    """An ingest job: what was asked (kept until the job is finished), how far it has got and
    what came of it. Written by the server (queued) and by whichever worker runs it, so any
    process reads the same state. The queue itself is huey's (``job_queue_*`` below)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_batch", "batch_id", "position"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed
    batch_id: Mapped[str | None] = mapped_column(String(32))  # a browser upload of files
    position: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str | None] = mapped_column(Text)  # kept until the job is finished
    slug: Mapped[str | None] = mapped_column(String(200))  # as asked for
    title: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str | None] = mapped_column(String(2000))
    published: Mapped[date | None] = mapped_column(Date)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    article_slug: Mapped[str | None] = mapped_column(String(200))  # the result, once done
    outcome: Mapped[str | None] = mapped_column(String(16))  # created | revised | unchanged
    revision: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(1000))  # why it failed (or was retried)
    error_status: Mapped[int | None] = mapped_column(Integer)  # 409, 413, 422 or 503
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


# huey's SqlStorage tables (see app.jobs.QueueStorage), declared here so that the migration
# that creates them and the models agree. Only huey reads and writes them.
job_queue_task = Table(
    "job_queue_task", Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("queue", String(255), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("priority", Float, nullable=False),
    Index("ix_job_queue_task_order", "priority", "id"),
)
job_queue_schedule = Table(
    "job_queue_schedule", Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("queue", String(255), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Index("ix_job_queue_schedule_due", "queue", "timestamp"),
)
job_queue_kv = Table(
    "job_queue_kv", Base.metadata,
    Column("queue", String(255), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)
job_queue_counter = Table(
    "job_queue_counter", Base.metadata,
    Column("queue", String(255), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", Integer, nullable=False),
)


class ContentRevision(Base):
    """One row: a counter bumped in the same transaction as every write that changes what a
    page shows (``app.revisions``), so every server worker sees at its next request, with one
    primary-key read, that its cached responses are out of date."""

    __tablename__ = "content_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(Integer, default=0)


# Every Session bumps the content revision when it commits a change to what pages show.
from app import revisions as _revisions  # noqa: E402,F401
