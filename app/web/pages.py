"""HTML pages, server-rendered; JavaScript only enhances them."""

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from app import corrections
from app import repository as repo
from app.models import Article, Entity, Quote
from app.nlp.labels import ENTITY_TYPES
from app.repository import ArticleAnnotations, ArticleText, QuoteMark
from app.web.anchor import PassageSelector, SelectorError, resolve
from app.web.auth import is_signed_in
from app.web.corrections_pages import editing_context
from app.web.deps import (
    ArticleDep,
    LinksDep,
    SessionDep,
    Slug,
    article_not_found,
    raise_if_moved,
)
from app.web.links import Links
from app.web.presenters.article import has_editor_marks, index_by_type, mention_views
from app.web.presenters.reader import reader_data, sentence_of, sentences_of
from app.web.render import Highlight, QuoteView, is_tentative, render_span, render_spans
from app.web.schemas import TYPE_LABELS
from app.web.sharing import share_meta

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

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
    base = {"type_labels": TYPE_LABELS, "type_plurals": TYPE_PLURALS, "type_help": TYPE_HELP,
            "entity_types": ENTITY_TYPES}
    response: HTMLResponse = templates.TemplateResponse(request, template, base | context)
    if is_signed_in(request):
        # An editor's page carries their CSRF token and controls: never kept by a cache.
        response.headers["Cache-Control"] = "private, no-store"
    return response


_ENTITY_ID = re.compile(r"[1-9][0-9]{0,9}")


def _entity_or_404(
    session: Session, article: Article, entity_id: str, links: Links
) -> Entity:
    # ASCII digits only ("²".isdigit() is true) and no more than an INTEGER column holds.
    wanted = int(entity_id) if _ENTITY_ID.fullmatch(entity_id) else None
    entity = (
        repo.get_entity(session, article.id, wanted)
        if wanted is not None and wanted <= 2**31 - 1
        else None
    )
    if entity is None:
        if wanted is not None and wanted <= 2**31 - 1:
            raise_if_moved(session, article, wanted, lambda i: links.entity(article.slug, i))
        raise HTTPException(404, f"No entity {entity_id} in this article.")
    return entity


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;:") + "…"


def _speaker_name(quote: Quote | QuoteMark) -> str:
    if isinstance(quote, QuoteMark):
        return quote.speaker_name or quote.speaker_description or "Unattributed"
    if quote.speaker is not None:
        return quote.speaker.name
    return quote.speaker_description or "Unattributed"


