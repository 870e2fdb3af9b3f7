"""JSON for the reader: sentence boundaries and a W3C Web Annotation export."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app import repository as repo
from app.web.deps import ArticleDep, LinksDep, SessionDep
from app.web.presenters.annotations import JSONLD_MEDIA_TYPE, annotation_collection
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


@router.get(
    "/api/articles/{slug}/annotations",
    tags=["reader"],
    response_class=JSONResponse,
    responses={200: {"content": {"application/ld+json": {}}}, **NOT_FOUND},
)
def annotations(article: ArticleDep, session: SessionDep, links: LinksDep) -> JSONResponse:
    """Mentions and quotes as a W3C Web Annotation collection (JSON-LD)."""
    payload = annotation_collection(
        article, repo.entities_of(session, article.id), repo.quotes_of(session, article.id),
        links,
    )
    return JSONResponse(payload, media_type=JSONLD_MEDIA_TYPE)
