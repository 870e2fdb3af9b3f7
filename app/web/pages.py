"""HTML pages, server-rendered; JavaScript only enhances them."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from app import repository as repo
from app.models import Article, Entity
from app.web.app import SessionDep
from app.web.render import MentionView, QuoteView, render_span
from app.web.serialise import entity_url

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

TYPE_LABELS = {"actor": "Actor", "unit": "Unit", "location": "Location"}


def _page(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context)


def _article_or_404(session: SessionDep, slug: str) -> Article:
    article = repo.get_article(session, slug)
    if article is None:
        raise HTTPException(404, f"No article with slug “{slug}”.")
    return article


def _mention_views(slug: str, entities: list[Entity]) -> list[MentionView]:
    return [
        MentionView(
            m.id,
            e.id,
            e.type,
            m.start,
            m.end,
            entity_url(slug, e.id),
            f"{e.name} ({TYPE_LABELS.get(e.type, e.type)}, {e.kind})",
        )
        for e in entities
        for m in e.mentions
    ]


@router.get("/")
def index(request: Request, session: SessionDep) -> HTMLResponse:
    return _page(request, "index.html", {"articles": repo.list_articles(session)})


@router.get("/articles/{slug}")
def article_page(slug: str, request: Request, session: SessionDep) -> HTMLResponse:
    article = _article_or_404(session, slug)
    entities = repo.entities_of(session, article.id)
    quotes = repo.quotes_of(session, article.id)
    mentions = _mention_views(slug, entities)
    quote_views = [QuoteView(q.id, q.start, q.end) for q in quotes]
    paragraphs = [
        {
            "index": p.index,
            "kind": p.kind,
            "html": render_span(article.text, p.start, p.end, mentions, quote_views),
        }
        for p in article.paragraphs
    ]
    by_type = {t: [e for e in entities if e.type == t] for t in TYPE_LABELS}
    return _page(
        request,
        "article.html",
        {"article": article, "paragraphs": paragraphs, "by_type": by_type, "type_labels": TYPE_LABELS},
    )


@router.get("/articles/{slug}/entities/{entity_id}")
def entity_page(slug: str, entity_id: int, request: Request, session: SessionDep) -> HTMLResponse:
    article = _article_or_404(session, slug)
    entity = repo.get_entity(session, article.id, entity_id)
    if entity is None:
        raise HTTPException(404, f"No entity {entity_id} in this article.")
    entities = repo.entities_of(session, article.id)
    sentences = [(s.start, s.end) for s in article.sentences] or [
        (p.start, p.end) for p in article.paragraphs
    ]
    contexts = [
        _kwic(article.text, m.start, m.end, sentences) | {"id": m.id, "text": m.text}
        for m in entity.mentions
    ]
    quotes = [q for q in repo.quotes_of(session, article.id) if q.speaker_id == entity.id]
    return _page(
        request,
        "entity.html",
        {
            "article": article,
            "entity": entity,
            "contexts": contexts,
            "quotes": quotes,
            "related": repo.co_mentioned(entity, entities, sentences),
            "type_labels": TYPE_LABELS,
        },
    )


def _kwic(text: str, start: int, end: int, sentences: list[tuple[int, int]]) -> dict[str, str]:
    s, e = next(((s, e) for s, e in sentences if s <= start < e), (start, end))
    return {"before": text[s:start], "match": text[start:end], "after": text[end:max(e, end)]}


@router.get("/articles/{slug}/quotes")
def quotes_page(slug: str, request: Request, session: SessionDep) -> HTMLResponse:
    article = _article_or_404(session, slug)
    groups: dict[str, dict[str, Any]] = {}
    for q in repo.quotes_of(session, article.id):
        name = q.speaker.name if q.speaker else (q.speaker_description or "Unattributed")
        group = groups.setdefault(name, {"speaker": q.speaker, "name": name, "quotes": []})
        group["quotes"].append(q)
    return _page(request, "quotes.html", {"article": article, "groups": list(groups.values())})


@router.get("/articles/{slug}/quotes/{quote_id}")
def quote_page(slug: str, quote_id: str, request: Request, session: SessionDep) -> HTMLResponse:
    article = _article_or_404(session, slug)
    quote = repo.get_quote(session, article.id, quote_id)
    if quote is None:
        raise HTTPException(404, "No such quote in this article.")
    para = next(
        (p for p in article.paragraphs if p.start <= quote.start < p.end), article.paragraphs[0]
    )
    return _page(
        request,
        "quote.html",
        {
            "article": article,
            "quote": quote,
            "before": article.text[para.start : quote.start],
            "after": article.text[quote.end : para.end],
        },
    )
