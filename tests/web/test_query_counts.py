"""No N+1 queries: the SQL statements a page or endpoint runs do not grow with the number of
entities, mentions, roles or quotes in the article."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.nlp.types import ExtractedEntity, ExtractedQuote, Extraction, MentionSpan, RoleFact
from tests.web.conftest import store_text

HTML = {"Accept": "text/html"}
# A generous fixed ceiling: what matters most is that it is the same for 2 and 25 entities.
MAX_STATEMENTS = 16


def article(n: int) -> str:
    return "\n\n".join(
        f"Person{i} of Unit{i} arrived in Place{i} on Monday. "
        f"“We will hold Place{i} for as long as it takes,” Person{i} said."
        for i in range(n)
    )


def extraction(text: str) -> Extraction:
    entities: list[ExtractedEntity] = []
    quotes: list[ExtractedQuote] = []
    sentences: list[tuple[int, int]] = []
    pos = 0
    for i, para in enumerate(text.split("\n\n")):
        def spans(needle: str, para: str = para, pos: int = pos) -> list[MentionSpan]:
            found, j = [], para.find(needle)
            while j != -1:
                found.append(MentionSpan(pos + j, pos + j + len(needle), needle))
                j = para.find(needle, j + 1)
            return found

        first_end = pos + para.index("Monday.") + len("Monday.")
        sentences += [(pos, first_end), (first_end + 1, pos + len(para))]
        entities += [
            ExtractedEntity(f"actor:person{i}", f"Person{i}", "actor", "person", [],
                            spans(f"Person{i}"),
                            [RoleFact("member", f"unit:unit{i}", f"Unit{i}", pos, first_end)]),
            ExtractedEntity(f"unit:unit{i}", f"Unit{i}", "unit", "police", [], spans(f"Unit{i}")),
            ExtractedEntity(f"location:place{i}", f"Place{i}", "location", "city", [],
                            spans(f"Place{i}")),
        ]
        words = f"We will hold Place{i} for as long as it takes,"
        q = pos + para.index(words)
        quotes.append(ExtractedQuote(q, q + len(words), words, "direct", f"actor:person{i}", None))
        pos += len(para) + 2
    return Extraction(entities, quotes, sentences)


@contextmanager
def counting(engine: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def sized(client: TestClient, session_factory: Any) -> TestClient:
    for n in (2, 25):
        store_text(session_factory, article(n), f"n{n}", build=extraction)
    return client


def entity_id(client: TestClient, slug: str) -> int:
    entities = client.get(f"/api/articles/{slug}/entities").json()
    return next(e["id"] for e in entities if e["type"] == "unit")  # a member points at it


def quote_id(client: TestClient, slug: str) -> str:
    return client.get(f"/api/articles/{slug}/quotes").json()[0]["id"]


URLS = [
    ("/articles/{slug}", HTML),
    ("/articles/{slug}?quote={quote}", HTML),
    ("/articles/{slug}/entities/{entity}", HTML),
    ("/articles/{slug}/quotes", HTML),
    ("/articles/{slug}/quotes/{quote}", HTML),
    ("/", HTML),
    ("/api/articles", {}),
    ("/api/articles/{slug}", {}),
    ("/api/articles/{slug}/entities", {}),
    ("/api/articles/{slug}/entities/{entity}", {}),
    ("/api/articles/{slug}/mentions", {}),
    ("/api/articles/{slug}/quotes", {}),
    ("/api/articles/{slug}/quotes/{quote}", {}),
    ("/api/articles/{slug}/sentences", {}),
    ("/api/articles/{slug}/annotations", {}),
]


@pytest.mark.parametrize(("template", "headers"), URLS)
def test_statements_do_not_grow_with_the_article(sized: TestClient, template: str,
                                                 headers: dict[str, str]) -> None:
    engine = sized.app.state.engine  # type: ignore[attr-defined]
    counts = {}
    for slug in ("n2", "n25"):
        url = template.format(slug=slug, entity=entity_id(sized, slug), quote=quote_id(sized, slug))
        sized.app.state.responses.entries.clear()  # type: ignore[attr-defined]  # built here
        with counting(engine) as statements:
            response = sized.get(url, headers=headers)
        assert response.status_code == 200, (url, response.text[:300])
        counts[slug] = len(statements)
    assert counts["n2"] == counts["n25"], (template, counts)
    assert counts["n25"] <= MAX_STATEMENTS, (template, counts)


def test_the_big_article_really_is_bigger(sized: TestClient) -> None:
    small = sized.get("/api/articles/n2/entities").json()
    big = sized.get("/api/articles/n25/entities").json()
    assert len(small) == 6 and len(big) == 75
    assert all(e["mentions"] for e in big)
    assert sum(len(e["roles"]) for e in big) == 25
    assert all(q["speaker_id"] for q in sized.get("/api/articles/n25/quotes").json())


# Round trips of the library's pages, each a SELECT (what a PostgreSQL server costs most):
# the entity with its names, the library's size, whether a correction names it and the
# editors' merges in one, a timeline page with its mention counts in one, its roles and quotes
# in one, co-mentions (the editors' notes only when a correction names the entity). The
# directory with ``q``: the library's size and ``q``'s terms (counted no further than the
# choice needs) to choose between walking the directory's index and sorting the matches, then
# the page with its aliases; its total (bounded) only when the page is full, a short page
# being the last.
LIBRARY_URLS = [
    ("/entities/{library}", HTML, 4),
    ("/api/entities/{library}", {}, 4),
    ("/api/entities?q=person", {}, 3),
    ("/api/entities?q=person&limit=5", {}, 4),
]


@pytest.mark.parametrize(("template", "headers", "most"), LIBRARY_URLS)
def test_library_pages_take_few_round_trips(sized: TestClient, template: str,
                                            headers: dict[str, str], most: int) -> None:
    engine = sized.app.state.engine  # type: ignore[attr-defined]
    library = sized.get("/api/entities?q=person1").json()["items"][0]["id"]
    url = template.format(library=library)
    sized.app.state.responses.entries.clear()  # type: ignore[attr-defined]
    with counting(engine) as statements:
        response = sized.get(url, headers=headers)
    assert response.status_code == 200, (url, response.text[:300])
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= most, (url, selects)


def test_the_article_page_takes_five_round_trips(sized: TestClient) -> None:
    """The article with its paragraphs, sentences and quotes in two; its entities, mentions and
    roles in three (what the first request after a new revision waits for)."""
    engine = sized.app.state.engine  # type: ignore[attr-defined]
    sized.app.state.responses.entries.clear()  # type: ignore[attr-defined]
    with counting(engine) as statements:
        response = sized.get("/articles/n25", headers=HTML)
    assert response.status_code == 200 and 'class="quote"' in response.text
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 5, selects


def test_the_directory_total_counts_past_its_page(sized: TestClient) -> None:
    """The total is the same on any page, and past the last one."""
    first = sized.get("/api/entities?q=person&limit=5").json()
    assert first["total"] == 27 and len(first["items"]) == 5  # Person0..1 and Person0..24
    assert first["total_exact"] is True
    assert sized.get("/api/entities?q=person&limit=5&offset=25").json()["total"] == 27
    past = sized.get("/api/entities?q=person&limit=5&offset=100").json()
    assert past == {"total": 27, "total_exact": True, "items": []}
    assert sized.get("/api/entities?q=nobody").json() == {"total": 0, "total_exact": True,
                                                           "items": []}
