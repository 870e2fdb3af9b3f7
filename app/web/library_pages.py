"""HTML pages of the library: the article list, the entity directory, a library entity's page
and search. Each has a JSON twin (linked as ``alternate``) built from the same reads."""

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from app import library_reads as reads
from app.search import MAX_QUERY_CHARS, QueryError, search
from app.web.auth import is_signed_in
from app.web.deps import LinksDep, SessionDep
from app.web.library_api import (
    ENTITY_TYPES,
    MAX_ID,
    article_page,
    entity_or_error,
    library_detail,
    moved,
)
from app.web.library_corrections_pages import editing_context, editor_notes
from app.web.presenters.search import marked_html
from app.web.schemas import TYPE_LABELS

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

ARTICLES_PER_PAGE = 25
ENTITIES_PER_PAGE = 50
TIMELINE_PER_PAGE = 50
TYPE_PLURALS = {"actor": "Actors", "unit": "Units", "location": "Locations"}
Page = Annotated[int, Query(ge=1, le=10**6)]


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200
          ) -> HTMLResponse:
    templates = request.app.state.templates
    base = {"type_labels": TYPE_LABELS, "type_plurals": TYPE_PLURALS}
    response: HTMLResponse = templates.TemplateResponse(
        request, template, base | context, status_code=status_code
    )
    if is_signed_in(request):
        # An editor's page carries their CSRF token and controls: never kept by a cache.
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _pages(total: int, per_page: int, page: int = 1) -> int:
    """How many pages ``total`` items fill; 404 for a ``page`` past the last (an empty page
    would say there is nothing at all)."""
    pages = max(1, math.ceil(total / per_page))
    if page > pages:
        raise HTTPException(404, f"There is no page {page}: the list has {pages} "
                                 f"page{'' if pages == 1 else 's'}.")
    return pages


@router.get("/")
def index(
    request: Request,
    session: SessionDep,
    links: LinksDep,
    entity: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    page: Page = 1,
) -> HTMLResponse:
    subject = (entity_or_error(session, entity,
                               moved(request, lambda _: links.home(), param="entity"))
               if entity is not None else None)
    found = article_page(session, links, entity, ARTICLES_PER_PAGE,
                         (page - 1) * ARTICLES_PER_PAGE)
    return _page(request, "index.html", {
        "articles": found.items,
        "total": found.total,
        "page": page,
        "pages": _pages(found.total, ARTICLES_PER_PAGE, page),
        "subject": subject,
        "json_url": links.api_library_articles(entity, ARTICLES_PER_PAGE,
                                               (page - 1) * ARTICLES_PER_PAGE),
    })


@router.get("/entities")
def directory(
    request: Request,
    session: SessionDep,
    links: LinksDep,
    q: Annotated[str | None, Query(max_length=300)] = None,
    type: str | None = None,
    page: Page = 1,
) -> HTMLResponse:
    if type and type not in ENTITY_TYPES:
        raise HTTPException(422, f"type must be one of {', '.join(ENTITY_TYPES)}")
    offset = (page - 1) * ENTITIES_PER_PAGE
    found = reads.list_library(session, q, type or None, ENTITIES_PER_PAGE, offset)
    query = {k: v for k, v in (("q", q), ("type", type)) if v}
    return _page(request, "library.html", {
        "entities": found.items,
        "aliases_of": reads.aliases_of,
        "total": found.total,
        "total_exact": found.exact,
        "page": page,
        "pages": _pages(found.total, ENTITIES_PER_PAGE, page),
        "q": q or "",
        "type": type or "",
        "types": ENTITY_TYPES,
        "json_url": links.api_library() + "?" + urlencode(
            query | {"limit": ENTITIES_PER_PAGE, "offset": offset}
        ),
    })


@router.get("/entities/{library_id}")
def library_entity(
    library_id: str, request: Request, session: SessionDep, links: LinksDep, page: Page = 1,
    merge_q: Annotated[str | None, Query(max_length=300)] = None,
) -> HTMLResponse:
    wanted = int(library_id) if library_id.isascii() and library_id.isdigit() else 0
    if not 1 <= wanted <= MAX_ID:
        raise HTTPException(404, f"No library entity {library_id}.")
    entity = entity_or_error(session, wanted, moved(request, links.library_entity))
    detail = library_detail(session, links, entity, TIMELINE_PER_PAGE,
                            (page - 1) * TIMELINE_PER_PAGE)
    editing = editing_context(session, entity, merge_q) if is_signed_in(request) else {}
    return _page(request, "library_entity.html", editing | {
        "editor_notes": editor_notes(session, entity.id),
        "entity": detail,
        "page": page,
        "pages": _pages(entity.article_count, TIMELINE_PER_PAGE, page),
        "json_url": links.api_library_entity(entity.id),
        "canonical": links.absolute(links.library_entity(entity.id)),
    })


@router.get("/search")
def search_page(
    request: Request, session: SessionDep, links: LinksDep, q: str = ""
) -> HTMLResponse:
    error = None
    results = None
    if len(q) > MAX_QUERY_CHARS:
        error = f"The query is {len(q)} characters long; the limit is {MAX_QUERY_CHARS}."
    elif q.strip():
        try:
            results = search(session, q, 20)
        except QueryError as exc:
            error = f"{exc}."
    return _page(request, "search.html", {
        "q": q,
        "results": results,
        "error": error,
        "marked": marked_html,
        "json_url": links.api_search(q) if q.strip() and error is None else None,
    }, status_code=422 if error else 200)
