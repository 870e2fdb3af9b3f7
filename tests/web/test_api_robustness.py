"""Bad input, races and failures over HTTP: a clear 4xx (or 503) with a reason, never a 500,
and nothing half-stored. Extraction is faked unless the test is about the worker itself."""

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.ingest import service
from app.nlp.normalise import NormalisedText
from app.nlp.types import Extraction
from app.settings import Settings
from tests.conftest import ADMIN_TOKEN
from tests.web.conftest import SAMPLE, sample_extraction, store_text
from tests.web.fakes import (
    FakeWorker,
    consume_jobs,
    crash_in_child,
    empty_extraction,
    empty_in_child,
    hang_in_child,
)

T = TypeVar("T")
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
HTML = {"Accept": "text/html"}
TEXT = "Fighters attacked Kirkuk on Monday, officials said.\n\nThe police pushed them back."
OTHER = "Fighters attacked Kirkuk again on Tuesday.\n\nThe police withdrew."


def make_client(settings: Settings, worker: Any = None, threads: int = 1) -> TestClient:
    """The app, its ingest jobs run in this process by ``worker`` (default: the real
    extraction worker process)."""
    from app.ingest.worker import ExtractionWorker
    from app.web.app import create_app

    app = create_app(settings)
    if worker is None:
        worker = ExtractionWorker(settings.spacy_model, settings.ingest_timeout)
    consume_jobs(app, worker, threads)
    return TestClient(app, raise_server_exceptions=False, base_url="http://localhost")


@pytest.fixture
def fake_client(settings: Settings) -> Iterator[TestClient]:
    with make_client(settings, FakeWorker()) as c:
        yield c


def post(client: TestClient, **body: Any) -> httpx.Response:
    return client.post("/api/articles", json=body, headers=AUTH)


def detail(response: httpx.Response) -> str:
    d = response.json()["detail"]
    return d if isinstance(d, str) else " ".join(e["msg"] for e in d)


