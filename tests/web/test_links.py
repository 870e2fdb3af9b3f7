"""The URL builder: one place for every URL, absolute ones from PUBLIC_URL only."""

import json
import re

from fastapi.testclient import TestClient

from app.settings import PROJECT_ROOT, Settings
from app.web.links import Links
from tests.web.conftest import SAMPLE


def test_paths_encode_each_segment() -> None:
    links = Links("https://reader.example/")
    assert links.article("ramadi") == "/articles/ramadi"
    assert links.article("a/b?c") == "/articles/a%2Fb%3Fc"
    assert links.entity("ramadi", 7) == "/articles/ramadi/entities/7"
    assert links.mention("ramadi", 3) == "/articles/ramadi#m-3"
    assert links.quote("ramadi", "q-1") == "/articles/ramadi/quotes/q-1"
    assert links.quote_in_context("ramadi", "q 1") == "/articles/ramadi?quote=q+1#q-q%201"
    assert links.absolute(links.quotes("x")) == "https://reader.example/articles/x/quotes"


def test_public_url_defaults_to_host_and_port() -> None:
    assert Settings(host="10.0.0.5", port=9000).public_url == "http://10.0.0.5:9000"
    assert Settings(public_url="https://news.example/").public_url == "https://news.example"


def test_the_host_header_changes_no_url(client: TestClient, store_article, settings: Settings  # type: ignore[no-untyped-def]
                                         ) -> None:
    store_article(SAMPLE, "sample")
    evil = {"Host": "evil.example", "Accept": "text/html"}
    for path in ("/articles/sample", "/articles/sample/quotes",
                 "/api/articles/sample/annotations"):
        response = client.get(path, headers=evil)
        # A host outside ALLOWED_HOSTS is refused outright (see test_sharing for more).
        assert response.status_code == 400, path
        assert "evil.example" not in response.text, path
    page = client.get("/articles/sample", headers={"Accept": "text/html"}).text
    assert f'<link rel="canonical" href="{settings.public_url}/articles/sample">' in page


def test_templates_build_no_url_by_hand() -> None:
    """Every root-relative URL in a template comes from the builder (``url``)."""
    literal = re.compile(r'(?:href|src|action)="/')
    for template in (PROJECT_ROOT / "templates").rglob("*.html"):
        found = literal.findall(template.read_text(encoding="utf-8"))
        assert not found, f"{template.name} writes a URL by hand"


def test_reader_data_shares_the_api_shapes(client: TestClient, store_article) -> None:  # type: ignore[no-untyped-def]
    store_article(SAMPLE, "sample")
    page = client.get("/articles/sample").text
    match = re.search(r'<script type="application/json" id="reader-data">(.*?)</script>',
                      page, re.S)
    assert match is not None
    embedded = json.loads(match.group(1))
    api = {e["id"]: e for e in client.get("/api/articles/sample/entities").json()}
    assert embedded["url"] == "/articles/sample"
    assert {e["id"] for e in embedded["entities"]} == set(api)
    for entity in embedded["entities"]:
        twin = api[entity["id"]]
        for key, value in twin.items():
            if key in ("roles", "mentions"):
                for mine, theirs in zip(entity[key], value, strict=True):
                    assert {k: mine[k] for k in theirs} == theirs
            else:
                assert entity[key] == value, key
