"""The data the reader script needs, embedded in the article page as inert JSON."""

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from app.models import Article
from app.repository import ArticleAnnotations, ArticleText, EntityRow, MentionRow, RoleRow
from app.web.links import Links
from app.web.render import is_tentative
from app.web.schemas import TYPE_LABELS


def sentences_of(article: Article) -> list[tuple[int, int]]:
    """Sentence boundaries found at ingest (paragraphs when there are none), in text order."""
    return [(s.start, s.end) for s in article.sentences] or [
        (p.start, p.end) for p in article.paragraphs
    ]


def sentence_of(sentences: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    return next(((s, e) for s, e in sentences if s <= start < e), (start, end))


class SentenceIndex:
    """``sentence_of`` by bisection, for the hundreds of mentions of one article."""

    def __init__(self, sentences: Sequence[tuple[int, int]]) -> None:
        self.sentences = list(sentences)
        self.starts = [s for s, _ in self.sentences]

    def of(self, start: int, end: int) -> tuple[int, int]:
        i = bisect_right(self.starts, start) - 1
        if i >= 0 and start < self.sentences[i][1]:
            # The first sentence holding ``start`` (sentences do not overlap; if some did,
            # the linear rule below decides, as sentence_of does).
            if i == 0 or self.sentences[i - 1][1] <= start:
                return self.sentences[i]
        return sentence_of(self.sentences, start, end)


def _mention(slug: str, m: MentionRow, entity_type: str, sentences: SentenceIndex,
             links: Links, edited: dict[int | str, str]) -> dict[str, Any]:
    return {
        "id": m.id, "start": m.start, "end": m.end, "text": m.text, "form": m.form,
        "source": m.source, "type": m.type or entity_type, "method": m.method,
        "confidence": m.confidence, "url": links.mention(slug, m.id),
        "sentence": sentences.of(m.start, m.end), "tentative": is_tentative(m.confidence),
        "edited_on": edited.get(m.id) if m.source == "editor" else None,
    }


def _role(article: Article | ArticleText, r: RoleRow, links: Links,
          passages: dict[tuple[int, int], str]) -> dict[str, Any]:
    passage = passages.get((r.start, r.end))
    if passage is None:  # roles stated in one sentence share its link
        passage = passages[r.start, r.end] = links.passage(article, r.start, r.end)
    return {
        "id": r.id, "title": r.title, "organisation_id": r.organisation_id,
        "organisation_name": r.organisation_name,
        "organisation_url": (links.entity(article.slug, r.organisation_entity)
                             if r.organisation_entity is not None else None),
        "start": r.start, "end": r.end, "source": r.source, "method": r.method,
        "confidence": r.confidence, "sentence_url": passage,
    }


def _entity(slug: str, e: EntityRow, links: Links, edited: dict[int | str, str],
            roles: list[dict[str, Any]], mentions: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": e.id, "name": e.name, "type": e.type, "kind": e.kind, "aliases": e.aliases,
        "source": e.source, "url": links.entity(slug, e.id), "method": e.method,
        "confidence": e.confidence, "library_id": e.library_id,
        "library_url": (links.library_entity(e.library_id)
                        if e.library_article_count is not None and e.library_id is not None
                        else None),
        "library_article_count": e.library_article_count,
        "roles": roles, "mentions": mentions,
        "type_label": TYPE_LABELS.get(e.type, e.type),
        "edited_on": edited.get(e.id) if e.source == "editor" else None,
    }


def reader_data(
    article: Article | ArticleText, annotations: ArticleAnnotations,
    sentences: Sequence[tuple[int, int]], links: Links,
    edited: dict[str, dict[int | str, str]] | None = None,
) -> dict[str, Any]:
    """The page's ``ReaderData`` (app.web.schemas) as JSON-ready values, built from plain rows
    without a model per mention (a test checks it against the schema). ``edited``: per kind
    of row, the day an editor last changed each one (as shown)."""
    slug, edited = article.slug, edited or {}
    index = SentenceIndex(sentences)
    types = {e.id: e.type for e in annotations.entities}
    mentions: dict[int, list[dict[str, Any]]] = {e.id: [] for e in annotations.entities}
    edited_mentions = edited.get("mentions", {})
    for m in annotations.mentions:
        if m.entity_id in mentions:
            mentions[m.entity_id].append(
                _mention(slug, m, types[m.entity_id], index, links, edited_mentions))
    roles: dict[int, list[dict[str, Any]]] = {e.id: [] for e in annotations.entities}
    passages: dict[tuple[int, int], str] = {}
    for r in annotations.roles:
        if r.entity_id in roles:
            roles[r.entity_id].append(_role(article, r, links, passages))
    edited_entities = edited.get("entities", {})
    return {
        "slug": slug,
        "url": links.article(slug),
        "permalink": links.absolute(links.article(slug)),
        "revision": article.revision,
        "text": article.text,
        "entities": [_entity(slug, e, links, edited_entities, roles[e.id], mentions[e.id])
                     for e in annotations.entities],
    }