def article_count(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return s.execute(text("SELECT count(*) FROM articles")).scalar_one()


# ---------------------------------------------------------------- concurrent writers


async def _post_concurrently(app: Any, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
        return list(await asyncio.gather(
            *(c.post("/api/articles", json=b, headers=AUTH) for b in bodies)
        ))


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run in a thread of its own: another test (Playwright) may have left a loop
    running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def _gate(n: int) -> Any:
    """A callable that returns once ``n`` callers (request threads) are waiting: both
    requests finish extracting together, then race to store."""
    barrier = threading.Barrier(n, timeout=30)
    return barrier.wait


@pytest.mark.parametrize("same_text", [False, True])
def test_two_concurrent_posts_of_a_new_slug(settings: Settings, session_factory: Any,
                                            same_text: bool) -> None:
    from app.web.app import create_app

    for round_ in range(3):
        slug = f"race-{round_}"
        app = create_app(settings)
        consume_jobs(app, FakeWorker(before=_gate(2)), threads=2)  # both jobs at once
        bodies = [{"text": TEXT, "slug": slug}, {"text": TEXT if same_text else OTHER,
                                                 "slug": slug}]
        responses = run_async(partial(_post_concurrently, app, bodies))
        app.state.jobs.stop_consumer()
        assert sorted(r.status_code for r in responses) == [200, 201], [r.text for r in responses]
        outcomes = sorted(r.json()["status"] for r in responses)
        if same_text:
            assert outcomes == ["created", "unchanged"]
        else:
            assert outcomes == ["created", "revised"]
            assert max(r.json()["revision"] for r in responses) == 2
    assert article_count(session_factory) == 3


def test_insert_losing_the_unique_slug_race_becomes_a_revision(
    fake_client: TestClient, session_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process stores the slug between this one's lookup and its insert."""
    real_store = service.store
    raced: list[bool] = []

    def racing_store(session: Session, *args: Any) -> service.IngestOutcome:
        if not raced:
            raced.append(True)

            @event.listens_for(session, "before_flush", once=True)
            def other_writer(*_: Any) -> None:
                store_text(session_factory, OTHER, "kirkuk", build=lambda t: empty_extraction(
                    NormalisedText(t, ())))

        return real_store(session, *args)

    monkeypatch.setattr(service, "store", racing_store)
    response = post(fake_client, text=TEXT, slug="kirkuk")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revised" and response.json()["revision"] == 2
    stored = fake_client.get("/api/articles/kirkuk").json()
    assert stored["text"] == service.normalise_text(TEXT).text
    assert article_count(session_factory) == 1


def test_a_slug_that_keeps_conflicting_is_409_and_stores_nothing(
    fake_client: TestClient, session_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def always_conflicts(*_: Any) -> None:
        raise IntegrityError("INSERT INTO articles ...", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(service, "store", always_conflicts)
    # As if the rival article were created and gone again each time (no such feature yet).
    monkeypatch.setattr(service, "_slug_exists", lambda *_: True)
    response = post(fake_client, text=TEXT, slug="kirkuk")
    assert response.status_code == 409
    assert "another writer" in detail(response) and "nothing was stored" in detail(response)
    assert article_count(session_factory) == 0


# ---------------------------------------------------------------- the worker process


@pytest.mark.slow
def test_worker_crash_is_retried_once_then_503_and_the_next_ingest_gets_a_new_worker(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, session_factory: Any
) -> None:
    monkeypatch.setattr("app.ingest.worker._extract_in_child", crash_in_child)
    with make_client(settings) as client:
        crashed = post(client, text=TEXT, slug="kirkuk")
        assert crashed.status_code == 503
        assert "stopped unexpectedly" in detail(crashed)
        assert "nothing was stored" in detail(crashed)
        assert article_count(session_factory) == 0

        monkeypatch.setattr("app.ingest.worker._extract_in_child", empty_in_child)
        again = post(client, text=TEXT, slug="kirkuk")
        assert again.status_code == 201, again.text
    client.app.state.worker_under_test.shutdown()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_worker_timeout_answers_202_and_the_job_fails_after_its_retry(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, session_factory: Any
) -> None:
    monkeypatch.setattr("app.ingest.worker._extract_in_child", hang_in_child)
    # Long enough for a fresh child process to start on a loaded machine (the retried post
    # below needs one), short enough to keep the test's two hung attempts brief.
    with make_client(settings.model_copy(update={"ingest_timeout": 8.0})) as c:
        slow = post(c, text=TEXT, slug="kirkuk")
        # Not finished within the ingest timeout: the job goes on, the answer says where.
        assert slow.status_code == 202, slow.text
        job_url = slow.headers["location"]
        assert slow.json()["state"] in ("queued", "running")
        deadline = time.monotonic() + 120
        while (job := c.get(job_url).json())["state"] != "failed":
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        assert "longer than 8 s" in job["error"] and job["attempts"] == 2
        # The hung child was stopped: a new one answers at once, not after the old job.
        monkeypatch.setattr("app.ingest.worker._extract_in_child", empty_in_child)
        again = post(c, text=TEXT, slug="kirkuk")
        assert again.status_code == 201, again.text
    c.app.state.worker_under_test.shutdown()  # type: ignore[attr-defined]
    assert article_count(session_factory) == 1


def test_missing_model_in_the_worker_is_503(settings: Settings) -> None:
    from app.ingest.worker import WorkerUnavailable

    class NoModel(FakeWorker):
        def extract(self, normalised: NormalisedText) -> Extraction:
            raise WorkerUnavailable("No spaCy English model found")

    with make_client(settings, NoModel()) as client:
        response = post(client, text=TEXT)
    assert response.status_code == 503 and "spaCy" in detail(response)


# ---------------------------------------------------------------- sizes


def test_text_over_max_article_chars_is_413_with_the_limit(settings: Settings) -> None:
    small = settings.model_copy(update={"max_article_chars": 1000})
    with make_client(small, FakeWorker()) as c:
        ok = "x" * 999 + "."
        assert post(c, text=ok, slug="ok").status_code == 201
        response = post(c, text=ok + "y", slug="long")
        assert response.status_code == 413
        assert "1001" in detail(response) and "1000" in detail(response)
        assert c.get("/api/articles/long").status_code == 404


def test_huge_body_is_refused_before_it_is_read(settings: Settings) -> None:
    from app.web.app import max_body_bytes

    small = settings.model_copy(update={"max_article_chars": 1000})
    limit = max_body_bytes(1000)
    with make_client(small, FakeWorker()) as c:
        big = b'{"text": "' + b"x" * limit + b'"}'
        declared = c.post("/api/articles", content=big,
                          headers={**AUTH, "Content-Type": "application/json"})
        assert declared.status_code == 413 and str(limit) in detail(declared)

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b'{"text": "'
            for _ in range(limit // 4096 + 2):
                yield b"x" * 4096
            yield b'"}'

        streamed = c.post("/api/articles", content=chunks(),
                          headers={**AUTH, "Content-Type": "application/json"})
        assert streamed.status_code == 413 and "larger than" in detail(streamed)
        assert c.get("/api/articles").json() == []


# ---------------------------------------------------------------- input edge cases


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"text": TEXT, "slug": "Not-Lower"}, "slug", "invalid slug"),
        ({"text": TEXT, "slug": "-lead"}, "slug", "invalid slug"),
        ({"text": TEXT, "slug": "trail-"}, "slug", "invalid slug"),
        ({"text": TEXT, "slug": "a/b"}, "slug", "invalid slug"),
        ({"text": TEXT, "slug": "   "}, "slug", "invalid slug"),
        ({"text": TEXT, "slug": "a" * 121}, "slug", "at most 120"),
        ({"text": TEXT, "title": "t" * 501}, "title", "at most 500"),
        ({"text": TEXT, "source": "s" * 2001}, "source", "at most 2000"),
        ({"text": "   \n\n \u00a0 \r\n"}, "text", "empty"),
        ({"text": "a\u0000b c d"}, "text", "NUL"),
        ({"text": TEXT, "title": "x\u0000"}, "title", "NUL"),
        ({"text": TEXT, "published": "2015-02-30"}, "published", "day value"),
        ({"text": TEXT, "published": "17/05/2015"}, "published", "YYYY-MM-DD"),
        ({"text": TEXT, "published": 0}, "published", "YYYY-MM-DD"),
        ({"text": TEXT, "published": "2015-05-17T10:00:00"}, "published", "YYYY-MM-DD"),
        ({"text": TEXT, "published": "1431820800"}, "published", "YYYY-MM-DD"),
        ({"text": 42}, "text", "string"),
        ({"text": TEXT, "slug": 7}, "slug", "string"),
    ],
)
def test_bad_fields_are_422_naming_the_field(fake_client: TestClient, body: dict[str, Any],
                                             field: str, reason: str) -> None:
    response = post(fake_client, **body)
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert isinstance(errors, list) and errors[0]["loc"][:2] == ["body", field]
    assert reason in errors[0]["msg"]
    assert fake_client.get("/api/articles").json() == []


def test_body_that_is_not_utf8_json_is_a_4xx_with_a_reason(fake_client: TestClient) -> None:
    for raw, status, reason in [
        (b'{"text": "caf\xe9"}', 400, "not UTF-8"),
        (b'{"text": ', 422, "JSON"),
        (b"[1, 2]", 422, "dictionary"),
        (b"", 422, "required"),
    ]:
        response = fake_client.post("/api/articles", content=raw,
                                    headers={**AUTH, "Content-Type": "application/json"})
        assert response.status_code == status, (raw, response.text)
        assert reason in detail(response) or reason in response.text


@pytest.mark.parametrize(
    ("body", "slug", "title"),
    [
        ({"text": TEXT, "slug": "  padded  "}, "padded", None),
        ({"text": TEXT, "slug": ""}, "fighters-attacked-kirkuk-on-monday", None),
        ({"text": TEXT, "slug": "a" * 120}, "a" * 120, None),
        ({"text": TEXT, "title": "   "}, "fighters-attacked-kirkuk-on-monday",
         "Fighters attacked Kirkuk on Monday"),
        ({"text": "...\n\nMore."}, "article", "..."),
        ({"text": "Ünïcödé — “quoted” 😀 text."}, "n-c-d-quoted-text", None),
        ({"text": TEXT, "title": "x" * 500}, "x" * 80, "x" * 500),
    ],
)
def test_slug_and_title_defaults_and_edges(fake_client: TestClient, body: dict[str, Any],
                                           slug: str, title: str | None) -> None:
    response = post(fake_client, **body)
    assert response.status_code == 201, response.text
    assert response.json()["slug"] == slug
    stored = fake_client.get(f"/api/articles/{slug}").json()
    assert stored["title"].strip(), "never an empty title"
    if title is not None:
        assert stored["title"] == title


def test_title_and_source_are_escaped_on_the_pages(fake_client: TestClient) -> None:
    title = '<script>alert("t")</script> & co'
    response = post(fake_client, text=TEXT, slug="xss", title=title,
                    source='javascript:alert("s")')
    assert response.status_code == 201
    for url in ("/", "/articles/xss", "/articles/xss/quotes"):
        page = fake_client.get(url, headers=HTML).text
        assert "<script>alert" not in page, url
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; &amp; co" in fake_client.get(
        "/articles/xss", headers=HTML).text


def test_published_date_round_trips(fake_client: TestClient) -> None:
    assert post(fake_client, text=TEXT, slug="dated", published="2015-05-17").status_code == 201
    assert fake_client.get("/api/articles/dated").json()["published"] == "2015-05-17"
    # Unchanged text with a new date: still "unchanged", and the date is updated.
    again = post(fake_client, text=TEXT, slug="dated", published="2015-05-18")
    assert again.json()["status"] == "unchanged"
    assert fake_client.get("/api/articles/dated").json()["published"] == "2015-05-18"
    assert post(fake_client, text=TEXT, slug="undated", published=None).status_code == 201


def test_non_ascii_or_malformed_tokens_are_401_or_403_not_500(fake_client: TestClient) -> None:
    # No bearer credentials at all: 401 with a challenge.
    for value in (b"Bearer", b"Basic dXNlcjpwYXNz", b"\xff\xfe"):
        response = fake_client.post("/api/articles", json={"text": TEXT},
                                    headers={"Authorization": value})  # type: ignore[dict-item]
        assert response.status_code == 401, (value, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
    # A bearer token that is not the admin token: 403.
    for value in (b"Bearer \xe9t\xe9", b"bearer  " + ADMIN_TOKEN.encode() + b"x"):
        response = fake_client.post("/api/articles", json={"text": TEXT},
                                    headers={"Authorization": value})  # type: ignore[dict-item]
        assert response.status_code == 403, (value, response.text)
    # Authentication comes first: an unauthenticated caller learns nothing about the input.
    assert fake_client.post("/api/articles", json={"nope": 1}).status_code == 401


# ---------------------------------------------------------------- methods and paths


@pytest.fixture
def sample_client(fake_client: TestClient, store_article: Any) -> TestClient:
    store_article(SAMPLE, "sample")
    return fake_client


@pytest.mark.parametrize(
    "url",
    ["/", "/articles/sample", "/articles/sample/quotes", "/api/articles", "/api/articles/sample",
     "/api/articles/sample/entities", "/api/articles/sample/annotations", "/healthz",
     "/static/css/reader.css", "/openapi.json"],
)
def test_head_answers_like_get_without_a_body(sample_client: TestClient, url: str) -> None:
    identity = {"Accept-Encoding": "identity"}  # so that Content-Length is the text's
    get = sample_client.get(url, headers=identity)
    head = sample_client.head(url, headers=identity)
    assert get.status_code == head.status_code == 200, url
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers.get("content-length") == str(len(get.content))
    assert "content-security-policy" in head.headers


def test_head_of_a_missing_article_is_404(sample_client: TestClient) -> None:
    response = sample_client.head("/api/articles/nope")
    assert response.status_code == 404 and response.content == b""


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("OPTIONS", "/api/articles", "GET, HEAD, POST"),
        ("PUT", "/api/articles", "GET, HEAD, POST"),
        ("PUT", "/api/articles/sample", "DELETE, GET, HEAD"),
        ("POST", "/articles/sample", "GET, HEAD"),
    ],
)
def test_other_methods_are_405_naming_every_allowed_method(
    sample_client: TestClient, method: str, url: str, allowed: str
) -> None:
    response = sample_client.request(method, url)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert response.json()["detail"] == "Method Not Allowed"


