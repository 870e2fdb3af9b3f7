"""JSON endpoints for editors' corrections. Every write goes through ``app.corrections``.

Writes need the writer's credentials (checked before the body is read). A client may send
``version`` (the article's ``edit_version`` it last saw): if another editor changed the article
since, the write is refused with 409 instead of silently building on a state it never saw.
Without it, concurrent corrections are applied one after the other and all of them land.
"""

from collections.abc import Callable
from typing import Annotated, Any, NoReturn, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import corrections
from app import repository as repo
from app.models import Article, Correction, Mention, Quote, Role
from app.web.auth import WriterDep
from app.web.deps import ArticleDep, LinksDep, SessionDep
from app.web.schemas import (
    CorrectionOut,
    EntityOut,
    ErrorOut,
    MentionWithEntity,
    QuoteOut,
    RoleOut,
)

router = APIRouter(tags=["corrections"])

MAX_ID = 2**31 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Version = Annotated[
    int | None, Query(ge=0, description="the article's edit_version the client last saw")
]
T = TypeVar("T")


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    reasons = {
        401: "no valid credentials", 403: "writes are disabled or the credentials are wrong",
        404: "no such article or item", 409: "another editor changed the article meanwhile",
        413: "the body is too large",
    }
    return {code: {"model": ErrorOut, "description": reasons[code]} for code in codes}


WRITE = {"responses": _errors(401, 403, 404, 409, 413)}


def writer(writer: WriterDep) -> str:
    """Who is writing, as the audit log names them. Checked before the body is read."""
    return writer.author


Author = Annotated[str, Depends(writer)]


class Versioned(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int | None = Field(
        default=None, ge=0, description="the article's edit_version the client last saw"
    )


class EntityPatch(Versioned):
    name: str | None = Field(default=None, max_length=300)
    type: str | None = Field(default=None, description="actor, unit or location")
    kind: str | None = Field(default=None, max_length=50)


class MergeIn(Versioned):
    into: int = Field(ge=1, le=MAX_ID, description="the entity that survives")


class NewEntity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=300,
                             description="default: the marked text")
    type: str = Field(description="actor, unit or location")
    kind: str | None = Field(default=None, max_length=50)


class MentionIn(Versioned):
    start: int
    end: int
    entity_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    new_entity: NewEntity | None = None


class MentionPatch(Versioned):
    entity_id: int = Field(ge=1, le=MAX_ID, description="the entity the mention is of")


class QuotePatch(Versioned):
    speaker_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    speaker_description: str | None = Field(default=None, max_length=300)
    kind: str | None = Field(default=None, description="direct or partial")


class RoleIn(Versioned):
    title: str = Field(min_length=1, max_length=300)
    organisation_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    organisation_name: str | None = Field(default=None, max_length=300)
    start: int = Field(description="the stating sentence's offsets")
    end: int


def _run(session: Session, article: Article, response: Response | None,
         write: Callable[[], T]) -> T:
    """One correction in one transaction; its errors as HTTP errors, nothing half-written."""
    try:
        result = write()
        session.commit()
    except corrections.CorrectionError as exc:
        session.rollback()
        _raise(exc)
    except BaseException:
        session.rollback()
        raise
    if response is not None:
        response.headers["X-Edit-Version"] = str(article.edit_version)
        if isinstance(result, Correction):  # for an Undo button: DELETE .../corrections/{id}
            response.headers["X-Correction-Id"] = str(result.id)
    return result


def _raise(exc: corrections.CorrectionError) -> NoReturn:
    if exc.status == 422:
        raise RequestValidationError(
            [{"loc": ("body", exc.field or "body"), "msg": str(exc), "type": "value_error"}]
        ) from exc
    raise HTTPException(exc.status, str(exc)) from exc


def _entity_out(session: Session, article: Article, entity_id: int, links: Any) -> EntityOut:
    entity = repo.get_entity(session, article.id, entity_id)
    assert entity is not None
    return EntityOut.of(article.slug, entity, links)


@router.patch("/api/articles/{slug}/entities/{entity_id}", **WRITE)  # type: ignore[arg-type]
def patch_entity(article: ArticleDep, entity_id: Id, body: EntityPatch, session: SessionDep,
                 links: LinksDep, response: Response, author: Author) -> EntityOut:
    """Rename, retype or re-kind an entity."""
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    _run(session, article, response, lambda: corrections.update_entity(
        session, article, entity_id, changes, author, body.version))
    return _entity_out(session, article, entity_id, links)


@router.post("/api/articles/{slug}/entities/{entity_id}/merge", **WRITE)  # type: ignore[arg-type]
def merge_entity(article: ArticleDep, entity_id: Id, body: MergeIn, session: SessionDep,
                 links: LinksDep, response: Response, author: Author) -> EntityOut:
    """Merge the entity into ``into``; its id then answers 308 to the survivor."""
    _run(session, article, response, lambda: corrections.merge_entities(
        session, article, entity_id, body.into, author, body.version))
    return _entity_out(session, article, body.into, links)


