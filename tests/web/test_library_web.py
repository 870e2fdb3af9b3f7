"""The library over HTTP, in process: /api/entities, /api/search, and their pages."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.ingest.service import ArticleInput, prepare, store
from app.nlp.types import ExtractedEntity, ExtractedQuote, Extraction, MentionSpan, RoleFact

ONE = """Islamic State fighters seized Ramadi on Sunday.

Col. Nasser al-Alwani of the Anbar police said the fighters came from Habbaniyah. \
“We were abandoned by Baghdad,” Nasser al-Alwani said."""

TWO = """Daesh militants shelled Mosul on Monday.

Nasser Alwani said <b>nobody</b> came. Omar al-Alwani said ISIS fighters left Mosul."""


def _spans(text: str, *forms: str) -> list[MentionSpan]:
    found = []
    for form in forms:
        i = text.find(form)
        while i != -1:
            found.append(MentionSpan(i, i + len(form), form))
            i = text.find(form, i + 1)
    return sorted(found, key=lambda m: m.start)


def _one(text: str) -> Extraction:
    quote = "We were abandoned by Baghdad,"
    q = text.index(quote)
    role_start = text.index("Col.")
    role_end = text.index("Habbaniyah.") + len("Habbaniyah.")
    return Extraction(
        [
            ExtractedEntity("actor:islamic state", "Islamic State", "actor", "armed group", [],
                            _spans(text, "Islamic State")),
            ExtractedEntity("location:ramadi", "Ramadi", "location", "city", [],
                            _spans(text, "Ramadi")),
            ExtractedEntity("actor:nasser al-alwani", "Nasser al-Alwani", "actor", "person", [],
                            _spans(text, "Nasser al-Alwani"),
                            [RoleFact("Col.", None, "the Anbar police", role_start, role_end)]),
        ],
        [ExtractedQuote(q, q + len(quote), quote, "direct", "actor:nasser al-alwani", None)],
        [(0, 47), (49, role_end), (role_end + 1, len(text))],
    )


def _two(text: str) -> Extraction:
    return Extraction(
        [
            ExtractedEntity("actor:islamic state", "Daesh", "actor", "armed group", ["ISIS"],
                            _spans(text, "Daesh", "ISIS")),
            ExtractedEntity("location:mosul", "Mosul", "location", "city", [],
                            _spans(text, "Mosul")),
            ExtractedEntity("actor:nasser alwani", "Nasser Alwani", "actor", "person", [],
                            _spans(text, "Nasser Alwani")),
            ExtractedEntity("actor:omar al-alwani", "Omar al-Alwani", "actor", "person", [],
                            _spans(text, "Omar al-Alwani")),
        ],
        [],
        [(0, 40), (42, len(text))],
    )


def _store(factory: sessionmaker[Session], text: str, slug: str, build, published: date  # type: ignore[no-untyped-def]
           ) -> None:
    item = ArticleInput(text, slug, published=published, source=f"https://example.org/{slug}")
    normalised, slug, title = prepare(item)
    with session_scope(factory) as session:
        store(session, item, normalised, slug, title, build(normalised.text))


@pytest.fixture
def library_client(client: TestClient, session_factory: sessionmaker[Session]) -> TestClient:
    _store(session_factory, ONE, "ramadi-falls", _one, date(2015, 5, 17))
    _store(session_factory, TWO, "mosul-shelled", _two, date(2016, 10, 20))
    return client


def _library_id(client: TestClient, name: str) -> int:
    items = client.get("/api/entities", params={"q": name}).json()["items"]
    return next(i["id"] for i in items if i["name"] == name)


def test_the_directory_orders_filters_and_folds(library_client: TestClient) -> None:
    page = library_client.get("/api/entities").json()
    assert page["total"] == 5
    first = page["items"][0]
    assert (first["name"], first["article_count"], first["mention_count"]) == (
        "Islamic State", 2, 3)
    assert set(first["aliases"]) == {"Daesh", "ISIS"}
    assert first["url"] == f"/entities/{first['id']}"
    assert set(first) == {"id", "name", "type", "kind", "aliases", "article_count",
                          "mention_count", "url"}
    for q in ("daesh", "DAESH", "isla", "al-alwani", "Alwani", "nasser al alwani", "Nāsser"):
        names = [i["name"] for i in library_client.get("/api/entities", params={"q": q}
                                                       ).json()["items"]]
        assert names, q
    alwanis = library_client.get("/api/entities", params={"q": "alwani"}).json()
    assert sorted(i["name"] for i in alwanis["items"]) == ["Nasser al-Alwani", "Omar al-Alwani"]
    places = library_client.get("/api/entities", params={"type": "location", "limit": 1}).json()
    assert places["total"] == 2 and len(places["items"]) == 1
    assert library_client.get("/api/entities", params={"type": "planet"}).status_code == 422
    assert library_client.get("/api/entities", params={"q": "---"}).json()["total"] == 0


def test_a_library_entity_and_its_article_entities(library_client: TestClient) -> None:
    nasser = _library_id(library_client, "Nasser al-Alwani")
    detail = library_client.get(f"/api/entities/{nasser}").json()
    assert detail["article_count"] == 2
    assert [a["slug"] for a in detail["articles"]] == ["mosul-shelled", "ramadi-falls"]
    assert detail["articles"][1]["entity_url"].startswith("/articles/ramadi-falls/entities/")
    assert detail["roles"][0]["title"] == "Col." and "Anbar police" in detail["roles"][0][
        "sentence"]
    assert [q["text"] for q in detail["quotes"]] == ["We were abandoned by Baghdad,"]
    assert {c["name"] for c in detail["co_mentioned"]} == {"Islamic State", "Mosul",
                                                          "Omar al-Alwani"}
    entities = library_client.get("/api/articles/ramadi-falls/entities").json()
    by_name = {e["name"]: e for e in entities}
    assert by_name["Nasser al-Alwani"]["library_id"] == nasser
    assert by_name["Nasser al-Alwani"]["library_url"] == f"/entities/{nasser}"
    assert by_name["Nasser al-Alwani"]["library_article_count"] == 2


def test_unknown_and_gone_library_entities(library_client: TestClient,
                                           session_factory: sessionmaker[Session]) -> None:
    ramadi = _library_id(library_client, "Ramadi")
    assert library_client.get("/api/entities/999999").status_code == 404
    assert library_client.get("/api/entities/99999999999").status_code in (404, 422)
    with session_scope(session_factory) as session:
        _delete(session, "ramadi-falls")
    gone = library_client.get(f"/api/entities/{ramadi}")
    assert gone.status_code == 410 and "gone" in gone.json()["detail"]
    assert library_client.get(f"/entities/{ramadi}").status_code == 410
    assert library_client.get("/entities/abc").status_code == 404


def test_search_api(library_client: TestClient) -> None:
    found = library_client.get("/api/search", params={"q": "Daesh"}).json()
    assert found["query"] == "Daesh"
    assert [e["name"] for e in found["entities"]] == ["Islamic State"]
    assert [a["slug"] for a in found["articles"]] == ["mosul-shelled"]
    assert "Daesh" in found["articles"][0]["snippet"]
    assert found["articles_recent_only"] is False and found["quotes_recent_only"] is False
    quotes = library_client.get("/api/search", params={"q": '"abandoned by"'}).json()["quotes"]
    assert quotes[0]["speaker_name"] == "Nasser al-Alwani"
    assert quotes[0]["url"].startswith("/articles/ramadi-falls/quotes/")
    for hostile in ['"', "NEAR(", "-", "*", "\x00", "x" * 10_000, "a" * 999, "OR", "(("]:
        response = library_client.get("/api/search", params={"q": hostile})
        assert response.status_code in (200, 422), (hostile, response.status_code)
        if response.status_code == 422:
            assert response.json()["detail"]


def test_the_home_page_lists_filters_and_links(library_client: TestClient) -> None:
    page = library_client.get("/")
    assert page.status_code == 200
    html = page.text
    assert html.index("Daesh militants") < html.index("Islamic State fighters"), "newest first"
    assert "2016-10-20" in html and "https://example.org/mosul-shelled" in html
    assert 'type="search"' in html and 'action="/search"' in html
    islamic = _library_id(library_client, "Islamic State")
    assert f'href="/entities/{islamic}"' in html
    ramadi = _library_id(library_client, "Ramadi")
    only = library_client.get("/", params={"entity": ramadi}).text
    assert "Islamic State fighters" in only and "Daesh militants shelled" not in only
    twin = library_client.get("/api/library/articles", params={"entity": ramadi}).json()
    assert twin["total"] == 1 and twin["items"][0]["quote_count"] == 1
    assert library_client.get("/", params={"entity": 999999}).status_code == 404


def test_library_pages(library_client: TestClient) -> None:
    directory = library_client.get("/entities", params={"q": "alwani", "type": "actor"})
    assert directory.status_code == 200
    assert "Omar al-Alwani" in directory.text and "Mosul" not in directory.text
    nasser = _library_id(library_client, "Nasser al-Alwani")
    page = library_client.get(f"/entities/{nasser}")
    assert page.status_code == 200
    assert "Timeline" in page.text and "We were abandoned by Baghdad" in page.text
    assert page.text.index("Daesh militants") < page.text.index("Islamic State fighters")
    assert f'href="/api/entities/{nasser}"' in page.text, "the JSON twin is linked"
    article_entity = library_client.get("/api/articles/ramadi-falls/entities").json()
    url = next(e["url"] for e in article_entity if e["name"] == "Nasser al-Alwani")
    assert f'href="/entities/{nasser}"' in library_client.get(url).text


def test_search_page_marks_terms_and_escapes(library_client: TestClient) -> None:
    page = library_client.get("/search", params={"q": "nobody"})
    assert page.status_code == 200
    assert "<mark>nobody</mark>" in page.text
    assert "<b>nobody</b>" not in page.text and "&lt;b&gt;" in page.text
    hostile = library_client.get("/search", params={"q": '<script>alert(1)</script> "'})
    assert hostile.status_code == 200 and "<script>alert(1)" not in hostile.text
    too_long = library_client.get("/search", params={"q": "x" * 2000})
    assert too_long.status_code == 422 and "limit" in too_long.text
    grouped = library_client.get("/search", params={"q": "Alwani"}).text
    assert "Entities" in grouped and "Articles" in grouped


def test_search_says_when_only_the_most_recent_matches_were_ranked(
    library_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.search.CANDIDATES", 1)  # "said" is in both articles
    found = library_client.get("/api/search", params={"q": "said"}).json()
    assert [a["slug"] for a in found["articles"]] == ["mosul-shelled"], "the newer one"
    assert found["articles_recent_only"] is True and found["quotes_recent_only"] is False
    page = library_client.get("/search", params={"q": "said"}).text
    assert "More than 1 articles match: these are the best matches among the most " \
        "recently added." in page
    assert "quotes match" not in page


def _delete(session: Session, slug: str) -> bool:
    """Delete through the one delete service; False when there is no such article."""
    from sqlalchemy import select as _select

    from app.ingest.service import delete_article
    from app.models import Article

    article = session.scalar(_select(Article).where(Article.slug == slug))
    if article is None:
        return False
    delete_article(session, article)
    return True
