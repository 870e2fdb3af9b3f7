"""The JSON API contract, against the real app and a freshly ingested bundled article."""

from fastapi.testclient import TestClient

from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_article_list_and_detail(ramadi_client: TestClient, bundled_text: str) -> None:
    listed = ramadi_client.get("/api/articles").json()
    assert listed == [
        {
            "slug": "ramadi",
            "title": "The capital of Anbar province fell to Islamic State militants Sunday",
            "url": "/articles/ramadi",
            "published": None,
            "revision": 1,
        }
    ]
    detail = ramadi_client.get("/api/articles/ramadi").json()
    assert detail["text"].startswith("Iraqis from Ramadi flee toward Baghdad.")
    assert "al-Habbaniyah" in detail["text"]
    kinds = [p["kind"] for p in detail["paragraphs"]]
    assert kinds[0] == "caption" and kinds[-1] == "boilerplate" and "related" in kinds
    assert len(detail["content_sha256"]) == 64


def test_entities_have_typed_mentions_pointing_into_the_text(ramadi_client: TestClient) -> None:
    text = ramadi_client.get("/api/articles/ramadi").json()["text"]
    entities = ramadi_client.get("/api/articles/ramadi/entities").json()
    assert entities
    for entity in entities:
        assert entity["type"] in {"actor", "unit", "location"}
        assert entity["url"] == f"/articles/ramadi/entities/{entity['id']}"
        for m in entity["mentions"]:
            assert text[m["start"] : m["end"]] == m["text"]
            assert m["url"] == f"/articles/ramadi#m-{m['id']}"
    names = {e["name"] for e in entities}
    assert "Ramadi" in names


def test_unknown_slug_and_ids_are_404_with_detail(ramadi_client: TestClient) -> None:
    for url in (
        "/api/articles/nope",
        "/api/articles/nope/entities",
        "/api/articles/ramadi/entities/999999",
        "/api/articles/ramadi/quotes/qnope",
    ):
        response = ramadi_client.get(url)
        assert response.status_code == 404
        assert "detail" in response.json()


def test_post_requires_token(client: TestClient) -> None:
    assert client.post("/api/articles", json={"text": "x"}).status_code == 401
    bad = client.post("/api/articles", json={"text": "x"}, headers={"Authorization": "Bearer no"})
    assert bad.status_code == 403  # credentials given, and wrong


def test_post_disabled_without_admin_token(db_url: str) -> None:
    from app.settings import Settings
    from app.web.app import create_app

    with TestClient(create_app(Settings(database_url=db_url, admin_token=None)),
                    base_url="http://localhost") as c:
        response = c.post("/api/articles", json={"text": "x"}, headers=AUTH)
    assert response.status_code == 403
    assert "ADMIN_TOKEN" in response.json()["detail"]


def test_post_rejects_bad_input_with_reasons(client: TestClient) -> None:
    cases = [
        {"text": ""},
        {"text": "   \n\n  "},
        {"text": "Some text.", "slug": "Not A Slug!"},
        {"text": "Some text.", "published": "yesterday"},
        {"title": "no text"},
    ]
    for body in cases:
        response = client.post("/api/articles", json=body, headers=AUTH)
        assert response.status_code == 422, body
        assert response.json()["detail"]
    assert client.get("/api/articles").json() == []


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/articles/{slug}/entities" in paths


def test_every_fact_says_how_it_was_found_and_how_sure(ramadi_client: TestClient) -> None:
    entities = ramadi_client.get("/api/articles/ramadi/entities").json()
    methods = {"knowledge", "model", "rule", "description"}
    facts = [*entities, *(m for e in entities for m in e["mentions"])]
    facts += [r for e in entities for r in e["roles"]]
    facts += ramadi_client.get("/api/articles/ramadi/quotes").json()
    assert any(e["roles"] for e in entities)
    for fact in facts:
        assert fact["method"] in methods, fact
        assert 0.0 <= fact["confidence"] <= 1.0, fact
    by_method = {m["method"] for e in entities for m in e["mentions"]}
    assert {"knowledge", "description"} <= by_method


def test_every_mention_has_its_own_type(ramadi_client: TestClient) -> None:
    mentions = ramadi_client.get("/api/articles/ramadi/mentions").json()
    assert mentions and all(m["type"] in ("actor", "unit", "location") for m in mentions)
    entities = {e["id"]: e for e in ramadi_client.get("/api/articles/ramadi/entities").json()}
    for m in mentions:
        if entities[m["entity_id"]]["type"] != "location":
            assert m["type"] == entities[m["entity_id"]]["type"]
