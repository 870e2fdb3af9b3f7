"""The shapes of the JSON API, shared by the JSON routes and the data pages embed.

Each model is built from the stored rows by its ``of`` constructor with the URL builder, so
an entity looks the same in ``/api/articles/{slug}/entities`` and in the reader's embedded
data, and ``/docs`` shows every field.
"""

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from app.anchoring import Anchor
from app.jobs import JobStatus
from app.library_reads import LibraryEntitySummary, aliases_of
from app.models import (
    Article,
    Correction,
    Entity,
    LibraryCorrection,
    LibraryEntity,
    Mention,
    Quote,
    Role,
)
from app.search import CANDIDATES, SearchResults
from app.web.links import Links


def _utc(value: datetime) -> datetime:
    # Stored in UTC; SQLite hands it back without its offset, RFC 3339 wants one.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]

TYPE_LABELS = {"actor": "Actor", "unit": "Unit", "location": "Location"}


class ErrorOut(BaseModel):
    detail: str


class HealthOut(BaseModel):
    status: str = Field(examples=["ok"])


class ArticleSummary(BaseModel):
    slug: str
    title: str
    url: str = Field(description="the article's page, relative to the site")
    published: date | None
    revision: int

    @classmethod
    def of(cls, article: Article, links: Links) -> "ArticleSummary":
        return cls(
            slug=article.slug, title=article.title, url=links.article(article.slug),
            published=article.published, revision=article.revision,
        )


class ParagraphOut(BaseModel):
    index: int
    start: int
    end: int
    kind: str = Field(description="caption, body, related or boilerplate")


class ArticleDetail(ArticleSummary):
    source: str | None
    text: str
    content_sha256: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    paragraphs: list[ParagraphOut]
    entities_url: str
    quotes_url: str
    edit_version: int = Field(
        description="bumped by every correction; send it back as `version` to be told (409) "
        "when another editor changed the article since")
    corrections_url: str

    @classmethod
    def of(cls, article: Article, links: Links) -> "ArticleDetail":
        return cls(
            **ArticleSummary.of(article, links).model_dump(),
            source=article.source,
            text=article.text,
            content_sha256=article.content_sha256,
            created_at=article.created_at,
            updated_at=article.updated_at,
            paragraphs=[
                ParagraphOut(index=p.index, start=p.start, end=p.end, kind=p.kind)
                for p in article.paragraphs
            ],
            entities_url=links.api_entities(article.slug),
            quotes_url=links.api_quotes(article.slug),
            edit_version=article.edit_version,
            corrections_url=links.api_corrections(article.slug),
        )


class HowFoundOut(BaseModel):
    method: str | None = Field(
        None,
        description="how it was found: knowledge (our knowledge files), model (spaCy's "
        "statistical model), rule (a rule of ours), description (a description linked to a "
        "name), editor (a person's correction); null if stored before this was recorded",
    )
    confidence: float | None = Field(
        None, ge=0, le=1,
        description="calibrated probability that it is right (on our annotated texts)",
    )


class MentionOut(HowFoundOut):
    id: int
    start: int = Field(description="character offset in the article's text")
    end: int
    text: str
    form: str = Field(description="how the text names the entity: name, alias, nominal, ...")
    source: str = Field(description="auto (the extractor) or editor (an editor's correction)")
    type: str = Field(
        description="this mention's type: actor, unit or location. A place that acts here "
        "(\"Turkey warned\") is an actor mention of a location entity"
    )
    url: str

    @classmethod
    def of(cls, slug: str, mention: Mention, links: Links) -> "MentionOut":
        return cls(
            id=mention.id, start=mention.start, end=mention.end, text=mention.text,
            form=mention.form, source=mention.source, type=mention.type or mention.entity.type,
            method=mention.method, confidence=mention.confidence,
            url=links.mention(slug, mention.id),
        )


class MentionWithEntity(MentionOut):
    entity_id: int

    @classmethod
    def of(cls, slug: str, mention: Mention, links: Links) -> "MentionWithEntity":
        return cls(**MentionOut.of(slug, mention, links).model_dump(), entity_id=mention.entity_id)


