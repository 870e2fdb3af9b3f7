"""Correcting the library without JavaScript: plain forms on a library entity's page (merge it
into another, detach one article's entity) and the library's corrections log with undo
buttons. They call the same write service as the JSON API (``app.library_corrections``),
carry the session's CSRF token (``WriterDep`` checks it) and answer 303 to the page that
shows the result, or the reason a correction was refused (422, 404, 409, 410)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from app import library_corrections as edits
from app import library_reads as reads
from app.models import LibraryCorrection
from app.web.auth import WriterDep
from app.web.deps import LinksDep, SessionDep

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

MAX_ID = 2**31 - 1
MERGE_CHOICES = 50  # entities offered in the merge form's list (a search narrows them)
LOG_PER_PAGE = 100
ACTION_LABELS = {"merge": "Merged", "detach": "Detached"}


def editing_context(session: Session, entity: reads.LibraryEntitySummary, merge_q: str | None
                    ) -> dict[str, Any]:
    """What a signed-in editor's library entity page adds: the entities it could be merged
    into (of its type first, or those the editor searched for) and its corrections log."""
    found = reads.list_library(session, merge_q or None, None if merge_q else entity.type,
                               MERGE_CHOICES + 1, 0, counted=False).items
    total, log = edits.log(session, entity.id, limit=20)
    return {
        "merge_q": merge_q or "",
        "merge_choices": [e for e in found if e.id != entity.id][:MERGE_CHOICES],
        "log": log,
        "log_total": total,
        "log_slugs": edits.article_slugs(session, log),
        "action_labels": ACTION_LABELS,
    }


def editor_notes(session: Session, library_id: int) -> list[LibraryCorrection]:
    """For every reader: the editors' corrections in force on this entity (a discreet note
    says an editor, not the extraction, joined or parted these articles, and when)."""
    _, items = edits.log(session, library_id, limit=10)
    return [c for c in items if c.status == "applied"]


def _write(session: Session, write: Callable[[], LibraryCorrection]) -> LibraryCorrection:
    try:
        correction = write()
        session.commit()
        return correction
    except edits.LibraryCorrectionError as exc:
        session.rollback()
        raise HTTPException(exc.status, str(exc)) from exc
    except BaseException:
        session.rollback()
        raise


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _target(into: str | None, into_id: str | None) -> int:
    """The entity to merge into: a typed id wins over the list's choice."""
    for given in (into_id, into):
        given = (given or "").strip()
        if given:
            if not (given.isascii() and given.isdigit()) or not 1 <= int(given) <= MAX_ID:
                raise HTTPException(422, f"{given!r} is not a library entity's id")
            return int(given)
    raise HTTPException(422, "choose the entity to merge into, or type its id")


OptionalId = Annotated[str | None, Form(max_length=20)]


@router.post("/entities/{library_id}/merge")
def merge(library_id: int, session: SessionDep, links: LinksDep, writer: WriterDep,
          into: OptionalId = None, into_id: OptionalId = None) -> RedirectResponse:
    target = _target(into, into_id)
    correction = _write(session, lambda: edits.merge(session, library_id, target,
                                                     writer.author))
    assert correction.into_id is not None
    return _see(links.library_entity(correction.into_id))


@router.post("/entities/{library_id}/detach")
def detach(library_id: int, session: SessionDep, links: LinksDep, writer: WriterDep,
           article_entity_id: Annotated[int, Form(ge=1, le=MAX_ID)]) -> RedirectResponse:
    correction = _write(session, lambda: edits.detach(session, library_id, article_entity_id,
                                                      writer.author))
    assert correction.into_id is not None
    return _see(links.library_entity(correction.into_id))


@router.post("/library/corrections/{correction_id}/undo")
def undo(correction_id: int, session: SessionDep, links: LinksDep, writer: WriterDep,
         back: Annotated[str | None, Form(max_length=200)] = None) -> RedirectResponse:
    _write(session, lambda: edits.undo(session, correction_id, writer.author))
    # Back to the entity page the button was on, if it still is a page; else the log.
    if back and back.startswith("/entities/") and back[10:].isdigit():
        survivor = edits.merged_into(session, int(back[10:]))
        return _see(links.library_entity(survivor) if survivor else back)
    return _see(links.library_corrections())


@router.get("/library/corrections")
def corrections_page(request: Request, session: SessionDep,
                     page: Annotated[int, Query(ge=1, le=10**6)] = 1) -> HTMLResponse:
    """The library's audit log: orphaned corrections first (they need an editor), then
    newest first."""
    from app.web.library_pages import _page, _pages

    total, items = edits.log(session, None, LOG_PER_PAGE, (page - 1) * LOG_PER_PAGE)
    return _page(request, "library_corrections.html", {
        "log": items, "total": total, "page": page, "pages": _pages(total, LOG_PER_PAGE, page),
        "log_slugs": edits.article_slugs(session, items), "action_labels": ACTION_LABELS,
        "orphaned": sum(1 for c in items if c.status == "orphaned"),
    })
