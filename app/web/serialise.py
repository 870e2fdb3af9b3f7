"""Plain dicts for the JSON API (and for the pages that embed the same data)."""

from typing import Any

from app.models import Article, Entity, Mention, Quote, Role


def article_url(slug: str) -> str:
    return f"/articles/{slug}"


def entity_url(slug: str, entity_id: int) -> str:
    return f"/articles/{slug}/entities/{entity_id}"


def mention_url(slug: str, mention_id: int) -> str:
    return f"/articles/{slug}#m-{mention_id}"


def quote_url(slug: str, quote_id: str) -> str:
    return f"/articles/{slug}/quotes/{quote_id}"


def article_summary(article: Article) -> dict[str, Any]:
    return {
        "slug": article.slug,
        "title": article.title,
        "url": article_url(article.slug),
        "published": article.published.isoformat() if article.published else None,
        "revision": article.revision,
    }


def article_detail(article: Article) -> dict[str, Any]:
    return {
        **article_summary(article),
        "source": article.source,
        "text": article.text,
        "content_sha256": article.content_sha256,
        "created_at": article.created_at.isoformat(),
        "updated_at": article.updated_at.isoformat(),
        "paragraphs": [
            {"index": p.index, "start": p.start, "end": p.end, "kind": p.kind}
            for p in article.paragraphs
        ],
        "entities_url": f"/api/articles/{article.slug}/entities",
        "quotes_url": f"/api/articles/{article.slug}/quotes",
    }


def mention_dict(slug: str, mention: Mention) -> dict[str, Any]:
    return {
        "id": mention.id,
        "start": mention.start,
        "end": mention.end,
        "text": mention.text,
        "form": mention.form,
        "url": mention_url(slug, mention.id),
    }


def role_dict(slug: str, role: Role) -> dict[str, Any]:
    org = role.organisation
    return {
        "title": role.title,
        "organisation_id": role.organisation_id,
        "organisation_name": org.name if org is not None else role.organisation_name,
        "organisation_url": entity_url(slug, org.id) if org is not None else None,
        "start": role.start,
        "end": role.end,
    }


def entity_dict(slug: str, entity: Entity) -> dict[str, Any]:
    return {
        "id": entity.id,
        "name": entity.name,
        "type": entity.type,
        "kind": entity.kind,
        "aliases": list(entity.aliases or []),
        "url": entity_url(slug, entity.id),
        "roles": [role_dict(slug, r) for r in entity.roles],
        "mentions": [mention_dict(slug, m) for m in entity.mentions],
    }


def quote_dict(slug: str, quote: Quote) -> dict[str, Any]:
    return {
        "id": quote.id,
        "start": quote.start,
        "end": quote.end,
        "text": quote.text,
        "kind": quote.kind,
        "speaker_id": quote.speaker_id,
        "speaker_name": quote.speaker.name if quote.speaker is not None else None,
        "speaker_description": quote.speaker_description,
        "url": quote_url(slug, quote.id),
    }