def _selector_highlight(
    request: Request, article: ArticleText, quotes: list[QuoteMark]
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


def _edited_days(session: Session, article: ArticleText, annotations: ArticleAnnotations
                 ) -> dict[str, dict[int | str, str]]:
    """The day an editor last changed each entity or mention, as the panel shows it; read
    only when the article has an editor's entity or mention (no query for the others)."""
    if not has_editor_marks(annotations):
        return {}
    return {kind: {i: when.strftime("%d %b %Y") for i, when in found.items()}
            for kind, found in corrections.edited_at(session, article.id).items()}


@router.get("/articles/{slug}")
def article_page(slug: Slug, request: Request, session: SessionDep, links: LinksDep
                 ) -> HTMLResponse:
    # Readers' pages are built once per revision and kept by app.web.serving.ResponseCache.
    # The article as plain rows (ArticleDep's ORM object and its paragraphs cost more).
    article = repo.article_text(session, slug)
    if article is None:
        raise article_not_found(slug)
    annotations = repo.article_annotations(session, article.id, article.sentences)
    quotes = article.quotes
    sentences = annotations.sentences or [(p.start, p.end) for p in article.paragraphs]
    highlight, selected_quote, notice = _selector_highlight(request, article, quotes)
    mentions = mention_views(slug, annotations, links)
    quote_views = [QuoteView(q.id, q.start, q.end, q.id == selected_quote) for q in quotes]
    # A selected quote is marked on its own span; the text-run highlight is the fallback for
    # a quote that could not be nested as a span (it crosses a mention).
    rendered = render_spans(article.text, [(p.start, p.end) for p in article.paragraphs],
                            mentions, quote_views)
    paragraphs = []
    anchor_placed = False
    for p, html in zip(article.paragraphs, rendered, strict=True):
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
    by_type = index_by_type(slug, annotations, links)
    mention_counts = {t: sum(i.mention_count for i in items) for t, items in by_type.items()}
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
            "canonical": links.absolute(links.article(slug)),
            "description": _truncate(
                next((article.text[p.start : p.end] for p in article.paragraphs
                      if p.kind == "body"), article.title), 200),
            "reader_data": reader_data(article, annotations, sentences, links,
                                       _edited_days(session, article, annotations)),
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


METHOD_WORDS = {
    "knowledge": "from our knowledge files",
    "model": "by spaCy's statistical model",
    "rule": "by a rule of ours (context, pattern or sentence structure)",
    "description": "as a description linked to a name",
    "editor": "by an editor",
}


def how_found(method: str | None, confidence: float | None) -> str:
    """ "Found by spaCy's statistical model; uncertain (confidence 0.55)"."""
    if method is None:
        return "Found before extraction recorded how"
    found = f"Found {METHOD_WORDS.get(method, method)}"
    if confidence is None:
        return found
    sure = "uncertain" if is_tentative(confidence) else "likely right"
    return f"{found}; {sure} (confidence {confidence:.2f})"


@router.get("/articles/{slug}/entities/{entity_id}")
def entity_page(
    article: ArticleDep, entity_id: str, request: Request, session: SessionDep, links: LinksDep
) -> HTMLResponse:
    entity = _entity_or_404(session, article, entity_id, links)
    entities = repo.entities_of(session, article.id)
    sentences = sentences_of(article)
    contexts = [
        _kwic(article.text, m.start, m.end, sentence_of(sentences, m.start, m.end))
        | {"id": m.id, "text": m.text, "form": m.form, "type": m.type or entity.type,
           "source": m.source,
           "tentative": is_tentative(m.confidence), "how": how_found(m.method, m.confidence)}
        for m in entity.mentions
    ]
    roles = [
        {
            "id": r.id,
            "source": r.source,
            "title": r.title,
            "organisation": r.organisation,
            "organisation_name": r.organisation_name,
            "sentence": article.text[r.start : r.end],
            "sentence_url": links.passage(article, r.start, r.end),
            "how": how_found(r.method, r.confidence),
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
            "entity_how": how_found(entity.method, entity.confidence),
            "contexts": contexts,
            "roles": roles,
            "members": [
                {"entity": o, "title": r.title,
                 "sentence_url": links.passage(article, r.start, r.end)} for o, r in members
            ],
            "quotes": quotes,
            "related": repo.co_mentioned(entity, entities, sentences),
            "canonical": links.absolute(links.entity(article.slug, entity.id)),
            **editing_context(session, article, request, entities, entity),
        },
    )


@router.get("/articles/{slug}/quotes")
def quotes_page(
    article: ArticleDep, request: Request, session: SessionDep, links: LinksDep
) -> HTMLResponse:
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
            "canonical": links.absolute(links.quotes(article.slug)),
        },
    )


@router.get("/articles/{slug}/quotes/{quote_id}")
def quote_page(
    article: ArticleDep, quote_id: str, request: Request, session: SessionDep, links: LinksDep
) -> HTMLResponse:
    slug = article.slug
    quote = repo.get_quote(session, article.id, quote_id)
    if quote is None:
        raise HTTPException(404, "No such quote in this article.")
    para = next(
        (p for p in article.paragraphs if p.start <= quote.start < p.end), article.paragraphs[0]
    )
    permalink = links.absolute(links.quote(slug, quote.id))
    speaker = _speaker_name(quote)
    return _page(
        request,
        "quote.html",
        {
            "article": article,
            "quote": quote,
            "speaker": speaker,
            "before": article.text[para.start : quote.start],
            "after": article.text[quote.end : para.end],
            "context_url": links.quote_in_context(slug, quote.id),
            "fragment_url": links.text_fragment(article, quote.start, quote.end),
            "permalink": permalink,
            "canonical": permalink,
            "og": share_meta(links, article, quote),
            **editing_context(session, article, request),
        },
    )
