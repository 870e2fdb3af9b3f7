"""The rendered-page cache never serves a stale revision."""

from fastapi.testclient import TestClient


def test_a_revision_is_served_at_once(client: TestClient, ingest_text) -> None:  # type: ignore[no-untyped-def]
    ingest_text("Fighters entered Kirkuk on Monday.\n\nThe city was quiet.", "kirkuk")
    first = client.get("/articles/kirkuk").text
    assert first == client.get("/articles/kirkuk").text
    ingest_text("Fighters entered Kirkuk on Monday.\n\nThe city was quiet by Tuesday.", "kirkuk")
    second = client.get("/articles/kirkuk").text
    assert "quiet by Tuesday" in second and "quiet by Tuesday" not in first
    assert 'data-revision="2"' in second or "Revision 2" in second
