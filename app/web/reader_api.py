"""JSON for the reader: sentence boundaries and a W3C Web Annotation export."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse

from app import repository as repo
from app.web.deps import ArticleDep, LinksDep, SessionDep
from app.web.presenters.annotations import (
    JSONLD_MEDIA_TYPE,
    NoSuchPage,
    all_annotations,
    annotation_collection,
    annotation_page,
    mention_annotation,
    quote_annotation,
)
from app.web.presenters.reader import sentences_of
from app.web.schemas import ErrorOut, SentenceOut

router = APIRouter()

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "no such article"}
}


@router.get("/api/articles/{slug}/sentences", tags=["reader"], responses=NOT_FOUND)
def list_sentences(article: ArticleDep) -> list[SentenceOut]:
    """Sentence boundaries found at ingest (paragraphs when there are none), in text order."""
    return [
        SentenceOut(index=i, start=s, end=e, text=article.text[s:e])
        for i, (s, e) in enumerate(sentences_of(article))
    ]


JSONLD: dict[int | str, dict[str, Any]] = {200: {"content": {"application/ld+json": {}}}}


@router.get(
    "/api/articles/{slug}/annotations",
    tags=["reader"],
    response_class=JSONResponse,
    responses={**JSONLD, **NOT_FOUND},
)
def annotations(
    article: ArticleDep, session: SessionDep, links: LinksDep,
    page: Annotated[int | None, Query(ge=0, le=10_000_000, description=(
        "A page of the collection, from 0 (an AnnotationPage); without it, the collection"
    ))] = None,
) -> JSONResponse:
    """Mentions and quotes as a W3C Web Annotation collection (JSON-LD), or one of its pages."""
    items = all_annotations(
        article, repo.entities_of(session, article.id), repo.quotes_of(session, article.id),
        links,
    )
    if page is None:
        return JSONResponse(annotation_collection(article, items, links),
                            media_type=JSONLD_MEDIA_TYPE)
    try:
        payload = annotation_page(article, items, links, page)
    except NoSuchPage as exc:
        raise HTTPException(404, str(exc)) from exc
    return JSONResponse(payload, media_type=JSONLD_MEDIA_TYPE)


@router.get(
    "/api/articles/{slug}/annotations/{key}",
    tags=["reader"],
    response_class=JSONResponse,
    responses={**JSONLD, 404: {"model": ErrorOut, "description": "no such annotation"}},
)
def annotation(article: ArticleDep, key: str, session: SessionDep, links: LinksDep
               ) -> JSONResponse:
    """One annotation, as its id names it: ``m-<mention id>`` or ``q-<quote id>``."""
    found: dict[str, Any] | None = None
    if key.startswith("q-"):
        quote = repo.get_quote(session, article.id, key[2:])
        found = quote_annotation(article, quote, links) if quote is not None else None
    elif key.startswith("m-") and key[2:].isascii() and key[2:].isdigit():
        wanted = int(key[2:])
        found = next((mention_annotation(article, e, m, links)
                      for e in repo.entities_of(session, article.id)
                      for m in e.mentions if m.id == wanted), None)
    if found is None:
        raise HTTPException(404, f"no annotation {key!r} in article {article.slug!r}")
    return JSONResponse(found, media_type=JSONLD_MEDIA_TYPE)