@pytest.mark.parametrize(
    "url",
    ["/api/articles/", "/api/articles/sample/", "/articles/sample/", "/articles/sample/quotes/"],
)
def test_trailing_slash_redirects_to_the_canonical_url(sample_client: TestClient, url: str
                                                       ) -> None:
    response = sample_client.get(url, follow_redirects=False)
    assert response.status_code in (307, 308)
    assert response.headers["location"].endswith(url.rstrip("/"))
    assert sample_client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/articles/sample/entities/99999999999999999999", 404),
        ("/api/articles/sample/entities/0", 404),
        ("/api/articles/sample/entities/-1", 404),
        ("/api/articles/sample/entities/abc", 422),
        ("/articles/sample/entities/99999999999999999999", 404),
        ("/articles/sample/entities/%C2%B2", 404),  # "²": isdigit() but not int()-able
        ("/articles/sample/entities/%D9%A1", 404),  # Arabic-Indic one
        ("/articles/sample/entities/0", 404),
        ("/articles/sample/entities/01", 404),
        ("/api/articles/%00", 404),
        ("/articles/%ED%A0%80", 404),
        ("/api/articles/sample/quotes/%00", 404),
        ("/articles/sample/quotes/" + "q" * 5000, 404),
    ],
)
def test_odd_ids_and_slugs_are_4xx(sample_client: TestClient, url: str, status: int) -> None:
    response = sample_client.get(url)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


