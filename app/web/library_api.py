"""JSON of the library: entities across articles, the article list, and search."""

from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError

from app import library_reads as reads
from app.library_corrections import merged_into
from app.search import MAX_LIMIT, MAX_QUERY_CHARS, QueryError, search
from app.web.deps import LinksDep, SessionDep
from app.web.links import Links
from app.web.schemas import (
    ArticleListItem,
    ArticlePage,
    CoMentionOut,
    ErrorOut,
    LibraryArticleOut,
    LibraryEntityDetail,
    LibraryEntityOut,
    LibraryPage,
    LibraryQuoteOut,
    LibraryRoleOut,
    SearchOut,
    TopEntityOut,
)

router = APIRouter(tags=["library"])

MAX_ID = 2**31 - 1
ENTITY_TYPES = ("actor", "unit", "location")
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="items to skip")]
LibraryId = Annotated[int, Path(description="a library entity's id")]
GONE: dict[int | str, dict[str, Any]] = {
    308: {"description": "an editor merged it into the entity at Location"},
    404: {"model": ErrorOut, "description": "no such library entity"},
    410: {"model": ErrorOut, "description": "its last article was deleted"},
}


def entity_or_error(session: SessionDep, library_id: int,
                    url: Callable[[int], str] | None = None) -> reads.LibraryEntitySummary:
    """The library entity, 404 if it never existed, 308 to ``url(survivor)`` if an editor
    merged it into another, 410 if it is gone. Every URL that takes a library entity id
    reads it through here, so they all answer alike."""
    entity = reads.get_library_entity(session, library_id) if 1 <= library_id <= MAX_ID else None
    if entity is None:
        raise HTTPException(404, f"no library entity {library_id}")
    survivor = merged_into(session, library_id)
    if survivor is not None and url is not None:
        raise HTTPException(
            308, f"library entity {library_id} was merged into library entity {survivor}",
            headers={"Location": url(survivor)},
        )
    if entity.retired_at is not None or entity.article_count <= 0:
        raise HTTPException(410, f"library entity {library_id} is gone: no article names it now")
    return entity


def moved(request: Request, path: Callable[[int], str], param: str | None = None
          ) -> Callable[[int], str]:
    """Where a merged-away id's URL now is: ``path(survivor)`` with the request's query
    string kept (the survivor's id swapped in for the query parameter ``param``), so a shared
    link keeps its page, limit and offset."""
    def url(survivor: int) -> str:
        query = [(k, str(survivor) if k == param else v)
                 for k, v in request.query_params.multi_items()]
        return path(survivor) + (f"?{urlencode(query)}" if query else "")
    return url


EntityType = Literal["actor", "unit", "location"]


def query_error(message: str) -> RequestValidationError:
    """A 422 shaped like FastAPI's own, so the schema's error model holds."""
    return RequestValidationError([{"loc": ["query", "q"], "msg": message, "type": "value_error"}])


@router.get("/api/entities")
def list_library(
    session: SessionDep,
    links: LinksDep,
    q: Annotated[str | None, Query(max_length=300, description="a name or alias, or its "
                                   "beginning; case and diacritics do not matter")] = None,
    type: Annotated[EntityType | None, Query(description="actor, unit or location")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> LibraryPage:
    found = reads.list_library(session, q, type, limit, offset)
    return LibraryPage(total=found.total, total_exact=found.exact,
                       items=[LibraryEntityOut.of(e, links) for e in found.items])


def library_detail(
    session: SessionDep, links: Links, entity: reads.LibraryEntitySummary, limit: int,
    offset: int,
) -> LibraryEntityDetail:
    articles = reads.articles_of(session, entity.id, limit, offset, entity.article_count)
    # Roles and quotes are those of this page's articles: a page of the timeline costs the
    # same however many articles name the entity (the Islamic State: most of the library).
    shown = [a.entity_id for a in articles]
    roles, quotes = reads.roles_and_quotes_in(session, shown)
    return LibraryEntityDetail(
        **LibraryEntityOut.of(entity, links).model_dump(),
        articles=[
            LibraryArticleOut(slug=a.slug, title=a.title, published=a.published,
                              mention_count=a.mention_count, url=links.article(a.slug),
                              entity_url=links.entity(a.slug, a.entity_id),
                              article_entity_id=a.entity_id)
            for a in articles
        ],
        roles=[
            LibraryRoleOut(title=r.title, organisation=r.organisation,
                           article_slug=r.article_slug, sentence=r.sentence,
                           url=links.entity(r.article_slug, r.entity_id))
            for r in roles
        ],
        quotes=[
            LibraryQuoteOut(id=q.id, text=q.text, article_slug=q.article_slug,
                            url=links.quote(q.article_slug, q.id))
            for q in quotes
        ],
        co_mentioned=[
            CoMentionOut(id=c.id, name=c.name, type=c.type, sentences=c.sentences)
            for c in reads.co_mentioned(session, entity.id)
        ],
    )


@router.get("/api/entities/{library_id}", responses=GONE)
def get_library_entity(
    library_id: LibraryId,
    request: Request,
    session: SessionDep,
    links: LinksDep,
    limit: Annotated[int, Query(ge=1, le=500, description="articles per page")] = 100,
    offset: Offset = 0,
) -> LibraryEntityDetail:
    entity = entity_or_error(session, library_id,
                             moved(request, links.api_library_entity))
    return library_detail(session, links, entity, limit, offset)


@router.get("/api/search")
def search_library(
    session: SessionDep,
    links: LinksDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS,
                            description='words, "exact phrases", prefix*, OR')] = "",
    limit: Limit = 20,
) -> SearchOut:
    try:
        results = search(session, q, limit)
    except QueryError as exc:
        raise query_error(str(exc)) from None
    return SearchOut.of(results, links)


def article_page(
    session: SessionDep, links: Links, library_id: int | None, limit: int, offset: int
) -> ArticlePage:
    total, rows = reads.list_articles_page(session, library_id, limit, offset)
    return ArticlePage(
        total=total,
        items=[
            ArticleListItem(
                slug=r.article.slug, title=r.article.title, url=links.article(r.article.slug),
                published=r.article.published, revision=r.article.revision,
                source=r.article.source, entity_count=r.entity_count,
                mention_count=r.mention_count, quote_count=r.quote_count,
                top_entities=[
                    TopEntityOut(
                        library_id=t.library_id, name=t.name, type=t.type,
                        mention_count=t.mentions,
                        url=links.library_entity(t.library_id) if t.library_id
                        else links.entity(r.article.slug, t.entity_id),
                    )
                    for t in r.top or []
                ],
            )
            for r in rows
        ],
    )


@router.get("/api/library/articles", responses=GONE)
def list_library_articles(
    request: Request,
    session: SessionDep,
    links: LinksDep,
    entity: Annotated[int | None, Query(ge=1, le=MAX_ID,
                                        description="only articles naming this library entity")
                      ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 25,
    offset: Offset = 0,
) -> ArticlePage:
    """The home page's list: newest first (published, then added), with counts."""
    if entity is not None:
        entity_or_error(session, entity,
                        moved(request, lambda _: request.url.path, param="entity"))
    return article_page(session, links, entity, limit, offset)