class RoleOut(HowFoundOut):
    id: int
    title: str
    organisation_id: int | None
    organisation_name: str | None
    organisation_url: str | None
    start: int = Field(description="the stating sentence's offsets")
    end: int
    source: str = Field(description="auto (the extractor) or editor (an editor's correction)")

    @classmethod
    def of(cls, slug: str, role: Role, links: Links) -> "RoleOut":
        org = role.organisation
        return cls(
            id=role.id,
            title=role.title,
            organisation_id=role.organisation_id,
            organisation_name=org.name if org is not None else role.organisation_name,
            organisation_url=links.entity(slug, org.id) if org is not None else None,
            start=role.start,
            end=role.end,
            source=role.source,
            method=role.method,
            confidence=role.confidence,
        )


class EntityOut(HowFoundOut):
    id: int
    name: str
    type: str = Field(description="actor, unit or location")
    kind: str
    aliases: list[str]
    source: str = Field(description="auto (the extractor) or editor (an editor's correction)")
    url: str
    library_id: int | None = Field(
        description="the entity across the library (null for an unnamed description)"
    )
    library_url: str | None
    library_article_count: int | None = Field(description="articles naming it, this one too")
    roles: list[RoleOut]
    mentions: list[MentionOut]

    @classmethod
    def of(cls, slug: str, entity: Entity, links: Links) -> "EntityOut":
        library = entity.library_entity
        return cls(
            id=entity.id, name=entity.name, type=entity.type, kind=entity.kind,
            aliases=list(entity.aliases or []), source=entity.source,
            url=links.entity(slug, entity.id),
            method=entity.method, confidence=entity.confidence,
            library_id=entity.library_id,
            library_url=links.library_entity(library.id) if library is not None else None,
            library_article_count=library.article_count if library is not None else None,
            roles=[RoleOut.of(slug, r, links) for r in entity.roles],
            mentions=[MentionOut.of(slug, m, links) for m in entity.mentions],
        )


class QuoteOut(HowFoundOut):
    id: str
    start: int
    end: int
    text: str
    kind: str = Field(description="direct, partial or term")
    speaker_id: int | None
    speaker_name: str | None
    speaker_description: str | None
    source: str = Field(description="auto (the extractor) or editor (an editor's correction)")
    url: str

    @classmethod
    def of(cls, slug: str, quote: Quote, links: Links) -> "QuoteOut":
        return cls(
            id=quote.id, start=quote.start, end=quote.end, text=quote.text, kind=quote.kind,
            speaker_id=quote.speaker_id,
            speaker_name=quote.speaker.name if quote.speaker is not None else None,
            speaker_description=quote.speaker_description, source=quote.source,
            method=quote.method, confidence=quote.confidence,
            url=links.quote(slug, quote.id),
        )


class EntityDetail(EntityOut):
    quotes: list[QuoteOut] = Field(description="what this entity is quoted saying")


class SentenceOut(BaseModel):
    index: int
    start: int
    end: int
    text: str


class IngestOut(BaseModel):
    slug: str
    status: str = Field(description="created, revised or unchanged")
    revision: int
    url: str


# The reader's embedded data: the API's shapes plus what the script needs to show a panel.


class ReaderMention(MentionOut):
    sentence: tuple[int, int] = Field(description="offsets of the sentence holding it")
    tentative: bool = Field(False, description="low confidence: shown as uncertain")
    edited_on: str | None = Field(None, description="the day an editor marked it, as shown")


class ReaderRole(RoleOut):
    sentence_url: str = Field(description="the article opened on the stating sentence")


class ReaderEntity(EntityOut):
    type_label: str
    edited_on: str | None = Field(None, description="the day an editor changed it, as shown")
    roles: list[ReaderRole]  # type: ignore[assignment]
    mentions: list[ReaderMention]  # type: ignore[assignment]


class ReaderData(BaseModel):
    slug: str
    url: str = Field(description="the article's page, relative to the site")
    permalink: str = Field(description="the article's absolute URL, from PUBLIC_URL")
    revision: int
    text: str
    entities: list[ReaderEntity]


