"""Sharing in other clients: share cards (og:image), oEmbed, and the Host header."""

import io
import json
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote as urlquote

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageChops

from app.nlp.types import ExtractedEntity, ExtractedQuote, Extraction, MentionSpan, RoleFact
from app.settings import Settings
from app.web.cards import FONTS, WIDTH, font, render_card
from app.web.presenters.share import TITLE_MAX_CHARS, QuoteCard
from tests.web.conftest import SAMPLE

# A speaker with a transliterated name, a long quote, a partial quote and a scare-quoted term.
TEXT = (
    "Fighters entered the city on Sunday.\n\n"
    "“The tribes of Anbar have been abandoned by everyone who promised to stand with them "
    "when the fighting came to our streets,” said Sheikh Ḥamīd al-Ṭāʾī, a spokesman for the "
    "Albu Ṣāliḥ tribe. Officials called the withdrawal “tactical” on Monday.\n\n"
    "A police officer said the attackers had used “hundreds” of bombs in the assault."
)


def build(text: str) -> Extraction:
    def span(needle: str) -> MentionSpan:
        i = text.index(needle)
        return MentionSpan(i, i + len(needle), needle)

    def quote(words: str, kind: str, speaker: str | None, description: str | None
              ) -> ExtractedQuote:
        i = text.index(words)
        return ExtractedQuote(i, i + len(words), words, kind, speaker, description)

    sentence = text.index("“The tribes"), text.index(" Officials")
    return Extraction(
        entities=[
            ExtractedEntity("actor:hamid", "Ḥamīd al-Ṭāʾī", "actor", "person", [],
                            [span("Sheikh Ḥamīd al-Ṭāʾī")],
                            [RoleFact("spokesman", "actor:albu salih", "the Albu Ṣāliḥ tribe",
                                      *sentence)]),
            ExtractedEntity("actor:albu salih", "Albu Ṣāliḥ", "actor", "tribe", [],
                            [span("the Albu Ṣāliḥ tribe")]),
        ],
        quotes=[
            quote(TEXT[TEXT.index("The tribes") : TEXT.index(",” said") + 1], "direct",
                  "actor:hamid", None),
            quote("tactical", "term", None, None),
            quote("hundreds", "partial", None, "a police officer"),
        ],
        sentences=[(0, 36), sentence, (text.index("Officials"), text.index("Monday.") + 7),
                   (text.index("A police"), len(text))],
    )


@pytest.fixture
def shared(client: TestClient, store_article) -> TestClient:  # type: ignore[no-untyped-def]
    store_article(TEXT, "tribes", build=build, published=date(2015, 5, 17),
                  title="Tribes of Anbar")
    store_article(SAMPLE, "sample")
    return client


def quotes_by_kind(client: TestClient) -> dict[str, dict[str, Any]]:
    return {q["kind"]: q for q in client.get("/api/articles/tribes/quotes").json()}


class Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content", "")
        if tag == "link":
            self.links.append(a)


def head(client: TestClient, url: str) -> Head:
    parser = Head()
    parser.feed(client.get(url).text)
    return parser


# ---- cards --------------------------------------------------------------------------------


