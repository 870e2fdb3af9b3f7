"""The article page's marks and index of names, from plain rows (app.repository)."""

from dataclasses import dataclass

from app.repository import ArticleAnnotations
from app.web.links import Links
from app.web.render import MentionView, is_tentative
from app.web.schemas import TYPE_LABELS


@dataclass(frozen=True)
class IndexEntry:
    """One name in the page's index ("Who and what")."""

    id: int
    name: str
    mention_count: int
    href: str  # its page in this article


def mention_views(slug: str, annotations: ArticleAnnotations, links: Links) -> list[MentionView]:
    """One mark per mention, entity by entity (in the entities' order), each entity's in text
    order."""
    by_entity: dict[int, list[MentionView]] = {e.id: [] for e in annotations.entities}
    # Per entity once: its page and its label, the same strings for each of its mentions.
    shown = {e.id: (e.type, links.entity(slug, e.id),
                    f"{e.name} ({TYPE_LABELS.get(e.type, e.type)}, {e.kind})")
             for e in annotations.entities}
    for m in annotations.mentions:
        entity = shown.get(m.entity_id)
        if entity is None:
            continue
        entity_type, href, label = entity
        by_entity[m.entity_id].append(MentionView(
            m.id,
            m.entity_id,
            m.type or entity_type,  # "Turkey warned": an actor mention of a country
            m.start,
            m.end,
            href,
            label,
            is_tentative(m.confidence),
            m.source == "editor",
        ))
    return [view for views in by_entity.values() for view in views]


def index_by_type(slug: str, annotations: ArticleAnnotations, links: Links
                  ) -> dict[str, list[IndexEntry]]:
    """Per type, the entities with the most mentions first (then by name)."""
    counts = dict.fromkeys((e.id for e in annotations.entities), 0)
    for m in annotations.mentions:
        if m.entity_id in counts:
            counts[m.entity_id] += 1
    return {
        t: sorted((IndexEntry(e.id, e.name, counts[e.id], links.entity(slug, e.id))
                   for e in annotations.entities
                   if e.type == t), key=lambda i: (-i.mention_count, i.name))
        for t in TYPE_LABELS
    }


def has_editor_marks(annotations: ArticleAnnotations) -> bool:
    return (any(e.source == "editor" for e in annotations.entities)
            or any(m.source == "editor" for m in annotations.mentions))
