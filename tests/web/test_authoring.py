"""Adding articles from the browser (pasted, one file, a batch) and deleting them."""

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import Article, Mention
from app.settings import Settings
from tests.conftest import ADMIN_TOKEN
from tests.web.conftest import SAMPLE, csrf_of, sign_in
from tests.web.fakes import FakeWorker, consume_jobs

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
KIRKUK = "Fighters attacked Kirkuk on Monday, officials said.\n\nThe police pushed them back."
MOSUL = "Militants shelled Mosul on Friday.\n\nResidents fled east across the river."
WEB_PAGE = b"""<!doctype html><html><head><title>Militias advance on Tikrit</title>
<meta property="og:url" content="https://news.example/tikrit"></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a> | Subscribe now</nav>
<article><h1>Militias advance on Tikrit</h1>
<p>Shiite militias and Iraqi troops advanced on Tikrit on Tuesday, commanders said, as the
offensive against the Islamic State entered its second week.</p>
<p>The fighters reached the outskirts of the city after heavy clashes near Alam.</p></article>
<footer>Copyright 2015 News Example. All rights reserved.</footer>
<script>trackReader("secret-analytics");</script></body></html>"""


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    from app.web.app import create_app

    app = create_app(settings)
    consume_jobs(app)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def editor(app_client: TestClient) -> tuple[TestClient, str]:
    return app_client, sign_in(app_client)


def _post(client: TestClient, csrf: str, files: list[tuple[str, bytes]] | None = None,
          **fields: str) -> httpx.Response:
    data = {"csrf_token": csrf, "text": "", "title": "", "source": "", "published": ""}
    data.update(fields)
    upload = [("files", (name, body, "application/octet-stream")) for name, body in files or []]
    return client.post("/articles/new", data=data, files=upload or None,
                       follow_redirects=False)


def _wait_for_batch(client: TestClient, location: str) -> dict[str, Any]:
    batch_id = location.rsplit("/", 1)[1]
    deadline = time.monotonic() + 120  # a deadline, not a timing: loaded machines are slow
    while time.monotonic() < deadline:
        batch = client.get(f"/api/batches/{batch_id}").json()
        if batch["finished"]:
            return batch  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("the batch never finished")


