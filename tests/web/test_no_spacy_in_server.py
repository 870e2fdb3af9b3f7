"""The web server must not import spaCy: extraction happens at ingest, in another process."""

import subprocess
import sys

import pytest


def test_serving_pages_does_not_import_spacy(db_url: str, ramadi_client: object) -> None:
    # ramadi_client: db_url is a copy of a database holding the bundled article
    code = f"""
import sys
from fastapi.testclient import TestClient
from app.settings import Settings
from app.web.app import create_app
with TestClient(create_app(Settings(database_url={db_url!r})), base_url="http://localhost") as c:
    for url in ("/", "/articles/ramadi", "/api/articles/ramadi/entities",
                "/api/articles/ramadi/quotes"):
        assert c.get(url).status_code == 200, url
assert "spacy" not in sys.modules, "spacy was imported"
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_ingesting_over_http_does_not_import_spacy_in_the_server(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A worker process (spaCy in its extraction child) runs the job; the server only queues
    it and reads its state."""
    from tests.test_cli_worker import start_worker

    code = f"""
import sys
from fastapi.testclient import TestClient
from app.settings import Settings
from app.web.app import create_app
if __name__ == "__main__":
    with TestClient(create_app(Settings(database_url={db_url!r}, admin_token="t")),
                    base_url="http://localhost") as c:
        r = c.post("/api/articles", json={{"text": "Fighters attacked Kirkuk on Monday."}},
                   headers={{"Authorization": "Bearer t"}})
        assert r.status_code == 201, r.text
        assert c.get("/api/articles/fighters-attacked-kirkuk-on-monday/entities").json()
    assert "spacy" not in sys.modules, "spacy was imported"
"""
    worker = start_worker(db_url, tmp_path)
    try:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert result.returncode == 0, result.stderr
