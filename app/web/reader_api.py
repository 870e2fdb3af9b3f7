"""JSON for the reader: sentence boundaries and a W3C Web Annotation export."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from app import repository as repo
from app.models import Article
from app.web.anchor import PassageSelector
from app.web.app import SessionDep
from app.web.serialise import article_url, entity_url, quote_url

router = APIRouter()

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
JSONLD_MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


def _article_or_404(session: SessionDep, slug: str) -> Article:
    article = repo.get_article(session, slug)
    if article is None:
        raise HTTPException(404, f"no article with slug {slug!r}")
    return article


def _sentences(article: Article) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in article.sentences] or [
        (p.start, p.end) for p in article.paragraphs
    ]


NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such article", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"],
    }}}}
}


@router.get("/api/articles/{slug}/sentences", tags=["reader"], responses=NOT_FOUND)
def list_sentences(slug: str, session: SessionDep) -> list[dict[str, Any]]:
    """Sentence boundaries found at ingest (paragraphs when there are none), in text order."""
    article = _article_or_404(session, slug)
    return [
        {"index": i, "start": s, "end": e, "text": article.text[s:e]}
        for i, (s, e) in enumerate(_sentences(article))
    ]


def _target(article: Article, source: str, start: int, end: int) -> dict[str, Any]:
    selector = PassageSelector.for_range(article.text, start, end)
    position = selector.position
    assert position is not None
    return {
        "type": "SpecificResource",
        "source": source,
        "selector": [selector.quote.as_json(), position.as_json()],
    }


@router.get(
    "/api/articles/{slug}/annotations",
    tags=["reader"],
    response_class=JSONResponse,
    responses={200: {"content": {"application/ld+json": {}}}, **NOT_FOUND},
)
def annotations(slug: str, request: Request, session: SessionDep) -> JSONResponse:
    """Mentions and quotes as a W3C Web Annotation collection (JSON-LD)."""
    article = _article_or_404(session, slug)
    base = str(request.base_url).rstrip("/")
    source = base + article_url(slug)
    collection_id = f"{base}/api/articles/{slug}/annotations"
    items: list[dict[str, Any]] = []
    for entity in repo.entities_of(session, article.id):
        page = base + entity_url(slug, entity.id)
        for m in entity.mentions:
            items.append(
                {
                    "id": f"{collection_id}#m-{m.id}",
                    "type": "Annotation",
                    "motivation": "identifying",
                    "body": [
                        {"type": "TextualBody", "purpose": "identifying", "value": entity.name,
                         "format": "text/plain"},
                        {"type": "TextualBody", "purpose": "tagging", "value": entity.type},
                        {"type": "TextualBody", "purpose": "classifying", "value": entity.kind},
                        {"id": page, "type": "Text", "format": "text/html",
                         "purpose": "linking"},
                    ],
                    "target": _target(article, source, m.start, m.end),
                }
            )
    for q in repo.quotes_of(session, article.id):
        body: list[dict[str, Any]] = [
            {"type": "TextualBody", "purpose": "tagging", "value": "quote"},
            {"type": "TextualBody", "purpose": "classifying", "value": q.kind},
        ]
        if q.speaker is not None:
            body.append({"type": "TextualBody", "purpose": "describing",
                         "value": f"Said by {q.speaker.name}", "format": "text/plain"})
            body.append({"id": base + entity_url(slug, q.speaker.id), "type": "Text",
                         "format": "text/html", "purpose": "identifying"})
        else:
            body.append({"type": "TextualBody", "purpose": "describing",
                         "value": f"Said by {q.speaker_description or 'an unnamed speaker'}",
                         "format": "text/plain"})
        body.append({"id": base + quote_url(slug, q.id), "type": "Text", "format": "text/html",
                     "purpose": "linking"})
        items.append(
            {
                "id": f"{collection_id}#{q.id}",
                "type": "Annotation",
                "motivation": "highlighting",
                "body": body,
                "target": _target(article, source, q.start, q.end),
            }
        )
    items.sort(key=lambda a: a["target"]["selector"][1]["start"])
    payload = {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"Entities and quotes in “{article.title}” (revision {article.revision})",
        "total": len(items),
        "first": {
            "id": f"{collection_id}?page=0",
            "type": "AnnotationPage",
            "partOf": collection_id,
            "startIndex": 0,
            "items": items,
        },
    }
    return JSONResponse(payload, media_type=JSONLD_MEDIA_TYPE)
