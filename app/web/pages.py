"""HTML pages, server-rendered; JavaScript only enhances them."""

import re
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from app import repository as repo
from app.models import Article, Entity, Quote
from app.web.anchor import PassageSelector, SelectorError, resolve, text_fragment
from app.web.app import SessionDep
from app.web.render import Highlight, MentionView, QuoteView, render_span
from app.web.serialise import entity_url, quote_url

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

TYPE_LABELS = {"actor": "Actor", "unit": "Unit", "location": "Location"}
TYPE_PLURALS = {"actor": "Actors", "unit": "Units", "location": "Locations"}
TYPE_HELP = {
    "actor": "people, groups and institutions",
    "unit": "armed forces, police and militias",
    "location": "places",
}
KWIC_CHARS = 90


@dataclass(frozen=True)
class Notice:
    kind: str  # info | warning
    message: str


def _page(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    templates = request.app.state.templates
    base = {"type_labels": TYPE_LABELS, "type_plurals": TYPE_PLURALS, "type_help": TYPE_HELP}
    return templates.TemplateResponse(request, template, base | context)


def _absolute(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


def _article_or_404(session: Session, slug: str) -> Article:
    article = repo.get_article(session, slug)
    if article is None:
        raise HTTPException(404, f"No article with slug “{slug}”.")
    return article


_ENTITY_ID = re.compile(r"[1-9][0-9]{0,9}")


def _entity_or_404(session: Session, article: Article, entity_id: str) -> Entity:
    # ASCII digits only ("²".isdigit() is true) and no more than an INTEGER column holds.
    wanted = int(entity_id) if _ENTITY_ID.fullmatch(entity_id) else None
    entity = (
        repo.get_entity(session, article.id, wanted)
        if wanted is not None and wanted <= 2**31 - 1
        else None
    )
    if entity is None:
        raise HTTPException(404, f"No entity {entity_id} in this article.")
    return entity


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


def _sentences(article: Article) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in article.sentences] or [
        (p.start, p.end) for p in article.paragraphs
    ]


def _sentence_of(sentences: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    return next(((s, e) for s, e in sentences if s <= start < e), (start, end))


def passage_url(article: Article, start: int, end: int) -> str:
    """A link to the article opened on ``text[start:end]``, resolved server-side."""
    query = PassageSelector.for_range(article.text, start, end).to_query()
    return f"/articles/{article.slug}?{query}#passage"


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;:") + "…"


def _speaker_name(quote: Quote) -> str:
    if quote.speaker is not None:
        return quote.speaker.name
    return quote.speaker_description or "Unattributed"


@router.get("/")
def index(request: Request, session: SessionDep) -> HTMLResponse:
    return _page(request, "index.html", {"articles": repo.list_articles(session)})


def _reader_data(article: Article, entities: list[Entity], sentences: list[tuple[int, int]]
                 ) -> dict[str, Any]:
    """What the reader script needs, embedded as inert JSON (CSP allows it: it never runs)."""
    return {
        "slug": article.slug,
        "revision": article.revision,
        "text": article.text,
        "entities": [
            {
                "id": e.id,
                "name": e.name,
                "type": e.type,
                "typeLabel": TYPE_LABELS.get(e.type, e.type),
                "kind": e.kind,
                "aliases": list(e.aliases or []),
                "url": entity_url(article.slug, e.id),
                "roles": [
                    {
                        "title": r.title,
                        "organisation": r.organisation.name if r.organisation is not None
                        else r.organisation_name,
                        "organisationUrl": entity_url(article.slug, r.organisation.id)
                        if r.organisation is not None else None,
                        "sentenceUrl": passage_url(article, r.start, r.end),
                    }
                    for r in e.roles
                ],
                "mentions": [
                    {"id": m.id, "start": m.start, "end": m.end,
                     "sentence": list(_sentence_of(sentences, m.start, m.end))}
                    for m in e.mentions
                ],
            }
            for e in entities
        ],
    }


def _selector_highlight(
    request: Request, article: Article, quotes: list[Quote]
) -> tuple[Highlight | None, str | None, Notice | None]:
    """The passage to mark from the query string: (highlight, selected quote id, notice)."""
    params = request.query_params
    quote_id = params.get("quote")
    if quote_id is not None:
        quote = next((q for q in quotes if q.id == quote_id), None)
        if quote is None:
            return None, None, Notice(
                "warning", "The quote this link points to is no longer in the article. "
                "It may have been revised; the whole article is shown instead.")
        return Highlight(quote.start, quote.end, f"q-{quote.id}"), quote.id, Notice(
            "info", f"Showing a quote by {_speaker_name(quote)}.")
    try:
        selector = PassageSelector.from_query(params)
    except SelectorError as exc:
        return None, None, Notice("warning", f"This passage link cannot be used: {exc}. "
                                  "The whole article is shown instead.")
    if selector is None:
        return None, None, None
    found = resolve(article.text, selector)
    if found is None:
        return None, None, Notice(
            "warning", "The passage this link points to is no longer in the article. "
            "It may have been revised; the whole article is shown instead.")
    start, end = found
    exact = article.text[start:end] == selector.quote.exact
    message = ("Showing a shared passage." if exact else
               "Showing a shared passage. The article was revised since the link was made; "
               "the closest match is marked.")
    return Highlight(start, end, "passage"), None, Notice("info", message)


class PageCache:
    """Rendered article pages by revision: a page without query parameters is the same for
    every reader until the article changes, and rendering every mention is the costly part."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._lock = Lock()

    @staticmethod
    def key(request: Request, article: Article) -> tuple[Any, ...]:
        return (str(request.base_url), article.id, article.revision, article.content_sha256,
                article.updated_at)

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        with self._lock:
            body = self._pages.get(key)
            if body is not None:
                self._pages.move_to_end(key)
            return body

    def put(self, key: tuple[Any, ...], body: bytes) -> None:
        with self._lock:
            self._pages[key] = body
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def _page_cache(request: Request) -> PageCache:
    state = request.app.state
    if not hasattr(state, "page_cache"):
        state.page_cache = PageCache()  # one per app, so two databases never share pages
    cache: PageCache = state.page_cache
    return cache


@router.get("/articles/{slug}")
def article_page(slug: str, request: Request, session: SessionDep) -> HTMLResponse:
    article = _article_or_404(session, slug)
    cacheable = not request.query_params
    cache, key = _page_cache(request), PageCache.key(request, article)
    if cacheable and (body := cache.get(key)) is not None:
        return HTMLResponse(body)
    response = _render_article_page(slug, request, session, article)
    if cacheable and response.status_code == 200:
        cache.put(key, bytes(response.body))
    return response


def _render_article_page(
    slug: str, request: Request, session: Session, article: Article
) -> HTMLResponse:
    entities = repo.entities_of(session, article.id)
    quotes = repo.quotes_of(session, article.id)
    sentences = _sentences(article)
    highlight, selected_quote, notice = _selector_highlight(request, article, quotes)
    mentions = _mention_views(slug, entities)
    quote_views = [QuoteView(q.id, q.start, q.end, q.id == selected_quote) for q in quotes]
    # A selected quote is marked on its own span; the text-run highlight is the fallback for
    # a quote that could not be nested as a span (it crosses a mention).
    paragraphs = []
    anchor_placed = False
    for p in article.paragraphs:
        html = render_span(article.text, p.start, p.end, mentions, quote_views)
        if highlight is not None and highlight.start < p.end and highlight.end > p.start:
            if selected_quote is None or f'id="q-{selected_quote}"' not in html:
                # Only the first piece of the passage carries the fragment's id.
                piece = highlight if not anchor_placed else Highlight(highlight.start,
                                                                      highlight.end)
                anchor_placed = True
                html = render_span(article.text, p.start, p.end, mentions, quote_views,
                                   [piece])
        paragraphs.append(
            {"index": p.index, "kind": p.kind, "start": p.start, "end": p.end, "html": html}
        )
    by_type = {
        t: sorted((e for e in entities if e.type == t), key=lambda e: (-len(e.mentions), e.name))
        for t in TYPE_LABELS
    }
    mention_counts = {t: sum(len(e.mentions) for e in items) for t, items in by_type.items()}
    return _page(
        request,
        "article.html",
        {
            "article": article,
            "paragraphs": paragraphs,
            "caption": [p for p in paragraphs if p["kind"] == "caption"],
            "body": [p for p in paragraphs if p["kind"] == "body"],
            "related": [p for p in paragraphs if p["kind"] == "related"],
            "boilerplate": [p for p in paragraphs if p["kind"] == "boilerplate"],
            "by_type": by_type,
            "mention_counts": mention_counts,
            "quote_count": len(quotes),
            "notice": notice,
            "highlighted": highlight is not None,
            "canonical": _absolute(request, f"/articles/{slug}"),
            "description": _truncate(
                next((article.text[p.start : p.end] for p in article.paragraphs
                      if p.kind == "body"), article.title), 200),
            "reader_data": _reader_data(article, entities, sentences),
        },
    )


def _kwic(text: str, start: int, end: int, sentence: tuple[int, int]) -> dict[str, str]:
    s, e = sentence
    before, after = text[s:start], text[end : max(e, end)]
    if len(before) > KWIC_CHARS:
        cut = before[-KWIC_CHARS:]
        before = "…" + cut[cut.find(" ") + 1 :] if " " in cut else "…" + cut
    if len(after) > KWIC_CHARS:
        cut = after[:KWIC_CHARS]
        after = (cut[: cut.rfind(" ")] if " " in cut else cut) + "…"
    return {"before": before, "match": text[start:end], "after": after}


@router.get("/articles/{slug}/entities/{entity_id}")
def entity_page(slug: str, entity_id: str, request: Request, session: SessionDep) -> HTMLResponse:
    article = _article_or_404(session, slug)
    entity = _entity_or_404(session, article, entity_id)
    entities = repo.entities_of(session, article.id)
    sentences = _sentences(article)
    contexts = [
        _kwic(article.text, m.start, m.end, _sentence_of(sentences, m.start, m.end))
        | {"id": m.id, "text": m.text, "form": m.form}
        for m in entity.mentions
    ]
    roles = [
        {
            "title": r.title,
            "organisation": r.organisation,
            "organisation_name": r.organisation_name,
            "sentence": article.text[r.start : r.end],
            "sentence_url": passage_url(article, r.start, r.end),
        }
        for r in entity.roles
    ]
    # Who holds a role in this organisation (affiliations pointing here).
    members = [
        (other, r) for other in entities for r in other.roles
        if r.organisation_id == entity.id and other.id != entity.id
    ]
    quotes = [q for q in repo.quotes_of(session, article.id) if q.speaker_id == entity.id]
    return _page(
        request,
        "entity.html",
        {
            "article": article,
            "entity": entity,
            "contexts": contexts,
            "roles": roles,
            "members": [
                {"entity": o, "title": r.title,
                 "sentence_url": passage_url(article, r.start, r.end)} for o, r in members
            ],
            "quotes": quotes,
            "related": repo.co_mentioned(entity, entities, sentences),
            "canonical": _absolute(request, entity_url(slug, entity.id)),
        },
    )


@router.get("/articles/{slug}/quotes")
def quotes_page(slug: str, request: Request, session: SessionDep) -> HTMLResponse:
    article = _article_or_404(session, slug)
    groups: dict[str, dict[str, Any]] = {}
    quotes = repo.quotes_of(session, article.id)
    terms = [q for q in quotes if q.kind == "term"]
    for q in quotes:
        if q.kind == "term":
            continue  # scare quotes mark a name, not anybody's words
        key = f"e{q.speaker.id}" if q.speaker else f"d:{q.speaker_description or ''}"
        group = groups.setdefault(
            key, {"speaker": q.speaker, "name": _speaker_name(q), "quotes": []}
        )
        group["quotes"].append(q)
    ordered = sorted(groups.values(), key=lambda g: (-len(g["quotes"]), g["quotes"][0].start))
    return _page(
        request,
        "quotes.html",
        {
            "article": article,
            "groups": ordered,
            "terms": terms,
            "quote_count": sum(len(g["quotes"]) for g in ordered),
            "canonical": _absolute(request, f"/articles/{slug}/quotes"),
        },
    )


@router.get("/articles/{slug}/quotes/{quote_id}")
def quote_page(slug: str, quote_id: str, request: Request, session: SessionDep) -> HTMLResponse:
    article = _article_or_404(session, slug)
    quote = repo.get_quote(session, article.id, quote_id)
    if quote is None:
        raise HTTPException(404, "No such quote in this article.")
    para = next(
        (p for p in article.paragraphs if p.start <= quote.start < p.end), article.paragraphs[0]
    )
    permalink = _absolute(request, quote_url(slug, quote.id))
    speaker = _speaker_name(quote)
    excerpt = _truncate(quote.text, 300)
    return _page(
        request,
        "quote.html",
        {
            "article": article,
            "quote": quote,
            "speaker": speaker,
            "before": article.text[para.start : quote.start],
            "after": article.text[quote.end : para.end],
            "context_url": f"/articles/{slug}?quote={quote.id}#q-{quote.id}",
            "fragment_url": f"/articles/{slug}"
            + text_fragment(article.text, quote.start, quote.end),
            "permalink": permalink,
            "canonical": permalink,
            "og": {
                "title": f"{speaker} — {article.title}",
                "description": f"“{excerpt}”",
                "url": permalink,
            },
        },
    )