# ---------------------------------------------------------------- the database


def test_unmigrated_database_is_503_telling_to_migrate(empty_db_url: str) -> None:
    fresh = Settings(database_url=empty_db_url, admin_token=ADMIN_TOKEN)
    with make_client(fresh, FakeWorker()) as c:
        for url in ("/api/articles", "/api/articles/x/entities", "/healthz"):
            response = c.get(url)
            assert response.status_code == 503, url
        assert "migrate" in c.get("/api/articles").json()["detail"]
        page = c.get("/", headers=HTML)
        assert page.status_code == 503 and "text/html" in page.headers["content-type"]
        assert "python -m app migrate" in page.text
        assert post(c, text=TEXT).status_code == 503


# ---------------------------------------------------------------- revisions over HTTP


REVISED = SAMPLE.replace("Officials in Baghdad & Anbar disagreed", "Officials in Anbar disagreed")


def _extraction(normalised: NormalisedText) -> Extraction:
    found = sample_extraction(normalised.text)
    found.entities = [e for e in found.entities if e.mentions]
    return found


def _state(client: TestClient, slug: str) -> tuple[dict[str, int], set[int], set[str]]:
    entities = client.get(f"/api/articles/{slug}/entities").json()
    return (
        {e["name"]: e["id"] for e in entities},
        {m["id"] for e in entities for m in e["mentions"]},
        {q["id"] for q in client.get(f"/api/articles/{slug}/quotes").json()},
    )


