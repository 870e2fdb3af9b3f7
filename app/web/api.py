"""JSON endpoints: the contract other work and tests rely on."""

import re
from datetime import date
from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from app import repository as repo
from app.ingest.service import ArticleInput, IngestError, ingest_article
from app.ingest.worker import WorkerUnavailable
from app.models import Article
from app.web.auth import WriterDep
from app.web.deps import ArticleDep, LinksDep, SessionDep, raise_if_moved
from app.web.schemas import (
    ArticleDetail,
    ArticleSummary,
    EntityDetail,
    EntityOut,
    ErrorOut,
    HealthOut,
    IngestOut,
    MentionWithEntity,
    QuoteOut,
)

router = APIRouter()

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ArticleIn(BaseModel):
    text: str = Field(
        min_length=1, description="The article's plain text; paragraphs split by blank lines"
    )
    title: str | None = Field(
        default=None, max_length=500, description="Default: the lede's first clause"
    )
    slug: str | None = Field(
        default=None,
        max_length=120,
        description="Lower-case letters, digits and hyphens; default: from the title. "
        "An existing slug with a changed text gets a new revision.",
    )
    source: str | None = Field(default=None, max_length=2000, description="The source URL")
    published: date | None = Field(default=None, description="Publication date, YYYY-MM-DD")

    @field_validator("published", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        # Not a number read as a Unix timestamp, nor a date-time cut to its date.
        if value is None or isinstance(value, date):
            return value
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            raise ValueError("published must be a date in YYYY-MM-DD form")
        return value


# Largest id a portable INTEGER column holds; larger ids cannot exist, so they are not looked up.
MAX_ID = 2**31 - 1
EntityId = Annotated[int, Path(description="an entity id")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "no such item"}
}


@router.get(
    "/healthz",
    tags=["health"],
    responses={503: {"model": ErrorOut, "description": "database unavailable or not migrated"}},
)
def healthz(session: SessionDep) -> HealthOut:
    try:
        # The schema too, not just the connection: an unmigrated database cannot serve a page.
        session.execute(select(Article.id).limit(1))
    except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
        raise HTTPException(503, f"database unavailable: {exc.__class__.__name__}") from exc
    return HealthOut(status="ok")


@router.get("/api/articles", tags=["articles"])
def list_articles(session: SessionDep, links: LinksDep) -> list[ArticleSummary]:
    return [ArticleSummary.of(a, links) for a in repo.list_articles(session)]


@router.get("/api/articles/{slug}", tags=["articles"], responses=NOT_FOUND)
def get_article(article: ArticleDep, links: LinksDep) -> ArticleDetail:
    return ArticleDetail.of(article, links)


@router.get("/api/articles/{slug}/entities", tags=["entities"], responses=NOT_FOUND)
def list_entities(article: ArticleDep, session: SessionDep, links: LinksDep) -> list[EntityOut]:
    return [EntityOut.of(article.slug, e, links) for e in repo.entities_of(session, article.id)]


@router.get(
    "/api/articles/{slug}/entities/{entity_id}", tags=["entities"], responses=NOT_FOUND
)
def get_entity(
    article: ArticleDep, entity_id: EntityId, session: SessionDep, links: LinksDep
) -> EntityDetail:
    slug = article.slug
    # an id no row can have is as unknown as any other (and must not overflow the database)
    entity = repo.get_entity(session, article.id, entity_id) if 1 <= entity_id <= MAX_ID else None
    if entity is None:
        if 1 <= entity_id <= MAX_ID:
            raise_if_moved(session, article, entity_id, lambda i: links.api_entity(slug, i))
        raise HTTPException(404, f"no entity {entity_id} in article {slug!r}")
    quotes = [q for q in repo.quotes_of(session, article.id) if q.speaker_id == entity.id]
    return EntityDetail(
        **EntityOut.of(slug, entity, links).model_dump(),
        quotes=[QuoteOut.of(slug, q, links) for q in quotes],
    )


@router.get("/api/articles/{slug}/mentions", tags=["entities"], responses=NOT_FOUND)
def list_mentions(
    article: ArticleDep, session: SessionDep, links: LinksDep
) -> list[MentionWithEntity]:
    return [
        MentionWithEntity.of(article.slug, m, links)
        for m in repo.mentions_of(session, article.id)
    ]


@router.get("/api/articles/{slug}/quotes", tags=["quotes"], responses=NOT_FOUND)
def list_quotes(article: ArticleDep, session: SessionDep, links: LinksDep) -> list[QuoteOut]:
    return [QuoteOut.of(article.slug, q, links) for q in repo.quotes_of(session, article.id)]


@router.get("/api/articles/{slug}/quotes/{quote_id}", tags=["quotes"], responses=NOT_FOUND)
def get_quote(
    article: ArticleDep, quote_id: str, session: SessionDep, links: LinksDep
) -> QuoteOut:
    quote = repo.get_quote(session, article.id, quote_id)
    if quote is None:
        raise HTTPException(404, f"no quote {quote_id!r} in article {article.slug!r}")
    return QuoteOut.of(article.slug, quote, links)


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


@router.post(
    "/api/articles",
    tags=["articles"],
    status_code=201,
    responses={
        200: {"model": IngestOut, "description": "unchanged, or a new revision"},
        400: _error("the body is not UTF-8 JSON text"),
        401: _error("no credentials: neither a bearer token nor a signed-in session"),
        403: _error("wrong token, no CSRF token, or writes disabled (ADMIN_TOKEN unset)"),
        409: _error("another writer kept changing the same article"),
        413: _error("the body or the article text is too long"),
        503: _error("extraction could not run (worker crashed, timed out, no model)"),
    },
)
async def post_article(
    _writer: WriterDep, body: ArticleIn, request: Request, response: Response, links: LinksDep
) -> IngestOut:
    settings = request.app.state.settings
    factory = request.app.state.session_factory
    item = ArticleInput(body.text, body.slug, body.title, body.source, body.published)
    try:
        # In a worker thread: normalising a long text, waiting on a locked database and
        # waiting for the extraction process must not stall the event loop.
        outcome = await run_in_threadpool(
            ingest_article, factory, item, request.app.state.worker.extract,
            settings.max_article_chars,
        )
    except WorkerUnavailable as exc:
        raise HTTPException(503, f"{exc}; nothing was stored") from exc
    except IngestError as exc:
        _raise_ingest_error(exc)
    response.status_code = 201 if outcome.status == "created" else 200
    return IngestOut(
        slug=outcome.slug, status=outcome.status, revision=outcome.revision,
        url=links.article(outcome.slug),
    )


def _raise_ingest_error(exc: IngestError) -> NoReturn:
    if exc.status == 422:
        # The same shape as every other 422: a list of {loc, msg, type}.
        raise RequestValidationError(
            [{"loc": ("body", exc.field), "msg": str(exc), "type": "value_error"}]
        ) from exc
    raise HTTPException(exc.status, str(exc)) from exc