class CorrectionOut(BaseModel):
    """One entry of an article's corrections audit log."""

    id: int
    action: str = Field(description="update_entity, merge_entities, delete_mention, add_mention, "
                        "link_mention, update_quote, add_role or delete_role")
    target: str = Field(description="what it was made on, e.g. entity:12, mention:40, quote:q1")
    before: dict[str, Any]
    after: dict[str, Any]
    anchor: list[dict[str, Any]] = Field(
        description="the passage it is anchored to: a W3C TextQuoteSelector (the authority) "
        "and a TextPositionSelector (a hint)")
    status: str = Field(description="applied, orphaned (its passage is gone) or undone")
    reason: str | None = Field(description="why it is orphaned or undone")
    created_at: UtcDatetime
    undone_at: UtcDatetime | None
    author: str
    url: str

    @classmethod
    def of(cls, article: Article, correction: Correction, links: Links) -> "CorrectionOut":
        passage = (correction.anchor or {}).get("passage")
        return cls(
            id=correction.id, action=correction.action, target=correction.target,
            before=correction.before or {}, after=correction.after or {},
            anchor=Anchor.from_json(passage).selectors() if passage else [],
            status=correction.status, reason=correction.reason,
            created_at=correction.created_at, undone_at=correction.undone_at,
            author=correction.author, url=links.api_correction(article.slug, correction.id),
        )


class JobOut(BaseModel):
    """An ingest job, as ``GET /api/jobs/{id}`` reports it."""

    id: str
    state: str = Field(description="queued, running, done or failed")
    url: str = Field(description="this job, relative to the site")
    filename: str | None = Field(description="the uploaded file, for a browser upload")
    attempts: int = Field(description="runs started so far (a crashed run is retried once)")
    result: IngestOut | None = Field(description="the article, once done")
    error: str | None = Field(description="why it failed (or, while queued, why it is retried)")
    created: UtcDatetime
    updated: UtcDatetime

    @classmethod
    def of(cls, job: JobStatus, links: Links) -> "JobOut":
        result = None
        if job.state == "done" and job.slug is not None:
            result = IngestOut(slug=job.slug, status=job.outcome or "created",
                               revision=job.revision or 1, url=links.article(job.slug))
        return cls(id=job.id, state=job.state, url=links.api_job(job.id),
                   filename=job.filename, attempts=job.attempts, result=result,
                   error=job.error, created=job.created_at, updated=job.updated_at)


class BatchJobOut(BaseModel):
    filename: str
    status: str = Field(description="queued, running, done or failed")
    slug: str | None = Field(description="the article, once done")
    url: str | None = Field(description="the article's page, once done")
    error: str | None = Field(description="why it failed")
    job: str = Field(description="the job, relative to the site")


class BatchOut(BaseModel):
    id: str
    finished: bool = Field(description="every file is done or failed")
    jobs: list[BatchJobOut]


# The library: entities across articles, and search.


class LibraryEntityOut(BaseModel):
    id: int
    name: str
    type: str = Field(description="actor, unit or location")
    kind: str
    aliases: list[str]
    article_count: int
    mention_count: int
    url: str = Field(description="the library entity's page")

    @classmethod
    def of(cls, entity: LibraryEntity | LibraryEntitySummary, links: Links
           ) -> "LibraryEntityOut":
        return cls(
            id=entity.id, name=entity.name, type=entity.type, kind=entity.kind,
            aliases=aliases_of(entity), article_count=entity.article_count,
            mention_count=entity.mention_count, url=links.library_entity(entity.id),
        )


class LibraryCorrectionOut(BaseModel):
    """One entry of the library's corrections audit log."""

    id: int
    action: str = Field(description="merge (library_id into into_id) or detach (an article's "
                        "entity out of library_id into into_id, a library entity of its own)")
    library_id: int = Field(description="the entity merged away, or detached from")
    into_id: int | None = Field(description="the survivor of a merge; the detached entity's "
                                "own library entity")
    article_slug: str | None = Field(description="a detachment's article")
    article_entity_key: str | None = Field(description="a detachment's article entity, by key")
    before: dict[str, Any]
    after: dict[str, Any]
    status: str = Field(description="applied, orphaned (its article no longer names the "
                        "detached entity) or undone")
    reason: str | None = Field(description="why it is orphaned or undone")
    created_at: UtcDatetime
    undone_at: UtcDatetime | None
    author: str
    url: str

    @classmethod
    def of(cls, correction: LibraryCorrection, slugs: dict[int, str], links: Links
           ) -> "LibraryCorrectionOut":
        return cls(
            id=correction.id, action=correction.action, library_id=correction.library_id,
            into_id=correction.into_id,
            article_slug=slugs.get(correction.article_id) if correction.article_id else None,
            article_entity_key=correction.entity_key,
            before=correction.before or {}, after=correction.after or {},
            status=correction.status, reason=correction.reason,
            created_at=correction.created_at, undone_at=correction.undone_at,
            author=correction.author, url=links.api_library_correction(correction.id),
        )


