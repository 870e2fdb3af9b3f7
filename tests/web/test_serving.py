"""Kept responses (app.web.serving): strong ETags and 304, gzip, Cache-Control, fingerprinted
static files, built once per revision, never stale, never an editor's page."""

import gzip
import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app.ingest.service import delete_article
from app.models import Article
from app.web.serving import accepts_gzip, not_modified
from tests.conftest import only_on
from tests.web.conftest import SAMPLE, sign_in, store_text

PLAIN = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}
KEPT = [
    "/articles/sample", "/articles/sample/quotes", "/api/articles/sample",
    "/api/articles/sample/entities", "/api/articles/sample/quotes", "/api/articles", "/",
    "/entities", "/search?q=Ramadi", "/api/entities", "/api/search?q=Ramadi", "/healthz",
]


@pytest.fixture
def sample(client: TestClient, store_article: Any) -> TestClient:
    store_article(SAMPLE, "sample")
    return client


def builds(client: TestClient) -> int:
    return int(client.app.state.responses.builds)  # type: ignore[attr-defined]


def test_a_page_has_a_strong_etag_and_answers_if_none_match_with_304(
    sample: TestClient,
) -> None:
    first = sample.get("/articles/sample", headers=PLAIN)
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong: no W/
    assert first.headers["cache-control"] == "no-cache"
    again = sample.get("/articles/sample", headers=PLAIN | {"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    weak = sample.get("/articles/sample", headers=PLAIN | {"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    other = sample.get("/articles/sample", headers=PLAIN | {"If-None-Match": '"other"'})
    assert other.status_code == 200 and other.text == first.text


def test_gzip_when_the_client_accepts_it_with_its_own_etag(sample: TestClient) -> None:
    plain = sample.get("/articles/sample", headers=PLAIN)
    assert "content-encoding" not in plain.headers
    packed = sample.get("/articles/sample", headers=GZIP)
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"].lower() == "accept-encoding"
    assert packed.headers["etag"] != plain.headers["etag"]
    assert int(packed.headers["content-length"]) < len(plain.content)
    assert packed.text == plain.text  # httpx decompressed it
    refused = sample.get("/articles/sample", headers={"Accept-Encoding": "gzip;q=0, br"})
    assert "content-encoding" not in refused.headers
    tiny = sample.get("/healthz", headers=GZIP)  # under 1 KB: not worth compressing
    assert "content-encoding" not in tiny.headers and tiny.json() == {"status": "ok"}


def test_the_gzip_body_is_the_page(sample: TestClient) -> None:
    raw = sample.get("/api/articles/sample", headers=GZIP)
    stream = sample.stream("GET", "/api/articles/sample", headers=GZIP)
    with stream as response:
        body = b"".join(response.iter_raw())
    assert gzip.decompress(body) == raw.content


def test_responses_are_built_once_per_revision(sample: TestClient,
                                               session_factory: sessionmaker[Session]) -> None:
    for url in KEPT:
        assert sample.get(url).status_code == 200, url
    built = builds(sample)
    for url in KEPT:
        for headers in (PLAIN, GZIP):
            assert sample.get(url, headers=headers).status_code == 200, url
        assert sample.head(url).status_code == 200
    assert builds(sample) == built
    old = sample.get("/articles/sample", headers=PLAIN)
    store_text(session_factory, SAMPLE.replace("the city was quiet", "the city was calm"),
               "sample")
    new = sample.get("/articles/sample", headers=PLAIN | {"If-None-Match": old.headers["etag"]})
    assert new.status_code == 200 and "the city was calm" in new.text
    assert new.headers["etag"] != old.headers["etag"]
    assert builds(sample) == built + 1


def test_another_article_updates_library_counts_everywhere(
    sample: TestClient, session_factory: sessionmaker[Session]
) -> None:
    entities = sample.get("/api/articles/sample/entities").json()
    rivers = next(e for e in entities if e["name"] == "Sam Rivers")
    page = f"/articles/sample/entities/{rivers['id']}"
    assert "In 1 article<" in sample.get(page).text
    quotes = sample.get("/articles/sample/quotes")
    store_text(session_factory, SAMPLE, "sample-again")
    assert "In 2 articles<" in sample.get(page).text
    again = next(e for e in sample.get("/api/articles/sample/entities").json()
                 if e["id"] == rivers["id"])
    assert again["library_article_count"] == 2
    assert '"library_article_count":2' in sample.get("/articles/sample").text.replace(" ", "")
    assert len(sample.get("/api/articles").json()) == 2
    # The quotes page shows nothing from other articles: still the same response.
    built = builds(sample)
    assert sample.get("/articles/sample/quotes").headers["etag"] == quotes.headers["etag"]
    assert builds(sample) == built


@only_on("postgresql", "the revision check's own connection to a database server")
def test_a_dropped_revision_check_connection_costs_one_uncached_answer(
    sample: TestClient, session_factory: sessionmaker[Session]
) -> None:
    page = sample.get("/articles/sample", headers=PLAIN)
    revs = sample.app.state.revisions  # type: ignore[attr-defined]
    with revs.engine.connect() as conn:  # its one pooled connection, which the checks use
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with session_factory() as session:
        assert session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    built = builds(sample)
    answered = sample.get("/articles/sample", headers=PLAIN)  # the check fails: the app answers
    assert answered.status_code == 200 and answered.text == page.text
    assert "etag" not in answered.headers and builds(sample) == built
    again = sample.get("/articles/sample", headers=PLAIN)  # a new connection: kept again
    assert again.headers["etag"] == page.headers["etag"] and builds(sample) == built


def test_new_details_of_an_unchanged_text_are_served_at_once(
    sample: TestClient, session_factory: sessionmaker[Session]
) -> None:
    assert sample.get("/api/articles/sample").json()["published"] is None
    store_text(session_factory, SAMPLE, "sample", published=date(2015, 5, 17))
    assert sample.get("/api/articles/sample").json()["published"] == "2015-05-17"


def test_a_deleted_article_is_gone_at_once(sample: TestClient,
                                           session_factory: sessionmaker[Session]) -> None:
    assert sample.get("/api/articles/sample").status_code == 200
    assert sample.get("/articles/sample/quotes").status_code == 200
    with session_factory.begin() as session:
        delete_article(session, session.query(Article).filter_by(slug="sample").one())
    assert sample.get("/api/articles/sample").status_code == 404
    assert sample.get("/articles/sample/quotes").status_code == 404
    assert sample.get("/articles/sample").status_code == 404


def test_an_editors_pages_are_never_shared(sample: TestClient) -> None:
    public = sample.get("/articles/sample")
    assert public.headers["cache-control"] == "no-cache"
    sign_in(sample)
    mine = sample.get("/articles/sample", headers={"If-None-Match": public.headers["etag"]})
    assert mine.status_code == 200
    assert mine.headers["cache-control"] == "private, no-store"
    assert "etag" not in mine.headers
    assert 'id="edit-tools"' in mine.text and 'id="edit-tools"' not in public.text
    script = re.search(r'src="(/static/js/edit\.[0-9a-f]{12}\.js)"', mine.text)
    assert script and sample.get(script[1]).status_code == 200  # static: the same for all
    sample.cookies.clear()
    after = sample.get("/articles/sample")
    assert after.headers["etag"] == public.headers["etag"]
    assert 'id="edit-tools"' not in after.text and "csrf" not in after.text.lower()


def test_selectors_in_the_query_are_kept_apart(sample: TestClient) -> None:
    quote = sample.get("/api/articles/sample/quotes").json()[0]["id"]
    whole = sample.get("/articles/sample").text
    marked = sample.get(f"/articles/sample?quote={quote}").text
    assert marked != whole and f'id="q-{quote}"' in marked
    assert sample.get("/articles/sample").text == whole


def test_static_files_are_fingerprinted_and_immutable(sample: TestClient) -> None:
    page = sample.get("/articles/sample").text
    css = re.search(r'href="(/static/css/reader\.[0-9a-f]{12}\.css)"', page)
    script = re.search(r'src="(/static/js/reader\.[0-9a-f]{12}\.js)"', page)
    assert css and script
    for url in (css[1], script[1]):
        response = sample.get(url, headers=GZIP)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["x-content-type-options"] == "nosniff"
    plain = sample.get("/static/js/share.js")  # imported by path from reader.js
    assert plain.headers["cache-control"] == "no-cache"
    assert "javascript" in plain.headers["content-type"]
    assert sample.get("/static/js/share.js",
                      headers={"If-None-Match": plain.headers["etag"]}).status_code == 304
    assert sample.get("/static/js/reader.000000000000.js").status_code == 404
    assert sample.get("/static/nothing.css").status_code == 404


def test_head_is_get_without_the_body(sample: TestClient) -> None:
    head = sample.head("/api/articles/sample/quotes", headers=PLAIN)  # before any GET
    get = sample.get("/api/articles/sample/quotes", headers=PLAIN)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert int(head.headers["content-length"]) == len(get.content)


def test_security_headers_on_every_kind_of_response(sample: TestClient) -> None:
    for url in ("/articles/sample", "/api/articles/sample", "/nothing", "/static/favicon.svg",
                "/articles/sample/corrections", "/login"):
        response = sample.get(url)
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        assert response.headers["x-content-type-options"] == "nosniff", url
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin", url
    docs = sample.get("/docs")
    assert "content-security-policy" not in docs.headers
    assert docs.headers["x-content-type-options"] == "nosniff"


def test_an_unknown_host_is_refused_before_the_cache(sample: TestClient) -> None:
    sample.get("/articles/sample")
    assert sample.get("/articles/sample", headers={"Host": "evil.example"}).status_code == 400


def test_accept_encoding_and_if_none_match_parsing() -> None:
    assert accepts_gzip(b"gzip, deflate, br")
    assert accepts_gzip(b"br;q=1.0, gzip;q=0.8")
    assert accepts_gzip(b"*")
    assert not accepts_gzip(b"gzip;q=0")
    assert not accepts_gzip(b"identity")
    assert not accepts_gzip(b"")
    assert not_modified(b'"a", "b"', b'"b"')
    assert not_modified(b'W/"b"', b'"b"')
    assert not_modified(b"*", b'"b"')
    assert not not_modified(b'"b-gzip"', b'"b"')


def test_no_middleware_wraps_responses_in_python_objects(client: TestClient) -> None:
    from starlette.middleware.base import BaseHTTPMiddleware

    stack = client.app.user_middleware  # type: ignore[attr-defined]
    assert stack and not any(issubclass(m.cls, BaseHTTPMiddleware) for m in stack)


def test_healthz_is_answered_in_front_as_the_app_would(sample: TestClient) -> None:
    from app.web.schemas import HealthOut
    from app.web.serving import HEALTHY

    assert HEALTHY == HealthOut(status="ok").model_dump_json().encode()
    built = builds(sample)
    first = sample.get("/healthz")
    assert first.status_code == 200 and first.json() == {"status": "ok"}
    assert first.headers["content-type"] == "application/json"
    assert first.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in first.headers["content-security-policy"]
    again = sample.get("/healthz", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert builds(sample) == built  # nothing built: the app never ran


def test_known_hosts_remember_only_what_starlette_let_through() -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from app.web.serving import KnownHosts

    served: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        served.append(dict(scope["headers"])[b"host"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    hosts = KnownHosts(app, allowed_hosts=["news.example", "*.b.example", "www.c.example"])

    def status(host: bytes) -> int:
        sent: list[Any] = []

        async def send(message: Any) -> None:
            sent.append(message)

        async def receive() -> Any:
            return {"type": "http.request", "body": b""}

        scope = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/",
                 "query_string": b"", "scheme": "http", "server": ("127.0.0.1", 80),
                 "root_path": "", "headers": [(b"host", host)]}
        # In a thread of its own: an earlier test may leave an event loop running in this one.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, hosts(scope, receive, send)).result()
        return int(sent[0]["status"])

    for _ in range(2):  # the second time from what it remembered
        assert status(b"news.example:8000") == 200
        assert status(b"x.b.example") == 200
        assert status(b"evil.example") == 400
        assert status(b"news.example.evil") == 400
        assert status(b"c.example") in (301, 302, 307)  # Starlette's www redirect
    assert hosts.known == {b"news.example:8000", b"x.b.example"}
    assert served == [b"news.example:8000", b"x.b.example"] * 2
