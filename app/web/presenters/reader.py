"""The data the reader script needs, embedded in the article page as inert JSON."""

from app.models import Article, Entity
from app.web.links import Links
from app.web.render import is_tentative
from app.web.schemas import (
    TYPE_LABELS,
    EntityOut,
    MentionOut,
    ReaderData,
    ReaderEntity,
    ReaderMention,
    ReaderRole,
    RoleOut,
)


def sentences_of(article: Article) -> list[tuple[int, int]]:
    """Sentence boundaries found at ingest (paragraphs when there are none), in text order."""
    return [(s.start, s.end) for s in article.sentences] or [
        (p.start, p.end) for p in article.paragraphs
    ]


def sentence_of(sentences: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    return next(((s, e) for s, e in sentences if s <= start < e), (start, end))


def _reader_entity(
    article: Article, entity: Entity, sentences: list[tuple[int, int]], links: Links,
    edited: dict[str, dict[int | str, str]],
) -> ReaderEntity:
    slug = article.slug
    base = EntityOut.of(slug, entity, links).model_dump(exclude={"roles", "mentions"})
    return ReaderEntity(
        **base,
        type_label=TYPE_LABELS.get(entity.type, entity.type),
        edited_on=edited.get("entities", {}).get(entity.id) if entity.source == "editor"
        else None,
        roles=[
            ReaderRole(**RoleOut.of(slug, r, links).model_dump(),
                       sentence_url=links.passage(article, r.start, r.end))
            for r in entity.roles
        ],
        mentions=[
            ReaderMention(**MentionOut.of(slug, m, links).model_dump(),
                          sentence=sentence_of(sentences, m.start, m.end),
                          tentative=is_tentative(m.confidence),
                          edited_on=edited.get("mentions", {}).get(m.id)
                          if m.source == "editor" else None)
            for m in entity.mentions
        ],
    )


def reader_data(
    article: Article, entities: list[Entity], sentences: list[tuple[int, int]], links: Links,
    edited: dict[str, dict[int | str, str]] | None = None,
) -> ReaderData:
    """``edited``: per kind of row, the day an editor last changed each one (as shown)."""
    return ReaderData(
        slug=article.slug,
        url=links.article(article.slug),
        permalink=links.absolute(links.article(article.slug)),
        revision=article.revision,
        text=article.text,
        entities=[_reader_entity(article, e, sentences, links, edited or {}) for e in entities],
    )
