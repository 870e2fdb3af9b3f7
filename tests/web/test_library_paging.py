"""The home page lists the library 25 articles a page, newest first (published date, then
added), alone or filtered by an entity; its JSON twin pages the same; a page past the last is
a 404 with the reason, never an empty page saying the library is empty."""

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from app.ingest.service import ArticleInput, prepare, store
from app.nlp.types import ExtractedEntity, Extraction, MentionSpan

DATED = 26  # and one undated: 27 articles, two pages


def _extraction(text: str) -> Extraction:
    group = text.index("Islamic State")
    town = re.search(r"Town\w+", text)
    assert town is not None
    return Extraction(
        [ExtractedEntity("actor:islamic state", "Islamic State", "actor", "armed group", [],
                         [MentionSpan(group, group + 13, "Islamic State")]),
         ExtractedEntity(f"location:{town[0].lower()}", town[0], "location", "town", [],
                         [MentionSpan(town.start(), town.end(), town[0])])],
        [], [(0, len(text))])


def _put(factory: sessionmaker[Session], slug: str, published: date | None) -> None:
    text = f"Islamic State fighters attacked Town{slug.title().replace('-', '')} at dawn."
    item = ArticleInput(text, slug, published=published)
    normalised, slug, title = prepare(item)
    with session_scope(factory) as session:
        store(session, item, normalised, slug, title, _extraction(normalised.text))


@pytest.fixture
def many(client: TestClient, session_factory: sessionmaker[Session]) -> list[str]:
    """Slugs newest first, as the home page must list them."""
    _put(session_factory, "undated", None)
    for day in range(1, DATED):
        _put(session_factory, f"day-{day:02d}", date(2015, 5, day))
    # Added last, published the same day as day-25: the one added later comes first.
    _put(session_factory, "day-25-later", date(2015, 5, DATED - 1))
    return (["day-25-later"] + [f"day-{d:02d}" for d in range(DATED - 1, 0, -1)]
            + ["undated"])


def _listed(html: str) -> list[str]:
    return re.findall(r'<li><a href="/articles/([^"]+)">', html)


def test_the_home_page_pages_25_newest_first(client: TestClient, many: list[str]) -> None:
    first = client.get("/")
    assert first.status_code == 200
    assert _listed(first.text) == many[:25]
    assert "27 articles" in first.text and "Page 1 of 2" in first.text
    assert 'href="/?page=2" rel="next"' in first.text and 'rel="prev"' not in first.text
    second = client.get("/", params={"page": 2})
    assert _listed(second.text) == many[25:] == ["day-01", "undated"]
    assert 'href="/" rel="prev"' in second.text and 'rel="next"' not in second.text
    twin = client.get("/api/library/articles", params={"limit": 25, "offset": 25}).json()
    assert twin["total"] == 27 and [a["slug"] for a in twin["items"]] == many[25:]
    assert 'href="/api/library/articles?limit=25&amp;offset=25"' in second.text


def test_a_page_past_the_last_is_not_found_with_the_reason(client: TestClient,
                                                           many: list[str]) -> None:
    past = client.get("/", params={"page": 3}, headers={"Accept": "text/html"})
    assert past.status_code == 404
    assert "There is no page 3: the list has 2 pages." in past.text
    assert "No article has been ingested yet" not in past.text
    group = client.get("/api/entities", params={"q": "Islamic State"}).json()["items"][0]["id"]
    assert client.get("/", params={"entity": group, "page": 3}).status_code == 404
    assert client.get("/entities", params={"page": 2}).status_code == 404, "28 fit on one"
    assert client.get(f"/entities/{group}", params={"page": 2}).status_code == 404
    assert client.get("/library/corrections", params={"page": 2}).status_code == 404


def test_the_filtered_list_pages_and_keeps_its_filter(client: TestClient,
                                                      many: list[str]) -> None:
    group = client.get("/api/entities", params={"q": "Islamic State"}).json()["items"][0]
    assert group["article_count"] == 27
    first = client.get("/", params={"entity": group["id"]})
    assert _listed(first.text) == many[:25]
    assert f'href="/?entity={group["id"]}&amp;page=2" rel="next"' in first.text
    second = client.get("/", params={"entity": group["id"], "page": 2})
    assert _listed(second.text) == many[25:]
    town = client.get("/api/entities", params={"q": "TownDay07"}).json()["items"][0]["id"]
    only = client.get("/", params={"entity": town})
    assert _listed(only.text) == ["day-07"] and "Page 1 of" not in only.text


def test_a_bad_page_or_entity_in_the_address_is_a_page_with_the_reason(
    client: TestClient,
) -> None:
    html = {"Accept": "text/html,application/xhtml+xml"}
    for params, reason in (({"page": 0}, "page (in the address): Input should be greater"),
                           ({"entity": "abc"}, "entity (in the address): Input should be a "
                                               "valid integer")):
        page = client.get("/", params=params, headers=html)
        assert page.status_code == 422
        assert page.headers["content-type"].startswith("text/html")
        assert reason in page.text and "<h1>" in page.text
    twin = client.get("/api/library/articles", params={"entity": "abc"}, headers=html)
    assert twin.status_code == 422 and twin.json()["detail"][0]["loc"] == ["query", "entity"]
    assert client.get("/", params={"page": 0}).json()["detail"][0]["loc"] == ["query", "page"]
