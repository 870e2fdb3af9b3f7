"""Every URL the app hands out, in one place.

Templates get an instance as ``url`` and the JSON routes as ``LinksDep``; nothing else
builds a path. Paths are relative to the site; ``absolute`` prefixes the configured
``PUBLIC_URL`` (never the request's Host header, which any client can set).
"""

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import quote, urlencode

from app.models import Article
from app.repository import ArticleText
from app.web.anchor import PassageSelector
from app.web.fragments import article_blocks, text_fragment


@lru_cache(maxsize=8192)  # an article page asks for its own slug's path hundreds of times
def _seg(value: str | int) -> str:
    """One path segment, percent-encoded (a slash in it must not start a new segment)."""
    return quote(str(value), safe="")


def _plain_static(path: str) -> str:
    return f"/static/{path.lstrip('/')}"


class Links:
    def __init__(self, public_url: str,
                 static_url: Callable[[str], str] = _plain_static) -> None:
        self.public_url = public_url.rstrip("/")
        # The app passes StaticAssets.url: file names with a fingerprint of their content.
        self._static_url = static_url

    def absolute(self, path: str) -> str:
        return self.public_url + path

    # Pages
    def home(self, entity: int | None = None, page: int = 1) -> str:
        query = {k: v for k, v in (("entity", entity), ("page", page if page > 1 else None))
                 if v is not None}
        return "/" + (f"?{urlencode(query)}" if query else "")

    def library(self, q: str | None = None, type_: str | None = None, page: int = 1) -> str:
        """The directory of library entities."""
        query = {k: v for k, v in (("q", q or None), ("type", type_ or None),
                                    ("page", page if page > 1 else None)) if v is not None}
        return "/entities" + (f"?{urlencode(query)}" if query else "")

    def library_entity(self, library_id: int, page: int = 1) -> str:
        return f"/entities/{library_id}" + (f"?page={page}" if page > 1 else "")

    def search(self, q: str | None = None) -> str:
        return "/search" + (f"?{urlencode({'q': q})}" if q else "")

    def article(self, slug: str) -> str:
        return f"/articles/{_seg(slug)}"

    def mention(self, slug: str, mention_id: int) -> str:
        return f"{self.article(slug)}#m-{mention_id}"

    def entity(self, slug: str, entity_id: int) -> str:
        return f"{self.article(slug)}/entities/{entity_id}"

    def quotes(self, slug: str) -> str:
        return f"{self.article(slug)}/quotes"

    def quote(self, slug: str, quote_id: str) -> str:
        return f"{self.quotes(slug)}/{_seg(quote_id)}"

    def quote_card(self, slug: str, quote_id: str, version: str = "") -> str:
        """The quote's share card image; ``version`` changes whenever the card does."""
        path = f"{self.quote(slug, quote_id)}/card.png"
        return f"{path}?{urlencode({'v': version})}" if version else path

    def oembed(self, url: str) -> str:
        return f"/oembed?{urlencode({'url': url, 'format': 'json'})}"

    def quote_in_context(self, slug: str, quote_id: str) -> str:
        return f"{self.article(slug)}?{urlencode({'quote': quote_id})}#q-{_seg(quote_id)}"

    def passage(self, article: Article | ArticleText, start: int, end: int) -> str:
        """The article opened on ``text[start:end]``, resolved server-side from a selector."""
        query = PassageSelector.for_range(article.text, start, end).to_query()
        return f"{self.article(article.slug)}?{query}#passage"

    def text_fragment(self, article: Article, start: int, end: int) -> str:
        """The article with a browser text fragment (``#:~:text=``) for ``text[start:end]``."""
        spans = [(p.start, p.end, p.kind) for p in article.paragraphs]
        blocks = article_blocks(article.text, article.title, spans)
        return self.article(article.slug) + text_fragment(blocks, start, end)

    def static(self, path: str) -> str:
        """A static file's URL; under the app, fingerprinted so it can be cached for good."""
        return self._static_url(path)

    def docs(self) -> str:
        return "/docs"

    def login(self, next_path: str | None = None) -> str:
        return "/login" + (f"?{urlencode({'next': next_path})}" if next_path else "")

    def logout(self) -> str:
        return "/logout"

    def new_article(self) -> str:
        return "/articles/new"

    def delete_article(self, slug: str) -> str:
        return f"{self.article(slug)}/delete"

    def batch(self, batch_id: str) -> str:
        return f"/batches/{_seg(batch_id)}"

    def api_batch(self, batch_id: str) -> str:
        return f"/api/batches/{_seg(batch_id)}"

    def api_job(self, job_id: str) -> str:
        return f"/api/jobs/{_seg(job_id)}"

    # JSON
    def api_articles(self) -> str:
        return "/api/articles"

    def api_article(self, slug: str) -> str:
        return f"{self.api_articles()}/{_seg(slug)}"

    def api_entities(self, slug: str) -> str:
        return f"{self.api_article(slug)}/entities"

    def api_entity(self, slug: str, entity_id: int) -> str:
        return f"{self.api_entities(slug)}/{entity_id}"

    def api_quotes(self, slug: str) -> str:
        return f"{self.api_article(slug)}/quotes"

    def corrections(self, slug: str) -> str:
        return f"{self.article(slug)}/corrections"

    def api_corrections(self, slug: str) -> str:
        return f"{self.api_article(slug)}/corrections"

    def api_correction(self, slug: str, correction_id: int) -> str:
        return f"{self.api_corrections(slug)}/{correction_id}"

    def api_library(self) -> str:
        return "/api/entities"

    def api_library_entity(self, library_id: int) -> str:
        return f"/api/entities/{library_id}"

    def api_library_articles(self, entity: int | None = None, limit: int = 25,
                             offset: int = 0) -> str:
        """The home page's JSON twin: articles newest first, of one library entity or all."""
        query = {"limit": limit, "offset": offset} | ({"entity": entity} if entity else {})
        return f"/api/library/articles?{urlencode(query)}"

    def api_library_merge(self, library_id: int) -> str:
        return f"/api/entities/{library_id}/merge"

    def api_library_detach(self, library_id: int) -> str:
        return f"/api/entities/{library_id}/detach"

    def api_library_corrections(self, library_id: int | None = None) -> str:
        if library_id is None:
            return "/api/library/corrections"
        return f"/api/entities/{library_id}/corrections"

    def api_library_correction(self, correction_id: int) -> str:
        return f"/api/library/corrections/{correction_id}"

    def library_merge(self, library_id: int) -> str:
        return f"/entities/{library_id}/merge"

    def library_detach(self, library_id: int) -> str:
        return f"/entities/{library_id}/detach"

    def library_corrections(self) -> str:
        return "/library/corrections"

    def library_undo(self, correction_id: int) -> str:
        return f"/library/corrections/{correction_id}/undo"

    def api_search(self, q: str | None = None) -> str:
        return "/api/search" + (f"?{urlencode({'q': q})}" if q else "")

    def api_annotations(self, slug: str) -> str:
        return f"{self.api_article(slug)}/annotations"

    def api_annotation(self, slug: str, key: str) -> str:
        """One annotation on its own (``m-<mention id>`` or ``q-<quote id>``)."""
        return f"{self.api_annotations(slug)}/{_seg(key)}"
