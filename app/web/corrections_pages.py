"""Editing without JavaScript: plain HTML forms that call the same write service as the JSON
API (``app.corrections``), and the article's corrections page with its undo buttons.

Every form posts the session's CSRF token (``WriterDep`` checks it) and answers 303 to the page
that shows the result; a refused correction answers with the reason (422, 404 or 409).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from app import corrections
from app import repository as repo
from app.models import Article, Correction, Entity
from app.nlp.labels import ENTITY_TYPES
from app.web.auth import WriterDep, is_signed_in
from app.web.deps import ArticleDep, LinksDep, SessionDep
from app.web.links import Links

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

ACTION_LABELS = {
    "update_entity": "Changed an entity",
    "merge_entities": "Merged entities",
    "delete_mention": "Not an entity",
    "add_mention": "Marked a mention",
    "link_mention": "Linked a mention",
    "update_quote": "Changed a quote",
    "add_role": "Added a role",
    "delete_role": "Removed a role",
}


def editing_context(session: Session, article: Article, request: Request,
                    entities: list[Entity] | None = None, entity: Entity | None = None
                    ) -> dict[str, Any]:
    """What the entity and quote pages need to show edits and, for editors, the forms (the
    article's entities are only read for an editor, and only if the page has not already).
    On an entity's page, ``?mark=words`` lists where the words occur, to mark one of them."""
    editor = is_signed_in(request)
    if entities is None and editor:
        entities = repo.entities_of(session, article.id)
    mark = (request.query_params.get("mark") or "")[:MAX_MARK_CHARS] if editor else ""
    return {
        "edited": corrections.edited_at(session, article.id),
        "all_entities": sorted(entities or [], key=lambda e: e.name),
        "entity_types": ENTITY_TYPES,
        "quote_kinds": corrections.QUOTE_KINDS,
        "mark": mark,
        "mark_choices": occurrences(article, entities or [], mark) if mark.strip() else [],
        "role_sentences": stating_sentences(article, entity) if editor and entity else [],
    }


MAX_MARK_CHOICES = 30
MAX_MARK_CHARS = 500
MARK_CONTEXT = 50


@dataclass(frozen=True)
class Occurrence:
    """One place the words an editor wants to mark occur, for the no-script mention form."""

    start: int
    end: int
    before: str
    match: str
    after: str
    taken_by: str | None  # the entity a mention there is of now


def occurrences(article: Article, entities: list[Entity], words: str) -> list[Occurrence]:
    """Where ``words`` occur in the article as whole words, with their context."""
    words = " ".join(words.split())
    if not words:
        return []
    text = article.text
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words.split())
                         + r"(?!\w)")
    spans = [(m.start, m.end, e.name) for e in entities for m in e.mentions]
    found = []
    for match in pattern.finditer(text):
        start, end = match.span()
        if "\n\n" in text[start:end]:
            continue
        left = text.rfind("\n\n", 0, start)
        right = text.find("\n\n", end)
        lo = max(left + 2 if left >= 0 else 0, start - MARK_CONTEXT)
        hi = min(right if right >= 0 else len(text), end + MARK_CONTEXT)
        taken = next((name for s, e, name in spans if s < end and e > start), None)
        found.append(Occurrence(start, end, ("…" if lo > 0 else "") + text[lo:start],
                                text[start:end], text[end:hi] + ("…" if hi < len(text) else ""),
                                taken))
        if len(found) == MAX_MARK_CHOICES:
            break
    return found


def stating_sentences(article: Article, entity: Entity) -> list[tuple[int, int, str]]:
    """The sentences that mention the entity: where a role an editor adds may be stated."""
    from app.web.presenters.reader import sentence_of, sentences_of

    sentences = sentences_of(article)
    seen: dict[tuple[int, int], str] = {}
    for m in entity.mentions:
        s, e = sentence_of(sentences, m.start, m.end)
        seen.setdefault((s, e), " ".join(article.text[s:e].split()))
    return [(s, e, t) for (s, e), t in sorted(seen.items())]


def _write(session: Session, write: Callable[[], Correction]) -> Correction:
    try:
        correction = write()
        session.commit()
        return correction
    except corrections.CorrectionError as exc:
        session.rollback()
        raise HTTPException(exc.status, str(exc)) from exc
    except BaseException:
        session.rollback()
        raise


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _entity_page_or_article(session: Session, article: Article, entity_id: int,
                            links: Links) -> str:
    if session.get(Entity, entity_id) is not None:
        return links.entity(article.slug, entity_id)
    redirect = corrections.redirect_for(session, article.id, entity_id)
    if redirect is not None and redirect.new_id is not None:
        return links.entity(article.slug, redirect.new_id)
    return links.article(article.slug)


Text = Annotated[str, Form(max_length=300)]
OptionalText = Annotated[str | None, Form(max_length=300)]


@router.post("/articles/{slug}/entities/{entity_id}/edit")
def edit_entity(article: ArticleDep, entity_id: int, session: SessionDep, links: LinksDep,
                writer: WriterDep, name: OptionalText = None, type: OptionalText = None,
                kind: OptionalText = None) -> RedirectResponse:
    entity = session.get(Entity, entity_id)
    given = {"name": name, "type": type, "kind": kind}
    # A form sends every field: only what differs is a correction.
    changes = {k: v.strip() for k, v in given.items()
               if v is not None and entity is not None and v.strip() != getattr(entity, k)}
    _write(session, lambda: corrections.update_entity(session, article, entity_id, changes,
                                                      writer.author))
    return _see(links.entity(article.slug, entity_id))


@router.post("/articles/{slug}/entities/{entity_id}/merge")
def merge_entity(article: ArticleDep, entity_id: int, session: SessionDep, links: LinksDep,
                 writer: WriterDep, into: Annotated[int, Form()]) -> RedirectResponse:
    _write(session, lambda: corrections.merge_entities(session, article, entity_id, into,
                                                       writer.author))
    return _see(links.entity(article.slug, into))