@router.delete("/api/articles/{slug}/mentions/{mention_id}", status_code=204,
               **WRITE)  # type: ignore[arg-type]
def delete_mention(article: ArticleDep, mention_id: Id, session: SessionDep, response: Response,
                   author: Author, version: Version = None) -> None:
    """Not an entity: the mention goes (and its entity with its last mention: then 410)."""
    _run(session, article, response, lambda: corrections.delete_mention(
        session, article, mention_id, author, version))


@router.post("/api/articles/{slug}/mentions", status_code=201, **WRITE)  # type: ignore[arg-type]
def add_mention(article: ArticleDep, body: MentionIn, session: SessionDep, links: LinksDep,
                response: Response, author: Author) -> MentionWithEntity:
    """Mark ``text[start:end]`` as a mention of ``entity_id`` or of a ``new_entity``."""
    new_entity = body.new_entity.model_dump(exclude_none=True) if body.new_entity else None
    correction = _run(session, article, response, lambda: corrections.add_mention(
        session, article, body.start, body.end, author, entity_id=body.entity_id,
        new_entity=new_entity, expected_version=body.version))
    mention = session.get(Mention, correction.result["mentions"][0])
    assert mention is not None
    return MentionWithEntity.of(article.slug, mention, links)


@router.patch("/api/articles/{slug}/mentions/{mention_id}", **WRITE)  # type: ignore[arg-type]
def link_mention(article: ArticleDep, mention_id: Id, body: MentionPatch, session: SessionDep,
                 links: LinksDep, response: Response, author: Author) -> MentionWithEntity:
    """Link the mention to another entity."""
    _run(session, article, response, lambda: corrections.link_mention(
        session, article, mention_id, body.entity_id, author, body.version))
    mention = session.get(Mention, mention_id)
    assert mention is not None
    return MentionWithEntity.of(article.slug, mention, links)


@router.patch("/api/articles/{slug}/quotes/{quote_id}", **WRITE)  # type: ignore[arg-type]
def patch_quote(article: ArticleDep, quote_id: str, body: QuotePatch, session: SessionDep,
                links: LinksDep, response: Response, author: Author) -> QuoteOut:
    """Change the speaker (``speaker_id``, or ``null`` and a ``speaker_description``) or kind."""
    given = body.model_dump(exclude_unset=True, exclude={"version"})
    _run(session, article, response, lambda: corrections.update_quote(
        session, article, quote_id, author, expected_version=body.version, **given))
    quote = repo.get_quote(session, article.id, quote_id)
    assert quote is not None
    return QuoteOut.of(article.slug, quote, links)


@router.post("/api/articles/{slug}/entities/{entity_id}/roles", status_code=201,
             **WRITE)  # type: ignore[arg-type]
def add_role(article: ArticleDep, entity_id: Id, body: RoleIn, session: SessionDep,
             links: LinksDep, response: Response, author: Author) -> RoleOut:
    """State a role of the entity."""
    correction = _run(session, article, response, lambda: corrections.add_role(
        session, article, entity_id, body.title, author, body.start, body.end,
        body.organisation_id, body.organisation_name, body.version))
    role = session.get(Role, correction.result["roles"][0])
    assert role is not None
    return RoleOut.of(article.slug, role, links)


@router.delete("/api/articles/{slug}/entities/{entity_id}/roles/{role_id}", status_code=204,
               **WRITE)  # type: ignore[arg-type]
def delete_role(article: ArticleDep, entity_id: Id, role_id: Id, session: SessionDep,
                response: Response, author: Author, version: Version = None) -> None:
    _run(session, article, response, lambda: corrections.delete_role(
        session, article, entity_id, role_id, author, version))


@router.get("/api/articles/{slug}/corrections", responses=_errors(404))
def list_corrections(article: ArticleDep, session: SessionDep, links: LinksDep
                     ) -> list[CorrectionOut]:
    """The audit log, orphaned corrections first, then newest first."""
    return [CorrectionOut.of(article, c, links)
            for c in corrections.corrections_of(session, article.id)]


@router.get("/api/articles/{slug}/corrections/{correction_id}", responses=_errors(404))
def get_correction(article: ArticleDep, correction_id: Id, session: SessionDep,
                   links: LinksDep) -> CorrectionOut:
    correction = session.scalar(select(Correction).where(
        Correction.article_id == article.id, Correction.id == correction_id))
    if correction is None:
        raise HTTPException(404, f"no correction {correction_id} in article {article.slug!r}")
    return CorrectionOut.of(article, correction, links)


@router.delete("/api/articles/{slug}/corrections/{correction_id}", status_code=204,
               **WRITE)  # type: ignore[arg-type]
def undo_correction(article: ArticleDep, correction_id: Id, session: SessionDep,
                    response: Response, author: Author, version: Version = None) -> None:
    """Undo: the article becomes what it would be had the correction never been made."""
    _run(session, article, response, lambda: corrections.undo(
        session, article, correction_id, author, version))


__all__ = ["router", "Quote"]
