"""POST /api/articles runs extraction in a worker process and stores atomically."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from tests.conftest import ADMIN_TOKEN
from tests.web.fakes import consume_jobs

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TEXT = (
    "Fighters of the Islamic State attacked Kirkuk on Monday, officials said.\n\n"
    "“We pushed them back,” said Ali Hassan, a police captain in Kirkuk."
)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app, its jobs run here by the real extraction worker process (spaCy)."""
    from app.ingest.worker import ExtractionWorker
    from app.web.app import create_app

    app = create_app(settings)
    worker = consume_jobs(app, ExtractionWorker(settings.spacy_model, settings.ingest_timeout))
    with TestClient(app, base_url="http://localhost") as test_client:
        yield test_client
    worker.shutdown()


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
