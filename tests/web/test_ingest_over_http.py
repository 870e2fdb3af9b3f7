"""POST /api/articles runs extraction in a worker process and stores atomically."""

from fastapi.testclient import TestClient

from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TEXT = (
    "Fighters of the Islamic State attacked Kirkuk on Monday, officials said.\n\n"
    "“We pushed them back,” said Ali Hassan, a police captain in Kirkuk."
)


def test_post_creates_then_unchanged_then_revision(client: TestClient) -> None:
    first = client.post("/api/articles", json={"text": TEXT, "slug": "kirkuk"}, headers=AUTH)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "created"
    entities = client.get("/api/articles/kirkuk/entities").json()
    assert any(e["name"] == "Kirkuk" for e in entities)

    again = client.post("/api/articles", json={"text": TEXT, "slug": "kirkuk"}, headers=AUTH)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "status": "unchanged"}
    assert client.get("/api/articles/kirkuk/entities").json() == entities

    revised = client.post(
        "/api/articles",
        json={"text": TEXT + " More fighting followed.", "slug": "kirkuk"},
        headers=AUTH,
    )
    assert revised.status_code == 200
    assert revised.json()["status"] == "revised"
    assert revised.json()["revision"] == 2
    assert len(client.get("/api/articles").json()) == 1