@router.post("/articles/{slug}/mentions/{mention_id}/delete")
def delete_mention(article: ArticleDep, mention_id: int, session: SessionDep, links: LinksDep,
                   writer: WriterDep) -> RedirectResponse:
    correction = _write(session, lambda: corrections.delete_mention(
        session, article, mention_id, writer.author))
    return _see(_entity_page_or_article(session, article, correction.before["entity_id"],
                                        links))


@router.post("/articles/{slug}/mentions/{mention_id}/link")
def link_mention(article: ArticleDep, mention_id: int, session: SessionDep, links: LinksDep,
                 writer: WriterDep, entity_id: Annotated[int, Form()]) -> RedirectResponse:
    _write(session, lambda: corrections.link_mention(session, article, mention_id, entity_id,
                                                     writer.author))
    return _see(links.entity(article.slug, entity_id))


def _span(span: str | None, start: int | None, end: int | None) -> tuple[int, int]:
    """A passage as ``start``/``end`` fields, or one ``span`` field "start-end" (a radio
    button's value)."""
    if span:
        first, _, second = span.partition("-")
        if first.isdigit() and second.isdigit():
            return int(first), int(second)
        raise HTTPException(422, f"{span!r} is not a passage: give start-end offsets")
    if start is None or end is None:
        raise HTTPException(422, "choose where the words are (or give start and end)")
    return start, end


OptionalOffset = Annotated[int | None, Form(ge=0, le=10**9)]
OptionalSpan = Annotated[str | None, Form(max_length=25)]


@router.post("/articles/{slug}/mentions/new")
def add_mention(article: ArticleDep, session: SessionDep, links: LinksDep, writer: WriterDep,
                start: OptionalOffset = None, end: OptionalOffset = None,
                span: OptionalSpan = None,
                entity_id: Annotated[str, Form()] = "new", name: OptionalText = None,
                type: OptionalText = None, kind: OptionalText = None) -> RedirectResponse:
    start, end = _span(span, start, end)
    new_entity = None
    existing = None
    if entity_id.isdigit():
        existing = int(entity_id)
    else:
        new_entity = {k: v for k, v in {"name": name, "type": type or "actor",
                                        "kind": kind}.items() if v}
    correction = _write(session, lambda: corrections.add_mention(
        session, article, start, end, writer.author, entity_id=existing, new_entity=new_entity))
    return _see(links.entity(article.slug, correction.result["entities"][0]))


@router.post("/articles/{slug}/entities/{entity_id}/roles")
def add_role(article: ArticleDep, entity_id: int, session: SessionDep, links: LinksDep,
             writer: WriterDep, title: Text, sentence: OptionalSpan = None,
             start: OptionalOffset = None, end: OptionalOffset = None,
             organisation_id: Annotated[str, Form(max_length=20)] = "",
             organisation_name: OptionalText = None) -> RedirectResponse:
    """State a role of the entity, said in one of the article's sentences."""
    start, end = _span(sentence, start, end)
    organisation = int(organisation_id) if organisation_id.isdigit() else None
    _write(session, lambda: corrections.add_role(
        session, article, entity_id, title, writer.author, start, end, organisation,
        organisation_name))
    return _see(links.entity(article.slug, entity_id) + "#roles-title")


@router.post("/articles/{slug}/entities/{entity_id}/roles/{role_id}/delete")
def delete_role(article: ArticleDep, entity_id: int, role_id: int, session: SessionDep,
                links: LinksDep, writer: WriterDep) -> RedirectResponse:
    _write(session, lambda: corrections.delete_role(session, article, entity_id, role_id,
                                                    writer.author))
    return _see(links.entity(article.slug, entity_id))


@router.post("/articles/{slug}/quotes/{quote_id}/edit")
def edit_quote(article: ArticleDep, quote_id: str, session: SessionDep, links: LinksDep,
               writer: WriterDep, speaker_id: Annotated[str, Form()] = "",
               speaker_description: OptionalText = None, kind: OptionalText = None
               ) -> RedirectResponse:
    quote = repo.get_quote(session, article.id, quote_id)
    if quote is None:
        raise HTTPException(404, "No such quote in this article.")
    given: dict[str, Any] = {}
    if speaker_id.isdigit():
        if int(speaker_id) != quote.speaker_id:
            given["speaker_id"] = int(speaker_id)
    elif (speaker_description or "").strip() and (
        quote.speaker_id is not None or speaker_description != quote.speaker_description
    ):
        given |= {"speaker_id": None, "speaker_description": speaker_description}
    if kind and kind != quote.kind:
        given["kind"] = kind
    _write(session, lambda: corrections.update_quote(session, article, quote_id, writer.author,
                                                     **given))
    return _see(links.quote(article.slug, quote_id))


@router.post("/articles/{slug}/corrections/{correction_id}/undo")
def undo(article: ArticleDep, correction_id: int, session: SessionDep, links: LinksDep,
         writer: WriterDep) -> RedirectResponse:
    _write(session, lambda: corrections.undo(session, article, correction_id, writer.author))
    return _see(links.corrections(article.slug))


@router.get("/articles/{slug}/corrections")
def corrections_page(article: ArticleDep, request: Request, session: SessionDep
                     ) -> HTMLResponse:
    """The audit log: orphaned corrections first (they need an editor), then newest first."""
    from app.web.pages import _page

    items = corrections.corrections_of(session, article.id)
    return _page(request, "corrections.html", {
        "article": article, "corrections": items, "action_labels": ACTION_LABELS,
        "orphaned": sum(1 for c in items if c.status == "orphaned"),
    })
