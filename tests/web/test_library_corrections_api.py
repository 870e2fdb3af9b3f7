"""Editors' corrections across the library over HTTP: merge, detach, the log and undo."""

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import ADMIN_TOKEN
from tests.web.conftest import sign_in
from tests.web.test_library_web import ONE, _library_id, _one, _store, library_client

__all__ = ["library_client"]  # the fixture

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _article_entity(client: TestClient, slug: str, name: str) -> dict:  # type: ignore[type-arg]
    return next(e for e in client.get(f"/api/articles/{slug}/entities").json()
                if e["name"] == name)


def test_writes_need_credentials(library_client: TestClient) -> None:
    nasser = _library_id(library_client, "Nasser al-Alwani")
    omar = _library_id(library_client, "Omar al-Alwani")
    for path, body in ((f"/api/entities/{omar}/merge", {"into": nasser}),
                       (f"/api/entities/{nasser}/detach", {"article_entity_id": 1})):
        assert library_client.post(path, json=body).status_code == 401
        wrong = library_client.post(path, json=body, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403
    assert library_client.delete("/api/library/corrections/1").status_code == 401
    assert library_client.get(f"/api/entities/{omar}").status_code == 200, "nothing changed"


def test_merge_redirects_the_merged_away_id_and_undo_restores_it(
    library_client: TestClient,
) -> None:
    c = library_client
    nasser = _library_id(c, "Nasser al-Alwani")
    omar = _library_id(c, "Omar al-Alwani")
    merged = c.post(f"/api/entities/{omar}/merge", json={"into": nasser}, headers=AUTH)
    assert merged.status_code == 200, merged.text
    survivor = merged.json()
    assert survivor["id"] == nasser and survivor["article_count"] == 2
    assert "Omar al-Alwani" in survivor["aliases"]
    correction_id = int(merged.headers["X-Correction-Id"])
    api = c.get(f"/api/entities/{omar}", follow_redirects=False)
    assert api.status_code == 308 and api.headers["location"] == f"/api/entities/{nasser}"
    page = c.get(f"/entities/{omar}", follow_redirects=False)
    assert page.status_code == 308 and page.headers["location"] == f"/entities/{nasser}"
    assert c.get(f"/entities/{omar}").status_code == 200, "the redirect lands"
    two = _article_entity(c, "mosul-shelled", "Omar al-Alwani")
    assert two["library_id"] == nasser

    log = c.get(f"/api/entities/{nasser}/corrections").json()
    assert log["total"] == 1
    entry = log["items"][0]
    assert (entry["id"], entry["action"], entry["library_id"], entry["into_id"],
            entry["status"]) == (correction_id, "merge", omar, nasser, "applied")
    assert entry["before"]["entity"]["name"] == "Omar al-Alwani"
    assert entry["author"] == "admin (token)"
    assert c.get("/api/library/corrections").json()["items"][0]["id"] == correction_id
    assert c.get(f"/api/library/corrections/{correction_id}").json()["action"] == "merge"

    again = c.post(f"/api/entities/{omar}/merge", json={"into": nasser}, headers=AUTH)
    assert again.status_code == 409 and "merged into" in again.json()["detail"]
    itself = c.post(f"/api/entities/{nasser}/merge", json={"into": omar}, headers=AUTH)
    assert itself.status_code == 422 and "itself" in str(itself.json()["detail"])
    assert c.post("/api/entities/999999/merge", json={"into": nasser},
                  headers=AUTH).status_code == 404
    missing = c.post(f"/api/entities/{nasser}/merge", json={"into": 999999}, headers=AUTH)
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "into"]
    assert c.post(f"/api/entities/{nasser}/merge", json={"into": "x"},
                  headers=AUTH).status_code == 422

    undone = c.delete(f"/api/library/corrections/{correction_id}", headers=AUTH)
    assert undone.status_code == 204
    assert c.get(f"/api/entities/{omar}", follow_redirects=False).status_code == 200
    assert _article_entity(c, "mosul-shelled", "Omar al-Alwani")["library_id"] == omar
    assert c.get(f"/api/library/corrections/{correction_id}").json()["status"] == "undone"
    assert c.delete(f"/api/library/corrections/{correction_id}",
                    headers=AUTH).status_code == 404


def test_detach_survives_a_revision_of_its_article(
    library_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    c = library_client
    nasser = _library_id(c, "Nasser al-Alwani")
    in_ramadi = _article_entity(c, "ramadi-falls", "Nasser al-Alwani")
    assert in_ramadi["library_id"] == nasser
    detached = c.post(f"/api/entities/{nasser}/detach",
                      json={"article_entity_id": in_ramadi["id"]}, headers=AUTH)
    assert detached.status_code == 201, detached.text
    own = detached.json()
    assert own["id"] != nasser and own["article_count"] == 1
    assert detached.headers["location"] == f"/api/entities/{own['id']}"
    assert c.get(f"/api/entities/{nasser}").json()["article_count"] == 1
    # A revised text: the article entity keeps its own library entity.
    _store(session_factory, ONE + " He was later seen in Falluja.", "ramadi-falls", _one,
           date(2015, 5, 17))
    assert _article_entity(c, "ramadi-falls", "Nasser al-Alwani")["library_id"] == own["id"]

    wrong = c.post(f"/api/entities/{nasser}/detach",
                   json={"article_entity_id": in_ramadi["id"]}, headers=AUTH)
    assert wrong.status_code == 422 and "is not one of" in str(wrong.json()["detail"])
    assert c.post(f"/api/entities/{nasser}/detach", json={"article_entity_id": 1, "x": 1},
                  headers=AUTH).status_code == 422
    log = c.get(f"/api/entities/{own['id']}/corrections").json()["items"]
    assert [(e["action"], e["article_slug"]) for e in log] == [("detach", "ramadi-falls")]
    assert c.get("/api/entities/999999/corrections").status_code == 404


def test_a_signed_in_editor_writes_with_the_csrf_token(library_client: TestClient) -> None:
    c = library_client
    nasser = _library_id(c, "Nasser al-Alwani")
    omar = _library_id(c, "Omar al-Alwani")
    csrf = sign_in(c)
    refused = c.post(f"/api/entities/{omar}/merge", json={"into": nasser})
    assert refused.status_code == 403
    merged = c.post(f"/api/entities/{omar}/merge", json={"into": nasser},
                    headers={"X-CSRF-Token": csrf})
    assert merged.status_code == 200
    entry = c.get("/api/library/corrections").json()["items"][0]
    assert entry["author"] == "admin (signed in)"
