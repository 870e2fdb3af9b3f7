"""Sharing in other clients: quote card images (``og:image``) and oEmbed.

A card is a PNG drawn once per quote and revision (``app.web.cards``), served with its
fingerprint as ETag; ``/oembed?url=`` turns a quote's permalink into a small, script-free
blockquote that links back, for a CMS to embed with its attribution.
"""

import re
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from markupsafe import Markup

from app import repository as repo
from app.models import Article, Quote
from app.web.cards import HEIGHT, WIDTH, CardCache
from app.web.deps import ArticleDep, LinksDep, SessionDep
from app.web.links import Links
from app.web.presenters.share import quote_card, share_title, shorten, speaker_name
from app.web.schemas import ErrorOut

router = APIRouter(tags=["sharing"])

SITE_NAME = "Annotated news reader"
CARD_MAX_AGE = 3600
EMBED_WIDTH = 550
EMBED_MAX_CHARS = 600


def _card_cache(request: Request) -> CardCache:
    state = request.app.state
    if not hasattr(state, "card_cache"):
        state.card_cache = CardCache()  # one per app, like the page cache
    cache: CardCache = state.card_cache
    return cache


def _quote_or_404(session: SessionDep, article: Article, quote_id: str) -> Quote:
    quote = repo.get_quote(session, article.id, quote_id)
    if quote is None:
        raise HTTPException(404, f"no quote {quote_id!r} in article {article.slug!r}")
    return quote


@router.get(
    "/articles/{slug}/quotes/{quote_id}/card.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "a 1200×630 PNG"},
               304: {"description": "not modified (ETag)"},
               404: {"model": ErrorOut, "description": "no such quote, or a scare-quoted term"}},
)
def quote_card_png(article: ArticleDep, quote_id: str, request: Request, session: SessionDep
                   ) -> Response:
    """The quote's share card: the quote, its speaker and role, the article's title and date."""
    quote = _quote_or_404(session, article, quote_id)
    card = quote_card(article, quote)
    if card is None:
        raise HTTPException(404, "a scare-quoted term is nobody's words: it has no share card")
    etag = f'"{card.fingerprint}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={CARD_MAX_AGE}"}
    if etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(_card_cache(request).get(card), media_type="image/png", headers=headers)


def _etags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",")} | (
        {'"*"'} if header.strip() == "*" else set())


def card_url(links: Links, article: Article, quote: Quote) -> str | None:
    """The card's absolute URL, versioned by what it shows (so previews refresh on change)."""
    card = quote_card(article, quote)
    if card is None:
        return None
    return links.absolute(links.quote_card(article.slug, quote.id, card.fingerprint[:12]))


def share_meta(links: Links, article: Article, quote: Quote) -> dict[str, Any]:
    """What a quote page's head says to link previews and embedders."""
    permalink = links.absolute(links.quote(article.slug, quote.id))
    image = card_url(links, article, quote)
    return {
        "title": share_title(quote),
        "description": f"“{shorten(quote.text, 300)}” — {speaker_name(quote)}, in "
                       f"“{article.title}”",
        "url": permalink,
        "site_name": SITE_NAME,
        "image": image,
        "image_width": WIDTH,
        "image_height": HEIGHT,
        "image_alt": f"“{shorten(quote.text, 400)}” — {speaker_name(quote)}",
        "oembed": links.absolute(links.oembed(permalink)) if image else None,
    }


_QUOTE_PATH = re.compile(r"/articles/([^/?#]+)/quotes/([^/?#]+)/?")


@router.get(
    "/oembed",
    responses={404: {"model": ErrorOut,
                     "description": "not a quote page of this site, or no such quote"}},
)
def oembed(
    session: SessionDep, links: LinksDep,
    url: Annotated[str, Query(min_length=1, max_length=2000,
                              description="a quote's permalink")],
    format: Annotated[Literal["json"], Query(description="only json is served")] = "json",
    maxwidth: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    maxheight: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> JSONResponse:
    """oEmbed (``rich``) for a quote permalink: a blockquote with its attribution, no script.

    As the oEmbed spec has it, a URL this provider has nothing for is a 404 (with the reason);
    a missing ``url`` or a ``format`` other than json is a 422 like every bad parameter.
    """
    parts, public = urlsplit(url), urlsplit(links.public_url)
    if (parts.scheme, parts.netloc) != (public.scheme, public.netloc):
        raise HTTPException(404, f"not a page of this site: quote pages are on {links.public_url}")
    match = _QUOTE_PATH.fullmatch(parts.path.removeprefix(public.path.rstrip("/")))
    if match is None:
        raise HTTPException(404, "not a quote page: /articles/<slug>/quotes/<id>")
    slug, quote_id = unquote(match[1]), unquote(match[2])
    article = repo.get_article(session, slug)
    quote = repo.get_quote(session, article.id, quote_id) if article is not None else None
    if article is None or quote is None or quote_card(article, quote) is None:
        raise HTTPException(404, "no quote to embed at that url")
    width = min(EMBED_WIDTH, maxwidth or EMBED_WIDTH)
    lines = len(shorten(quote.text, EMBED_MAX_CHARS)) // 60 + 3  # about 60 characters a line
    height = min(maxheight or 10_000, 60 + 24 * lines)
    payload: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "provider_name": SITE_NAME,
        "provider_url": links.absolute(links.home()),
        "title": share_title(quote),
        "author_name": speaker_name(quote),
        "html": str(embed_html(links, article, quote)),
        "width": width,
        "height": height,
        "cache_age": CARD_MAX_AGE,
    }
    if quote.speaker is not None:
        payload["author_url"] = links.absolute(links.entity(article.slug, quote.speaker.id))
    image = card_url(links, article, quote)
    if image is not None and (maxwidth is None or maxwidth >= WIDTH):
        payload |= {"thumbnail_url": image, "thumbnail_width": WIDTH, "thumbnail_height": HEIGHT}
    return JSONResponse(payload)


def embed_html(links: Links, article: Article, quote: Quote) -> Markup:
    """A blockquote a CMS can paste: the words, who said them, where; every value escaped."""
    permalink = links.absolute(links.quote(article.slug, quote.id))
    speaker = speaker_name(quote)
    if quote.speaker is not None:
        who = Markup('<a href="{}">{}</a>').format(
            links.absolute(links.entity(article.slug, quote.speaker.id)), speaker)
    else:
        who = Markup("{}").format(speaker)
    return Markup(
        '<blockquote class="newsreader-quote" cite="{}"><p>“{}”</p>'
        '<footer>— {}, in <cite><a href="{}">{}</a></cite></footer></blockquote>'
    ).format(permalink, shorten(quote.text, EMBED_MAX_CHARS), who, permalink, article.title)