def test_anonymous_visitors_are_sent_to_sign_in(app_client: TestClient) -> None:
    response = app_client.get("/articles/new", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Farticles%2Fnew"
    assert app_client.post("/articles/new", data={"text": KIRKUK}).status_code == 401


def test_the_form_has_its_labelled_fields(editor: tuple[TestClient, str]) -> None:
    client, _ = editor
    page = client.get("/articles/new").text
    for field_id, label in (("article-text", "Article text"), ("article-title", "Title"),
                            ("article-source", "Source URL"), ("article-published", "Published"),
                            ("article-files", "Or upload files")):
        assert f'<label for="{field_id}">{label}</label>' in page
    assert 'type="date" id="article-published"' in page
    assert 'type="file" id="article-files" name="files" multiple' in page
    assert 'enctype="multipart/form-data"' in page
    assert ">Add article</button>" in page
    assert csrf_of(page)


def test_the_form_needs_its_csrf_token(editor: tuple[TestClient, str]) -> None:
    client, _ = editor
    assert _post(client, "forged", text=KIRKUK).status_code == 403


def test_pasted_text_opens_as_its_article(editor: tuple[TestClient, str]) -> None:
    client, csrf = editor
    response = _post(client, csrf, text=KIRKUK, title="Kirkuk attack",
                     source="https://news.example/kirkuk", published="2015-05-17")
    assert response.status_code == 303
    assert response.headers["location"] == "/articles/kirkuk-attack"
    article = client.get("/api/articles/kirkuk-attack").json()
    assert article["published"] == "2015-05-17"
    assert article["source"] == "https://news.example/kirkuk"
    assert client.get(response.headers["location"]).status_code == 200


def test_one_web_page_keeps_its_main_text_only(editor: tuple[TestClient, str]) -> None:
    client, csrf = editor
    response = _post(client, csrf, files=[("tikrit.html", WEB_PAGE)])
    assert response.status_code == 303
    slug = response.headers["location"].rsplit("/", 1)[1]
    article = client.get(f"/api/articles/{slug}").json()
    assert article["title"] == "Militias advance on Tikrit"
    assert article["source"] == "https://news.example/tikrit"
    assert "advanced on Tikrit on Tuesday" in article["text"]
    assert "heavy clashes near Alam" in article["text"]
    for dropped in ("Subscribe", "Copyright", "secret-analytics", "Home"):
        assert dropped not in article["text"]
    assert len(article["paragraphs"]) == 2


def test_bad_input_shows_the_form_again_escaped(editor: tuple[TestClient, str]) -> None:
    client, csrf = editor
    bad_date = _post(client, csrf, text=KIRKUK, title="<script>x</script>", published="17/05")
    assert bad_date.status_code == 422
    assert "Published must be a date" in bad_date.text
    assert 'aria-invalid="true"' in bad_date.text
    assert "<script>x</script>" not in bad_date.text
    assert "&lt;script&gt;x&lt;/script&gt;" in bad_date.text
    assert KIRKUK.split("\n")[0] in bad_date.text  # nothing typed is lost
    script_source = _post(client, csrf, text=KIRKUK, source="javascript:alert(1)")
    assert script_source.status_code == 422
    assert _post(client, csrf).status_code == 422  # neither text nor files
    empty = _post(client, csrf, files=[("notes.pdf", b"%PDF-1.4")])
    assert empty.status_code == 422 and "only .txt" in empty.text
    assert client.get("/api/articles").json() == []


def test_several_files_become_a_batch_page_that_follows_them(
    editor: tuple[TestClient, str],
) -> None:
    client, csrf = editor
    files = [("kirkuk.txt", KIRKUK.encode()), ("mosul.md", b"# Mosul shelled\n\n" +
             MOSUL.encode()), ("latin1.txt", "Caf\xe9 bomb".encode("latin-1")),
             ("tikrit.htm", WEB_PAGE)]
    response = _post(client, csrf, files=files)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/batches/")
    batch = _wait_for_batch(client, location)
    by_name = {j["filename"]: j for j in batch["jobs"]}
    assert [j["filename"] for j in batch["jobs"]] == [f[0] for f in files]
    assert by_name["latin1.txt"]["status"] == "failed"
    assert "not UTF-8" in by_name["latin1.txt"]["error"]
    for name in ("kirkuk.txt", "mosul.md", "tikrit.htm"):
        assert by_name[name]["status"] == "done", by_name[name]
        assert client.get(by_name[name]["url"]).status_code == 200
    assert client.get("/api/articles/mosul-shelled").json()["title"] == "Mosul shelled"
    page = client.get(location)
    assert "refresh" not in page.headers  # finished: it stops refreshing itself
    assert f'href="{by_name["kirkuk.txt"]["url"]}"' in page.text
    assert "Failed" in page.text and "not UTF-8" in page.text


def test_a_waiting_batch_page_refreshes_itself_without_script(settings: Settings) -> None:
    from app.web.app import create_app

    gate = threading.Event()
    app = create_app(settings)
    consume_jobs(app, FakeWorker(before=lambda: gate.wait(30)))
    with TestClient(app) as client:
        csrf = sign_in(client)
        response = _post(client, csrf, files=[("a.txt", KIRKUK.encode()),
                                              ("b.txt", MOSUL.encode())])
        page = client.get(response.headers["location"])
        assert page.headers["refresh"] == "2"
        assert "<script" not in page.text.split("</main>")[0].split("<main")[1]
        assert "Queued" in page.text or "Extracting" in page.text
        assert "refresh" not in client.get(response.headers["location"] + "?refresh=off").headers
        gate.set()
        assert all(j["status"] == "done"
                   for j in _wait_for_batch(client, response.headers["location"])["jobs"])


def test_an_unknown_batch_is_404(app_client: TestClient) -> None:
    assert app_client.get("/api/batches/nope").status_code == 404
    assert app_client.get("/batches/nope", headers={"Accept": "text/html"}).status_code == 404


def _count(factory: sessionmaker[Session], model: Any) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_deleting_from_the_page_asks_first(
    editor: tuple[TestClient, str], store_article: Any, session_factory: Any,
) -> None:
    client, csrf = editor
    store_article(SAMPLE, "sample")
    page = client.get("/articles/sample").text
    assert 'href="/articles/sample/delete"' in page
    confirm = client.get("/articles/sample/delete")
    assert confirm.status_code == 200
    assert ">Delete article</button>" in confirm.text and ">Cancel</a>" in confirm.text
    assert client.post("/articles/sample/delete", data={"csrf_token": "x"}).status_code == 403
    assert _count(session_factory, Article) == 1
    done = client.post("/articles/sample/delete", data={"csrf_token": csrf},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert client.get("/articles/sample").status_code == 404
    assert _count(session_factory, Article) == 0
    assert _count(session_factory, Mention) == 0


def test_anonymous_readers_see_no_delete_control(
    app_client: TestClient, store_article: Any
) -> None:
    store_article(SAMPLE, "sample")
    assert "/articles/sample/delete" not in app_client.get("/articles/sample").text
    response = app_client.get("/articles/sample/delete", follow_redirects=False)
    assert response.headers["location"] == "/login?next=%2Farticles%2Fsample%2Fdelete"


def test_delete_api(app_client: TestClient, store_article: Any) -> None:
    store_article(SAMPLE, "sample")
    assert app_client.delete("/api/articles/sample").status_code == 401
    wrong = app_client.delete("/api/articles/sample", headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 403
    assert app_client.delete("/api/articles/sample", headers=AUTH).status_code == 204
    assert app_client.get("/api/articles/sample").status_code == 404
    assert app_client.delete("/api/articles/sample", headers=AUTH).status_code == 404


def test_a_server_on_an_unmigrated_database_still_starts(tmp_path: Any, empty_db_url: str
                                                         ) -> None:
    from app.web.app import create_app

    empty = Settings(database_url=empty_db_url, data_dir=tmp_path)
    with TestClient(create_app(empty), base_url="http://127.0.0.1:8000") as client:
        assert client.get("/healthz").status_code == 503
