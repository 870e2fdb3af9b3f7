"""JSON endpoints: the contract other work and tests rely on."""

import hmac
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import text

from app import repository as repo
from app.db import session_scope
from app.ingest.service import ArticleInput, IngestError, find_unchanged, prepare, store
from app.models import Article
from app.web.app import SessionDep
from app.web.serialise import (
    article_detail,
    article_summary,
    entity_dict,
    mention_dict,
    quote_dict,
)

router = APIRouter()


class ArticleIn(BaseModel):
    text: str = Field(min_length=1, description="The article's plain text; paragraphs split by blank lines")
    title: str | None = Field(default=None, max_length=500)
    slug: str | None = Field(default=None, max_length=120)
    source: str | None = Field(default=None, max_length=2000)
    published: date | None = None


class IngestOut(BaseModel):
    slug: str
    status: str
    revision: int
    url: str


def _article_or_404(session: SessionDep, slug: str) -> Article:
    article = repo.get_article(session, slug)
    if article is None:
        raise HTTPException(404, f"no article with slug {slug!r}")
    return article


@router.get("/healthz", tags=["health"])
def healthz(session: SessionDep) -> dict[str, str]:
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any database failure means unhealthy
        raise HTTPException(503, f"database unavailable: {exc.__class__.__name__}") from exc
    return {"status": "ok"}


@router.get("/api/articles", tags=["articles"])
def list_articles(session: SessionDep) -> list[dict[str, Any]]:
    return [article_summary(a) for a in repo.list_articles(session)]


@router.get("/api/articles/{slug}", tags=["articles"])
def get_article(slug: str, session: SessionDep) -> dict[str, Any]:
    return article_detail(_article_or_404(session, slug))


@router.get("/api/articles/{slug}/entities", tags=["entities"])
def list_entities(slug: str, session: SessionDep) -> list[dict[str, Any]]:
    article = _article_or_404(session, slug)
    return [entity_dict(slug, e) for e in repo.entities_of(session, article.id)]


@router.get("/api/articles/{slug}/entities/{entity_id}", tags=["entities"])
def get_entity(slug: str, entity_id: int, session: SessionDep) -> dict[str, Any]:
    article = _article_or_404(session, slug)
    entity = repo.get_entity(session, article.id, entity_id)
    if entity is None:
        raise HTTPException(404, f"no entity {entity_id} in article {slug!r}")
    quotes = [q for q in repo.quotes_of(session, article.id) if q.speaker_id == entity.id]
    return {**entity_dict(slug, entity), "quotes": [quote_dict(slug, q) for q in quotes]}


@router.get("/api/articles/{slug}/mentions", tags=["entities"])
def list_mentions(slug: str, session: SessionDep) -> list[dict[str, Any]]:
    article = _article_or_404(session, slug)
    return [
        {**mention_dict(slug, m), "entity_id": m.entity_id}
        for m in repo.mentions_of(session, article.id)
    ]


@router.get("/api/articles/{slug}/quotes", tags=["quotes"])
def list_quotes(slug: str, session: SessionDep) -> list[dict[str, Any]]:
    article = _article_or_404(session, slug)
    return [quote_dict(slug, q) for q in repo.quotes_of(session, article.id)]


@router.get("/api/articles/{slug}/quotes/{quote_id}", tags=["quotes"])
def get_quote(slug: str, quote_id: str, session: SessionDep) -> dict[str, Any]:
    article = _article_or_404(session, slug)
    quote = repo.get_quote(session, article.id, quote_id)
    if quote is None:
        raise HTTPException(404, f"no quote {quote_id!r} in article {slug!r}")
    return quote_dict(slug, quote)


def _check_token(request: Request, authorization: str | None) -> None:
    expected = request.app.state.settings.admin_token
    if not expected:
        raise HTTPException(403, "writes over HTTP are disabled: ADMIN_TOKEN is not set")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), expected):
        raise HTTPException(
            401, "a valid 'Authorization: Bearer <token>' header is required",
            headers={"WWW-Authenticate": "Bearer"},
        )


@router.post(
    "/api/articles",
    tags=["articles"],
    status_code=201,
    responses={200: {"description": "unchanged, or a new revision"}, 401: {}, 403: {}, 422: {}},
)
async def post_article(
    body: ArticleIn,
    request: Request,
    response: Response,
    authorization: Annotated[str | None, Header()] = None,
) -> IngestOut:
    _check_token(request, authorization)
    settings = request.app.state.settings
    item = ArticleInput(body.text, body.slug, body.title, body.source, body.published)
    try:
        normalised, slug, title = prepare(item, settings.max_article_chars)
    except IngestError as exc:
        raise HTTPException(422, str(exc)) from exc
    factory = request.app.state.session_factory
    with session_scope(factory) as session:
        unchanged = find_unchanged(session, slug, normalised)
        if unchanged is not None:
            response.status_code = 200
            return IngestOut(slug=slug, status="unchanged", revision=unchanged.revision, url=f"/articles/{slug}")
    try:
        extraction = await request.app.state.worker.extract(normalised)
    except TimeoutError as exc:
        raise HTTPException(503, "extraction timed out; nothing was stored") from exc
    with session_scope(factory) as session:
        outcome = store(session, item, normalised, slug, title, extraction)
    response.status_code = 201 if outcome.status == "created" else 200
    return IngestOut(slug=outcome.slug, status=outcome.status, revision=outcome.revision, url=f"/articles/{slug}")
