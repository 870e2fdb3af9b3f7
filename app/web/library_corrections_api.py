"""JSON endpoints for editors' corrections across the library: merge two library entities,
detach one article's entity, the audit log and undo. Every write goes through
``app.library_corrections`` and needs the writer's credentials (checked before the body)."""

from collections.abc import Callable
from typing import Annotated, Any, NoReturn, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from app import library_corrections as edits
from app.models import LibraryCorrection, LibraryEntity
from app.web.auth import WriterDep
from app.web.deps import LinksDep, SessionDep
from app.web.library_api import GONE, entity_or_error, moved
from app.web.links import Links
from app.web.schemas import (
    ErrorOut,
    LibraryCorrectionOut,
    LibraryCorrectionPage,
    LibraryEntityOut,
)

router = APIRouter(tags=["library corrections"])

MAX_ID = 2**31 - 1
LibraryId = Annotated[int, Path(ge=1, le=MAX_ID, description="a library entity's id")]
CorrectionId = Annotated[int, Path(ge=1, le=MAX_ID, description="a library correction's id")]
T = TypeVar("T")


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    reasons = {
        401: "no valid credentials", 403: "writes are disabled or the credentials are wrong",
        404: "no such library entity or correction",
        409: "the library entity was merged into another (see the message)",
        410: "the library entity is gone: no article names it now",
    }
    return {code: {"model": ErrorOut, "description": reasons[code]} for code in codes}


WRITE = {"responses": _errors(401, 403, 404, 409, 410)}


def writer(writer: WriterDep) -> str:
    """Who is writing, as the audit log names them. Checked before the body is read."""
    return writer.author


Author = Annotated[str, Depends(writer)]


class LibraryMergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    into: int = Field(ge=1, le=MAX_ID, description="the library entity that survives")


class LibraryDetachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    article_entity_id: int = Field(
        ge=1, le=MAX_ID, description="the article entity (an id of /api/articles/{slug}/"
        "entities) that gets a library entity of its own")


def run(session: Session, response: Response | None, write: Callable[[], T]) -> T:
    """One correction in one transaction; its errors as HTTP errors, nothing half-written."""
    try:
        result = write()
        session.commit()
    except edits.LibraryCorrectionError as exc:
        session.rollback()
        _raise(exc)
    except BaseException:
        session.rollback()
        raise
    if response is not None and isinstance(result, LibraryCorrection):
        response.headers["X-Correction-Id"] = str(result.id)  # for an Undo button
    return result


def _raise(exc: edits.LibraryCorrectionError) -> NoReturn:
    if exc.status == 422:
        raise RequestValidationError(
            [{"loc": ("body", exc.field or "body"), "msg": str(exc), "type": "value_error"}]
        ) from exc
    raise HTTPException(exc.status, str(exc)) from exc


def _entity_out(session: Session, library_id: int | None, links: Links) -> LibraryEntityOut:
    entity = session.get(LibraryEntity, library_id) if library_id is not None else None
    assert entity is not None
    session.refresh(entity)
    return LibraryEntityOut.of(entity, links)


@router.post("/api/entities/{library_id}/merge", **WRITE)  # type: ignore[arg-type]
def merge(library_id: LibraryId, body: LibraryMergeIn, session: SessionDep, links: LinksDep,
          response: Response, author: Author) -> LibraryEntityOut:
    """Two library entities are one: every article entity of this one, in every article and
    after every later ingest, belongs to ``into``; this id then answers 308 to it."""
    correction = run(session, response, lambda: edits.merge(
        session, library_id, body.into, author))
    return _entity_out(session, correction.into_id, links)


@router.post("/api/entities/{library_id}/detach", status_code=201,
             **WRITE)  # type: ignore[arg-type]
def detach(library_id: LibraryId, body: LibraryDetachIn, session: SessionDep, links: LinksDep,
           response: Response, author: Author) -> LibraryEntityOut:
    """One article's entity is not this library entity: it gets a library entity of its own
    (the answer, 201, with its URL in Location), whatever later ingests compute."""
    correction = run(session, response, lambda: edits.detach(
        session, library_id, body.article_entity_id, author))
    out = _entity_out(session, correction.into_id, links)
    response.headers["Location"] = links.api_library_entity(out.id)
    return out


def _page(session: Session, links: Links, library_id: int | None, limit: int, offset: int
          ) -> LibraryCorrectionPage:
    total, items = edits.log(session, library_id, limit, offset)
    slugs = edits.article_slugs(session, items)
    return LibraryCorrectionPage(
        total=total, items=[LibraryCorrectionOut.of(c, slugs, links) for c in items])


Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10**9)]


@router.get("/api/library/corrections")
def list_corrections(session: SessionDep, links: LinksDep, limit: Limit = 100,
                     offset: Offset = 0) -> LibraryCorrectionPage:
    """The library's audit log: orphaned corrections first, then newest first."""
    return _page(session, links, None, limit, offset)


@router.get("/api/entities/{library_id}/corrections", responses=GONE)
def entity_corrections(library_id: LibraryId, request: Request, session: SessionDep,
                       links: LinksDep, limit: Limit = 100, offset: Offset = 0
                       ) -> LibraryCorrectionPage:
    """The corrections that merged into, detached from or created this library entity, or
    an entity merged into it. A merged-away id answers 308 to its survivor's log (which
    lists the merge), like every URL of a library entity."""
    entity_or_error(session, library_id, moved(request, links.api_library_corrections))
    return _page(session, links, library_id, limit, offset)


@router.get("/api/library/corrections/{correction_id}", responses=_errors(404))
def get_correction(correction_id: CorrectionId, session: SessionDep, links: LinksDep
                   ) -> LibraryCorrectionOut:
    try:
        correction = edits.get(session, correction_id)
    except edits.LibraryCorrectionError as exc:
        _raise(exc)
    return LibraryCorrectionOut.of(correction, edits.article_slugs(session, [correction]), links)


@router.delete("/api/library/corrections/{correction_id}", status_code=204,
               **WRITE)  # type: ignore[arg-type]
def undo(correction_id: CorrectionId, session: SessionDep, response: Response,
         author: Author) -> None:
    """Undo: the library becomes what it would be had the correction never been made."""
    run(session, response, lambda: edits.undo(session, correction_id, author))