def orphans(factory: sessionmaker[Session]) -> dict[str, int]:
    checks = {
        "mention without entity": "SELECT count(*) FROM mentions m LEFT JOIN entities e "
        "ON m.entity_id = e.id WHERE e.id IS NULL",
        "mention of another article's entity": "SELECT count(*) FROM mentions m JOIN entities e "
        "ON m.entity_id = e.id WHERE m.article_id <> e.article_id",
        "role without entity": "SELECT count(*) FROM roles r LEFT JOIN entities e "
        "ON r.entity_id = e.id WHERE e.id IS NULL",
        "role organisation gone": "SELECT count(*) FROM roles r LEFT JOIN entities e "
        "ON r.organisation_id = e.id WHERE r.organisation_id IS NOT NULL AND e.id IS NULL",
        "quote speaker gone": "SELECT count(*) FROM quotes q LEFT JOIN entities e "
        "ON q.speaker_id = e.id WHERE q.speaker_id IS NOT NULL AND e.id IS NULL",
        "entity without article": "SELECT count(*) FROM entities e LEFT JOIN articles a "
        "ON e.article_id = a.id WHERE a.id IS NULL",
        "paragraph without article": "SELECT count(*) FROM paragraphs p LEFT JOIN articles a "
        "ON p.article_id = a.id WHERE a.id IS NULL",
        "sentence without article": "SELECT count(*) FROM sentences s LEFT JOIN articles a "
        "ON s.article_id = a.id WHERE a.id IS NULL",
    }
    with factory() as s:
        found = {name: s.execute(text(sql)).scalar_one() for name, sql in checks.items()}
    return {k: v for k, v in found.items() if v}


