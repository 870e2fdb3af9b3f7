"""What routes ask for: a database session, the article a slug names, the URL builder.

Routes depend on these, never on ``app.web.app``: the app factory imports the routers, and
the routers import only this module, so imports point one way.
"""

from collections.abc import AsyncIterator, Callable
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Path, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from app import corrections
from app import repository as repo
from app.db import end_reader, reader_session
from app.models import Article
from app.settings import Settings
from app.web.links import Links

# The dependencies below are ``async def``: what they do before the route runs touches no
# database (a Session connects at its first statement), and FastAPI runs a plain ``def``
# dependency in its thread pool, a hand-off between threads per dependency and request.


async def get_session(request: Request) -> AsyncIterator[Session]:
    factory = request.app.state.session_factory
    # A GET's queries all see one snapshot; a write keeps the writers' isolation (app/db.py).
    reads = request.method in ("GET", "HEAD")
    session = reader_session(factory) if reads else factory()
    try:
        yield session
    finally:
        # Closing ends the transaction and returns the connection to the pool: database I/O,
        # so in a worker thread, and shielded so that a cancelled request still gives it back.
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(end_reader if reads else Session.close, session)


SessionDep = Annotated[Session, Depends(get_session)]

Slug = Annotated[str, Path(description="the article's slug", examples=["ramadi"])]


def article_not_found(slug: str) -> HTTPException:
    return HTTPException(404, f"no article with slug {slug!r}")


def get_article(slug: Slug, session: SessionDep) -> Article:
    """The article a slug names, or 404 (for pages and JSON alike)."""
    article = repo.get_article(session, slug)
    if article is None:
        raise article_not_found(slug)
    return article


ArticleDep = Annotated[Article, Depends(get_article)]


def raise_if_moved(
    session: Session, article: Article, entity_id: int, url: Callable[[int], str]
) -> None:
    """An entity id an editor's correction took away: 308 to the entity it was merged into
    (``url(new_id)``), or 410 if it was deleted. Returns if the id was never taken away."""
    redirect = corrections.redirect_for(session, article.id, entity_id)
    if redirect is None:
        return
    if redirect.new_id is None:
        raise HTTPException(410, f"entity {entity_id} was removed by an editor's correction")
    raise HTTPException(
        308, f"entity {entity_id} was merged into entity {redirect.new_id}",
        headers={"Location": url(redirect.new_id)},
    )


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_links(request: Request) -> Links:
    links: Links = request.app.state.links
    return links


LinksDep = Annotated[Links, Depends(get_links)]


async def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
