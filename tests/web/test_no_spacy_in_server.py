"""The web server must not import spaCy: extraction happens at ingest, in another process."""

import subprocess
import sys


def test_serving_pages_does_not_import_spacy(db_url: str, ingest_text, bundled_text: str) -> None:  # type: ignore[no-untyped-def]
    ingest_text(bundled_text, "ramadi")
    code = f"""
import sys
from fastapi.testclient import TestClient
from app.settings import Settings
from app.web.app import create_app
with TestClient(create_app(Settings(database_url={db_url!r}))) as c:
    for url in ("/", "/articles/ramadi", "/api/articles/ramadi/entities", "/api/articles/ramadi/quotes"):
        assert c.get(url).status_code == 200, url
assert "spacy" not in sys.modules, "spacy was imported"
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