def test_the_card_font_has_every_transliteration_diacritic() -> None:
    for name in ("DejaVuSerif.ttf", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        face = font(name, 40)
        missing = face.getmask("\ue000")  # a private-use character: the "no glyph" box

        def drawn(c: str, face: Any = face) -> bytes:
            return bytes(face.getmask(c))

        for c in "āīūḥṣḍṭẓʿʾĀĪŪḤṢḌṬẒ":
            assert drawn(c) != bytes(missing), (name, c)
    assert (FONTS / "LICENSE-DejaVu.txt").read_text().count("Bitstream") > 1


def card_image(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1200, 630)
    return image.convert("RGB")


def test_a_card_draws_its_text_and_long_quotes_stay_inside() -> None:
    card = QuoteCard("We will hold the bridge.", True, "Ḥamīd al-Ṭāʾī", "Spokesman, Albu Ṣāliḥ",
                     "Tribes of Anbar", date(2015, 5, 17))
    image = card_image(render_card(card))
    blank = card_image(render_card(QuoteCard("", True, "", None, "", None)))
    assert ImageChops.difference(image, blank).getbbox() is not None
    long = QuoteCard(" ".join(["The fighters came from the desert at night."] * 40), True,
                     "A resident", None, "T" * 300, None)
    drawn = card_image(render_card(long))
    # The bottom margin is bare paper: the text was fitted and cut, not drawn off the card.
    assert len(drawn.crop((20, 612, WIDTH, 630)).getcolors() or []) == 1


def test_the_quote_page_card_is_a_png_cached_with_an_etag(shared: TestClient) -> None:
    direct = quotes_by_kind(shared)["direct"]
    meta = head(shared, direct["url"]).meta
    image_url = meta["og:image"]
    assert image_url.startswith("http://127.0.0.1:8000/articles/tribes/quotes/")
    path = image_url.removeprefix("http://127.0.0.1:8000")
    first = shared.get(path)
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    card_image(first.content)
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    again = shared.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    assert shared.app.state.card_cache.renders == 1  # type: ignore[attr-defined]
    shared.get(path)
    assert shared.app.state.card_cache.renders == 1  # type: ignore[attr-defined]
    # The same card from the HEAD a crawler may send first.
    assert shared.head(path).headers["content-type"] == "image/png"


def test_a_revision_that_changes_the_card_changes_its_url_and_etag(
    shared: TestClient, store_article  # type: ignore[no-untyped-def]
) -> None:
    direct = quotes_by_kind(shared)["direct"]
    before = head(shared, direct["url"]).meta["og:image"]
    etag = shared.get(before.removeprefix("http://127.0.0.1:8000")).headers["etag"]
    store_article(TEXT.replace("Fighters entered", "Militants entered"), "tribes", build=build,
                  published=date(2015, 5, 18), title="Tribes of Anbar")
    direct = quotes_by_kind(shared)["direct"]
    after = head(shared, direct["url"]).meta["og:image"]
    assert after != before
    response = shared.get(after.removeprefix("http://127.0.0.1:8000"),
                          headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["etag"] != etag


def test_quote_pages_carry_large_card_meta_with_a_short_title(shared: TestClient) -> None:
    for kind in ("direct", "partial"):
        q = quotes_by_kind(shared)[kind]
        meta = head(shared, q["url"]).meta
        assert meta["twitter:card"] == "summary_large_image"
        assert meta["og:site_name"] == "Annotated news reader"
        assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
        assert q["text"][:20] in meta["og:image:alt"]
        assert len(meta["og:title"]) <= TITLE_MAX_CHARS
    direct = head(shared, quotes_by_kind(shared)["direct"]["url"]).meta
    assert direct["og:title"].startswith("Ḥamīd al-Ṭāʾī: “The tribes of Anbar")
    assert direct["og:title"].endswith("…”")


def test_a_partial_quote_card_shows_its_sentence(shared: TestClient) -> None:
    from app.web.presenters.share import quote_card

    partial = quotes_by_kind(shared)["partial"]
    assert partial["text"] == "hundreds"
    with shared.app.state.session_factory() as session:  # type: ignore[attr-defined]
        from app import repository as repo

        article = repo.get_article(session, "tribes")
        assert article is not None
        quote = repo.get_quote(session, article.id, partial["id"])
        assert quote is not None
        card = quote_card(article, quote)
    assert card is not None and not card.quoted
    assert card.text == ("A police officer said the attackers had used “hundreds” of bombs in "
                         "the assault.")
    assert card.speaker == "A police officer"


def test_a_scare_quoted_term_gets_no_card_and_no_embed(shared: TestClient) -> None:
    term = quotes_by_kind(shared)["term"]
    page = head(shared, term["url"])
    assert "og:image" not in page.meta and page.meta["twitter:card"] == "summary"
    assert not [link for link in page.links if "oembed" in link.get("type", "")]
    assert shared.get(term["url"] + "/card.png").status_code == 404
    permalink = "http://127.0.0.1:8000" + term["url"]
    assert shared.get("/oembed", params={"url": permalink}).status_code == 404


def test_card_errors_are_clear(shared: TestClient) -> None:
    assert shared.get("/articles/tribes/quotes/nope/card.png").status_code == 404
    assert shared.get("/articles/nope/quotes/x/card.png").status_code == 404


# ---- oEmbed -------------------------------------------------------------------------------


def test_oembed_is_discoverable_and_returns_a_script_free_blockquote(shared: TestClient) -> None:
    direct = quotes_by_kind(shared)["direct"]
    links = [link for link in head(shared, direct["url"]).links
             if link.get("type") == "application/json+oembed"]
    assert len(links) == 1
    endpoint = links[0]["href"]
    permalink = "http://127.0.0.1:8000" + direct["url"]
    assert endpoint == ("http://127.0.0.1:8000/oembed?url=" + urlquote(permalink, safe="")
                        + "&format=json")
    response = shared.get(endpoint.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    doc = response.json()
    assert doc["version"] == "1.0" and doc["type"] == "rich"
    assert isinstance(doc["width"], int) and isinstance(doc["height"], int)
    assert doc["author_name"] == "Ḥamīd al-Ṭāʾī"
    assert doc["thumbnail_url"].endswith(
        head(shared, direct["url"]).meta["og:image"].split("/quotes/")[1])
    html = doc["html"]
    assert html.startswith("<blockquote") and "<script" not in html.lower()
    assert f'<a href="{permalink}">Tribes of Anbar</a>' in html
    assert "on" not in re.findall(r"<[a-z]+ ([a-z]+)=", html)
    assert shared.get("/oembed", params={"url": permalink, "maxwidth": 300}).json()["width"] == 300


def test_oembed_escapes_what_it_embeds(client: TestClient, store_article) -> None:  # type: ignore[no-untyped-def]
    hostile = SAMPLE.replace("We will hold the bridge", "We <script>x()</script> & \"hold\"")
    store_article(hostile, "hostile", title="<b>Bold</b> & co",
                  build=lambda t: Extraction([], [ExtractedQuote(
                      t.index("We <"), t.index("reinforcements arrive,") + 22,
                      t[t.index("We <"):t.index("reinforcements arrive,") + 22], "direct",
                      None, "a <i>source</i>")], []))
    q = client.get("/api/articles/hostile/quotes").json()[0]
    doc = client.get("/oembed", params={"url": "http://127.0.0.1:8000" + q["url"]}).json()
    assert "<script>" not in doc["html"] and "&lt;script&gt;" in doc["html"]
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in doc["html"]
    assert "&lt;i&gt;source&lt;/i&gt;" in doc["html"]
    json.dumps(doc)


@pytest.mark.parametrize(("params", "status"), [
    ({}, 422),
    ({"url": ""}, 422),
    ({"url": "https://evil.example/articles/tribes/quotes/x"}, 404),
    ({"url": "https://127.0.0.1:8000/articles/tribes/quotes/x"}, 404),
    ({"url": "http://127.0.0.1:8000/articles/tribes"}, 404),
    ({"url": "http://127.0.0.1:8000/articles/tribes/quotes/nope"}, 404),
    ({"url": "http://127.0.0.1:8000/articles/nope/quotes/x"}, 404),
    ({"url": "not a url at all"}, 404),
    ({"url": "http://127.0.0.1:8000/articles/tribes/quotes/x", "format": "xml"}, 422),
    ({"url": "http://127.0.0.1:8000/articles/tribes/quotes/x", "maxwidth": "-3"}, 422),
])
def test_oembed_refuses_bad_urls_with_a_reason(shared: TestClient, params: dict[str, str],
                                               status: int) -> None:
    response = shared.get("/oembed", params=params)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


# ---- PUBLIC_URL and ALLOWED_HOSTS ------------------------------------------------------------


def test_allowed_hosts_default_to_the_public_url_host_and_loopback() -> None:
    assert Settings(public_url="https://news.example").allowed_hosts == [
        "news.example", "localhost", "127.0.0.1"]
    assert Settings(allowed_hosts="a.example, *.b.example").allowed_hosts == [  # type: ignore[arg-type]
        "a.example", "*.b.example"]
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        Settings(public_url="news.example")


def test_a_foreign_host_is_refused_and_cannot_change_any_url(shared: TestClient) -> None:
    direct = quotes_by_kind(shared)["direct"]
    urls = ["/", "/articles/tribes", "/articles/tribes/quotes", direct["url"],
            "/api/articles/tribes/annotations", "/api/articles/tribes/annotations?page=0",
            "/oembed?url=" + urlquote("http://127.0.0.1:8000" + direct["url"], safe="")]
    for url in urls:
        for evil in ({"Host": "evil.example"}, {"Host": "evil.example:8000"},
                     {"Host": "127.0.0.1.evil.example"}):
            response = shared.get(url, headers=evil)
            assert response.status_code == 400, (url, evil)
            assert "evil" not in response.text
        # Headers that proxies set do not change URLs either.
        forwarded = {"X-Forwarded-Host": "evil.example", "Forwarded": "host=evil.example",
                     "X-Forwarded-Proto": "https"}
        body = shared.get(url, headers=forwarded).text
        assert "evil.example" not in body and "https://" not in body.replace(
            "https://dejavu", ""), url


def test_every_absolute_url_the_app_writes_starts_with_public_url(
    store_article, db_url: str  # type: ignore[no-untyped-def]
) -> None:
    from app.web.app import create_app

    store_article(TEXT, "tribes", build=build, published=date(2015, 5, 17))
    settings = Settings(database_url=db_url, public_url="https://news.example/reader",
                        allowed_hosts=["localhost"])
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        direct = quotes_by_kind(client)["direct"]
        pages = [client.get(u).text for u in (
            "/articles/tribes", direct["url"], "/api/articles/tribes/annotations",
            "/api/articles/tribes/annotations?page=0")]
        pages.append(client.get("/oembed", params={
            "url": "https://news.example/reader" + direct["url"]}).text)
        absolute = {u for page in pages for u in re.findall(r"https?://[^\s\"'<>\\]+", page)
                    if "w3.org" not in u}
        assert absolute
        assert all(u.startswith("https://news.example/reader/") for u in absolute), absolute
