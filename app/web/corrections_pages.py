"""Editing without JavaScript: plain HTML forms that call the same write service as the JSON
API (``app.corrections``), and the article's corrections page with its undo buttons.

Every form posts the session's CSRF token (``WriterDep`` checks it) and answers 303 to the page
that shows the result; a refused correction answers with the reason (422, 404 or 409).
"""

from collections.abc import Callable
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
                    entities: list[Entity] | None = None) -> dict[str, Any]:
    """What the entity and quote pages need to show edits and, for editors, the forms (the
    article's entities are only read for an editor, and only if the page has not already)."""
    if entities is None and is_signed_in(request):
        entities = repo.entities_of(session, article.id)
    return {
        "edited": corrections.edited_at(session, article.id),
        "all_entities": sorted(entities or [], key=lambda e: e.name),
        "entity_types": ENTITY_TYPES,
        "quote_kinds": corrections.QUOTE_KINDS,
    }


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


@router.post("/articles/{slug}/mentions/new")
def add_mention(article: ArticleDep, session: SessionDep, links: LinksDep, writer: WriterDep,
                start: Annotated[int, Form()], end: Annotated[int, Form()],
                entity_id: Annotated[str, Form()] = "new", name: OptionalText = None,
                type: OptionalText = None, kind: OptionalText = None) -> RedirectResponse:
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
