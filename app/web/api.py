"""JSON endpoints: the contract other work and tests rely on."""

import re
from datetime import date
from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from app import repository as repo
from app.ingest.service import ArticleInput, IngestError
from app.jobs import FAILED, JobStatus, JobsUnavailable
from app.models import Article
from app.web.auth import WriterDep
from app.web.deps import ArticleDep, LinksDep, SessionDep, raise_if_moved
from app.web.jobs_api import check_and_queue, wait_for
from app.web.links import Links
from app.web.schemas import (
    ArticleDetail,
    ArticleSummary,
    EntityDetail,
    EntityOut,
    ErrorOut,
    HealthOut,
    IngestOut,
    JobOut,
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
    response_model=IngestOut,
    responses={
        200: {"model": IngestOut, "description": "unchanged, or a new revision"},
        202: {"model": JobOut, "description": "queued (asked for with `Prefer: respond-async`, "
              "or not finished within the ingest timeout): follow `Location`"},
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
) -> Any:
    """Ingest an article through the job queue. By default the answer waits for the job
    (up to the ingest timeout); with `Prefer: respond-async` it is 202 at once, with the
    job's URL in `Location` (`GET /api/jobs/{id}`)."""
    item = ArticleInput(body.text, body.slug, body.title, body.source, body.published)
    state = request.app.state
    try:
        job_id, _ = await check_and_queue(state, item)
    except IngestError as exc:
        _raise_ingest_error(exc)
    except JobsUnavailable as exc:
        raise HTTPException(503, f"{exc}; nothing was stored") from exc
    respond_async, wait = _preferences(request.headers.get("prefer", ""))
    job = await run_in_threadpool(state.jobs.job_status, job_id)
    if not respond_async:
        job = await wait_for(state, job_id, wait)
    if not job.finished:
        return _accepted(job, links, respond_async)
    if job.state == FAILED:
        _raise_job_failure(job)
    response.status_code = 201 if job.outcome == "created" else 200
    assert job.slug is not None
    return IngestOut(slug=job.slug, status=job.outcome or "created",
                     revision=job.revision or 1, url=links.article(job.slug))


def _preferences(header: str) -> tuple[bool, float | None]:
    """RFC 7240: ``respond-async``, and ``wait=N`` seconds at most."""
    respond_async, wait = False, None
    for preference in header.split(","):
        name, _, value = preference.split(";")[0].strip().partition("=")
        if name.lower() == "respond-async":
            respond_async = True
        elif name.lower() == "wait" and value.strip().isdigit():
            wait = float(value.strip())
    return respond_async, wait


def _accepted(job: JobStatus, links: Links, applied: bool) -> JSONResponse:
    headers = {"Location": links.api_job(job.id), "Cache-Control": "no-store"}
    if applied:
        headers["Preference-Applied"] = "respond-async"
    return JSONResponse(JobOut.of(job, links).model_dump(mode="json"), status_code=202,
                        headers=headers)


def _raise_job_failure(job: JobStatus) -> NoReturn:
    reason = job.error or "the job failed"
    if job.error_status == 422:
        raise RequestValidationError(
            [{"loc": ("body", "text"), "msg": reason, "type": "value_error"}])
    if job.error_status in (409, 413):
        raise HTTPException(job.error_status, reason)
    raise HTTPException(503, f"{reason}; nothing was stored")


def _raise_ingest_error(exc: IngestError) -> NoReturn:
    if exc.status == 422:
        # The same shape as every other 422: a list of {loc, msg, type}.
        raise RequestValidationError(
            [{"loc": ("body", exc.field), "msg": str(exc), "type": "value_error"}]
        ) from exc
    raise HTTPException(exc.status, str(exc)) from exc
