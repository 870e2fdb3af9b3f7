"""Mentions and quotes of an article as a W3C Web Annotation collection (JSON-LD)."""

from typing import Any

from app.models import Article, Entity, Quote
from app.web.anchor import PassageSelector
from app.web.links import Links

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
JSONLD_MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


def _target(article: Article, source: str, start: int, end: int) -> dict[str, Any]:
    selector = PassageSelector.for_range(article.text, start, end)
    position = selector.position
    assert position is not None
    return {
        "type": "SpecificResource",
        "source": source,
        "selector": [selector.quote.as_json(), position.as_json()],
    }


def _mention_annotations(
    article: Article, entity: Entity, collection_id: str, source: str, links: Links
) -> list[dict[str, Any]]:
    page = links.absolute(links.entity(article.slug, entity.id))
    return [
        {
            "id": f"{collection_id}#m-{m.id}",
            "type": "Annotation",
            "motivation": "identifying",
            "body": [
                {"type": "TextualBody", "purpose": "identifying", "value": entity.name,
                 "format": "text/plain"},
                {"type": "TextualBody", "purpose": "tagging", "value": entity.type},
                {"type": "TextualBody", "purpose": "classifying", "value": entity.kind},
                {"id": page, "type": "Text", "format": "text/html", "purpose": "linking"},
            ],
            "target": _target(article, source, m.start, m.end),
        }
        for m in entity.mentions
    ]


def _quote_annotation(
    article: Article, quote: Quote, collection_id: str, source: str, links: Links
) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextualBody", "purpose": "tagging", "value": "quote"},
        {"type": "TextualBody", "purpose": "classifying", "value": quote.kind},
    ]
    if quote.speaker is not None:
        body.append({"type": "TextualBody", "purpose": "describing",
                     "value": f"Said by {quote.speaker.name}", "format": "text/plain"})
        body.append({"id": links.absolute(links.entity(article.slug, quote.speaker.id)),
                     "type": "Text", "format": "text/html", "purpose": "identifying"})
    else:
        body.append({"type": "TextualBody", "purpose": "describing",
                     "value": f"Said by {quote.speaker_description or 'an unnamed speaker'}",
                     "format": "text/plain"})
    body.append({"id": links.absolute(links.quote(article.slug, quote.id)), "type": "Text",
                 "format": "text/html", "purpose": "linking"})
    return {
        "id": f"{collection_id}#{quote.id}",
        "type": "Annotation",
        "motivation": "highlighting",
        "body": body,
        "target": _target(article, source, quote.start, quote.end),
    }


def annotation_collection(
    article: Article, entities: list[Entity], quotes: list[Quote], links: Links
) -> dict[str, Any]:
    """Every mention and quote, in text order, as one collection with a single page."""
    source = links.absolute(links.article(article.slug))
    collection_id = links.absolute(links.api_annotations(article.slug))
    items: list[dict[str, Any]] = []
    for entity in entities:
        items.extend(_mention_annotations(article, entity, collection_id, source, links))
    items.extend(_quote_annotation(article, q, collection_id, source, links) for q in quotes)
    items.sort(key=lambda a: a["target"]["selector"][1]["start"])
    return {
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
