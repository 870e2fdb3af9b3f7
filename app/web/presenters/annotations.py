"""Mentions and quotes of an article as W3C Web Annotations (JSON-LD), paged as the Web
Annotation Protocol pages a collection.

Conformance is tested with the W3C's own test suite (tests/w3c). What the model asks for:

- a body that names a web page *with a purpose* is a ``SpecificResource`` whose ``source`` is
  the page (an External Web Resource may not carry ``purpose``, 3.3.5);
- every annotation has a ``creator`` and ``created`` (3.3.1); the creator of what extraction
  found is this software; the collection and its pages say ``total``, ``first``, ``last``;
- a page embeds the description of its collection in ``partOf`` (as the model's example does),
  so a page on its own still says how many annotations there are and where they start.

Every annotation has its own URL that serves it alone, with its ``@context``; the items of a
page carry the context too, so any one of them can be taken out and stand on its own.
"""

from datetime import UTC, datetime
from math import ceil
from typing import Any

from app.models import Article, Entity, Mention, Quote
from app.web.anchor import PassageSelector
from app.web.links import Links

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
JSONLD_MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
PAGE_SIZE = 100
SOFTWARE_NAME = "Annotated news reader"


class NoSuchPage(LookupError):
    """A page number past the last page."""


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC (``2015-05-17T20:04:11Z``); SQLite hands back naive UTC datetimes."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def software_agent(links: Links) -> dict[str, Any]:
    """This reader, as the agent that found the mentions and quotes and wrote the JSON."""
    home = links.absolute(links.home())
    return {"id": home, "type": "Software", "name": SOFTWARE_NAME, "nickname": "newsreader",
            "homepage": home}


def _target(article: Article, source: str, start: int, end: int) -> dict[str, Any]:
    selector = PassageSelector.for_range(article.text, start, end)
    position = selector.position
    assert position is not None
    return {
        "type": "SpecificResource",
        # The reader's page of the article, whose text the selectors index.
        "source": {"id": source, "type": "Text", "format": "text/html", "language": "en"},
        "selector": [selector.quote.as_json(), position.as_json()],
    }


def _page_link(page_url: str, purpose: str) -> dict[str, Any]:
    """A body pointing at one of our HTML pages, for a purpose."""
    return {
        "type": "SpecificResource",
        "purpose": purpose,
        "source": {"id": page_url, "type": "Text", "format": "text/html"},
    }


def _annotation(article: Article, links: Links, key: str, motivation: str,
                body: list[dict[str, Any]], start: int, end: int) -> dict[str, Any]:
    source = links.absolute(links.article(article.slug))
    return {
        "@context": ANNO_CONTEXT,
        "id": links.absolute(links.api_annotation(article.slug, key)),
        "type": "Annotation",
        "motivation": motivation,
        "creator": software_agent(links),
        "created": timestamp(article.updated_at),
        "generator": software_agent(links),
        "body": body,
        "target": _target(article, source, start, end),
    }


def mention_annotation(article: Article, entity: Entity, mention: Mention, links: Links
                       ) -> dict[str, Any]:
    page = links.absolute(links.entity(article.slug, entity.id))
    body = [
        {"type": "TextualBody", "purpose": "identifying", "value": entity.name,
         "format": "text/plain", "language": "en"},
        {"type": "TextualBody", "purpose": "tagging", "value": entity.type},
        {"type": "TextualBody", "purpose": "classifying", "value": entity.kind},
        _page_link(page, "linking"),
    ]
    return _annotation(article, links, f"m-{mention.id}", "identifying", body,
                       mention.start, mention.end)


def quote_annotation(article: Article, quote: Quote, links: Links) -> dict[str, Any]:
    said_by = quote.speaker.name if quote.speaker is not None else (
        quote.speaker_description or "an unnamed speaker")
    body: list[dict[str, Any]] = [
        {"type": "TextualBody", "purpose": "tagging", "value": "quote"},
        {"type": "TextualBody", "purpose": "classifying", "value": quote.kind},
        {"type": "TextualBody", "purpose": "describing", "value": f"Said by {said_by}",
         "format": "text/plain", "language": "en"},
    ]
    if quote.speaker is not None:
        body.append(_page_link(links.absolute(links.entity(article.slug, quote.speaker.id)),
                               "identifying"))
    body.append(_page_link(links.absolute(links.quote(article.slug, quote.id)), "linking"))
    return _annotation(article, links, f"q-{quote.id}", "highlighting", body,
                       quote.start, quote.end)


def all_annotations(article: Article, entities: list[Entity], quotes: list[Quote],
                    links: Links) -> list[dict[str, Any]]:
    """Every mention and quote, in text order (quotes before the mentions they start with)."""
    items: list[dict[str, Any]] = []
    for entity in entities:
        items.extend(mention_annotation(article, entity, m, links) for m in entity.mentions)
    items.extend(quote_annotation(article, q, links) for q in quotes)
    items.sort(key=lambda a: (a["target"]["selector"][1]["start"],
                              -a["target"]["selector"][1]["end"], a["id"]))
    return items


def _collection_id(article: Article, links: Links) -> str:
    return links.absolute(links.api_annotations(article.slug))


def _page_count(total: int) -> int:
    return max(1, ceil(total / PAGE_SIZE))


def _collection_description(article: Article, links: Links, total: int) -> dict[str, Any]:
    collection_id = _collection_id(article, links)
    description: dict[str, Any] = {
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"Entities and quotes in “{article.title}” (revision {article.revision})",
        "creator": software_agent(links),
        "created": timestamp(article.updated_at),
        "total": total,
    }
    if total:
        description["first"] = f"{collection_id}?page=0"
        description["last"] = f"{collection_id}?page={_page_count(total) - 1}"
    return description


def annotation_page(article: Article, items: list[dict[str, Any]], links: Links, number: int,
                    embedded: bool = False) -> dict[str, Any]:
    """Page ``number`` (from 0) of the collection. Raises ``NoSuchPage`` past the last one."""
    pages = _page_count(len(items))
    if not 0 <= number < pages:
        raise NoSuchPage(f"no page {number}: the collection has {pages} page"
                         f"{'' if pages == 1 else 's'}, numbered from 0")
    collection_id = _collection_id(article, links)
    page: dict[str, Any] = {} if embedded else {"@context": ANNO_CONTEXT}
    page |= {
        "id": f"{collection_id}?page={number}",
        "type": "AnnotationPage",
        "partOf": collection_id if embedded else _collection_description(
            article, links, len(items)),
        "startIndex": number * PAGE_SIZE,
    }
    if number > 0:
        page["prev"] = f"{collection_id}?page={number - 1}"
    if number < pages - 1:
        page["next"] = f"{collection_id}?page={number + 1}"
    page["items"] = items[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
    return page


def annotation_collection(article: Article, items: list[dict[str, Any]], links: Links
                          ) -> dict[str, Any]:
    """The collection, with its first page embedded (so one request gets the usual case)."""
    collection = {"@context": ANNO_CONTEXT, **_collection_description(article, links, len(items))}
    if items:
        collection["first"] = annotation_page(article, items, links, 0, embedded=True)
    return collection