class LibraryCorrectionPage(BaseModel):
    total: int
    items: list[LibraryCorrectionOut]


class LibraryPage(BaseModel):
    total: int = Field(description="how many entities match; when total_exact is false, a "
                       "lower bound: the count stops after 10,000 entities (with q, after 1,000 "
                       "words of matching names)")
    total_exact: bool = Field(description="false: total is a lower bound (at least this many)")
    items: list[LibraryEntityOut]


class LibraryArticleOut(BaseModel):
    slug: str
    title: str
    published: date | None
    mention_count: int
    url: str
    entity_url: str = Field(description="the entity's page within this article")
    article_entity_id: int = Field(description="the entity within this article (what "
                                   "POST /api/entities/{id}/detach takes out)")


class LibraryRoleOut(BaseModel):
    title: str
    organisation: str | None
    article_slug: str
    sentence: str
    url: str = Field(description="the article opened on the stating sentence")


class LibraryQuoteOut(BaseModel):
    id: str
    text: str
    article_slug: str
    url: str


class CoMentionOut(BaseModel):
    id: int
    name: str
    type: str
    sentences: int = Field(description="sentences across the library that name both")


class LibraryEntityDetail(LibraryEntityOut):
    articles: list[LibraryArticleOut] = Field(description="newest first, a page at a time")
    roles: list[LibraryRoleOut] = Field(
        description="the roles stated in this page's articles, newest first (at most 100)")
    quotes: list[LibraryQuoteOut] = Field(
        description="its quotes in this page's articles, newest first (at most 100)")
    co_mentioned: list[CoMentionOut]


class ArticleHitOut(BaseModel):
    slug: str
    title: str
    url: str
    snippet: str = Field(description="plain text around the best match")
    score: float = Field(description="relevance, higher is better (engine-specific scale)")


class EntityHitOut(BaseModel):
    id: int
    name: str
    type: str
    url: str


class QuoteHitOut(BaseModel):
    id: str
    text: str
    speaker_name: str | None
    article_slug: str
    url: str


class SearchOut(BaseModel):
    query: str
    articles: list[ArticleHitOut]
    entities: list[EntityHitOut]
    quotes: list[QuoteHitOut]
    articles_recent_only: bool = Field(
        description="more articles match than are ranked (each alternative of the query "
                    f"matches over {CANDIDATES:,}): the articles are the best matches among "
                    "the most recently added")
    quotes_recent_only: bool = Field(
        description="the same for quotes: the best matches among the most recently stored")

    @classmethod
    def of(cls, results: SearchResults, links: Links) -> "SearchOut":
        return cls(
            query=results.query,
            articles=[
                ArticleHitOut(slug=a.slug, title=a.title, url=links.article(a.slug),
                              snippet=a.snippet.text, score=a.score)
                for a in results.articles
            ],
            entities=[
                EntityHitOut(id=e.id, name=e.name, type=e.type, url=links.library_entity(e.id))
                for e in results.entities
            ],
            quotes=[
                QuoteHitOut(id=q.id, text=q.text.text, speaker_name=q.speaker_name,
                            article_slug=q.article_slug, url=links.quote(q.article_slug, q.id))
                for q in results.quotes
            ],
            articles_recent_only=results.articles_recent_only,
            quotes_recent_only=results.quotes_recent_only,
        )


class TopEntityOut(BaseModel):
    library_id: int | None
    name: str
    type: str
    mention_count: int = Field(description="mentions in this article")
    url: str = Field(description="the library entity's page (the article's, if unnamed)")


class ArticleListItem(ArticleSummary):
    source: str | None
    entity_count: int
    mention_count: int
    quote_count: int
    top_entities: list[TopEntityOut] = Field(description="its most-mentioned entities")


class ArticlePage(BaseModel):
    total: int
    items: list[ArticleListItem]