def test_reingest_keeps_ids_and_a_revision_replaces_only_what_changed(
    settings: Settings, session_factory: Any
) -> None:
    with make_client(settings, FakeWorker(_extraction)) as c:
        assert post(c, text=SAMPLE, slug="s").status_code == 201
        before = _state(c, "s")
        assert "Baghdad" in before[0]

        same = post(c, text=SAMPLE, slug="s", title="A new headline")
        assert same.status_code == 200 and same.json()["status"] == "unchanged"
        assert same.json()["revision"] == 1
        assert _state(c, "s") == before
        assert c.get("/api/articles/s").json()["title"] == "A new headline"

        revised = post(c, text=REVISED, slug="s")
        assert revised.status_code == 200
        assert revised.json() == {"slug": "s", "status": "revised", "revision": 2,
                                  "url": "/articles/s"}
        names, mentions, quotes = _state(c, "s")
        assert set(names) == set(before[0]) - {"Baghdad"}
        assert all(names[n] == before[0][n] for n in names), "surviving entities keep their ids"
        assert c.get(f"/api/articles/s/entities/{before[0]['Baghdad']}").status_code == 404
        # The old revision's mentions are gone: only the new text's remain. (SQLite may hand
        # a deleted row's id to a new row, so ids alone cannot tell old from new.)
        new_mentions = sum(len(e.mentions) for e in _extraction(
            service.normalise_text(REVISED)).entities)
        assert len(mentions) == new_mentions
        assert "Baghdad" not in {m["text"] for e in c.get("/api/articles/s/entities").json()
                                 for m in e["mentions"]}
        assert quotes == before[2], "unchanged quotes keep their ids"
        detail_ = c.get("/api/articles/s").json()
        assert detail_["revision"] == 2 and detail_["title"] == "A new headline"
        for e in c.get("/api/articles/s/entities").json():
            for m in e["mentions"]:
                assert detail_["text"][m["start"]:m["end"]] == m["text"]
        assert c.get("/articles/s", headers=HTML).status_code == 200
    assert orphans(session_factory) == {}
    with session_factory() as s:
        assert s.execute(text("SELECT count(*) FROM mentions WHERE article_id NOT IN "
                              "(SELECT id FROM articles)")).scalar_one() == 0


def test_only_a_lost_slug_race_is_retried_other_integrity_errors_surface(
    session_factory: Any,
) -> None:
    """A broken extraction (two entities with one key) is a bug to see, not a "conflict"."""
    from app.nlp.types import ExtractedEntity

    def duplicated(normalised: NormalisedText) -> Extraction:
        e = ExtractedEntity("location:kirkuk", "Kirkuk", "location", "city")
        return Extraction([e, ExtractedEntity(e.key, e.name, e.type, e.kind)], [])

    item = service.ArticleInput(TEXT, "kirkuk")
    normalised, slug, title = service.prepare(item)
    with pytest.raises(IntegrityError):
        service.save(session_factory, item, normalised, slug, title, duplicated(normalised))
    assert article_count(session_factory) == 0
