"""The corrections API: every action with its status codes, its undo, and `source` in JSON."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_TOKEN
from tests.web.conftest import SAMPLE

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
API = "/api/articles/sample"


@pytest.fixture
def api(client: TestClient, store_article) -> TestClient:  # type: ignore[no-untyped-def]
    store_article()
    return client


def entity(api: TestClient, name: str) -> dict[str, Any]:
    return next(e for e in api.get(f"{API}/entities").json() if e["name"] == name)


def log(api: TestClient) -> list[dict[str, Any]]:
    response = api.get(f"{API}/corrections")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def undo_last(api: TestClient) -> None:
    newest = max((c for c in log(api) if c["status"] != "undone"), key=lambda c: c["id"])
    assert api.delete(f"{API}/corrections/{newest['id']}", headers=AUTH).status_code == 204


def snapshot(api: TestClient) -> Any:
    entities = sorted(
        (e["name"], e["type"], e["kind"], e["source"], tuple(m["text"] for m in e["mentions"]),
         tuple(r["title"] for r in e["roles"]))
        for e in api.get(f"{API}/entities").json()
    )
    quotes = sorted((q["id"], q["speaker_name"], q["speaker_description"], q["kind"],
                     q["source"]) for q in api.get(f"{API}/quotes").json())
    return entities, quotes


def test_everything_carries_source(api: TestClient) -> None:
    for e in api.get(f"{API}/entities").json():
        assert e["source"] == "auto"
        assert all(m["source"] == "auto" for m in e["mentions"])
        assert all(r["source"] == "auto" and r["id"] for r in e["roles"])
    assert all(q["source"] == "auto" for q in api.get(f"{API}/quotes").json())
    assert all(m["source"] == "auto" for m in api.get(f"{API}/mentions").json())


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("patch", "/entities/1", {"name": "X"}), ("post", "/entities/1/merge", {"into": 2}),
     ("delete", "/mentions/1", None), ("post", "/mentions", {"start": 0, "end": 9}),
     ("patch", "/quotes/q1", {"kind": "partial"}), ("delete", "/corrections/1", None),
     ("post", "/entities/1/roles", {"title": "x", "start": 0, "end": 5}),
     ("delete", "/entities/1/roles/1", None), ("patch", "/mentions/1", {"entity_id": 2})],
)
def test_writes_need_the_token(api: TestClient, method: str, path: str, body: Any) -> None:
    kwargs = {"json": body} if body is not None else {}
    assert getattr(api, method)(API + path, **kwargs).status_code == 401
    wrong = {"Authorization": "Bearer wrong"}
    assert getattr(api, method)(API + path, headers=wrong, **kwargs).status_code == 403
    assert log(api) == []


def test_rename_retype_and_undo(api: TestClient) -> None:
    before = snapshot(api)
    rivers = entity(api, "Sam Rivers")
    r = api.patch(f"{API}/entities/{rivers['id']}", json={"name": "Samuel Rivers",
                                                           "type": "unit"}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["type"], r.json()["source"]) == (
        "Samuel Rivers", "unit", "editor")
    (c,) = log(api)
    assert (c["action"], c["status"], c["author"]) == ("update_entity", "applied",
                                                       "admin (token)")
    assert c["before"] == {"name": "Sam Rivers", "type": "actor"}
    assert c["anchor"][0]["type"] == "TextQuoteSelector"
    assert c["anchor"][0]["exact"] in ("Col. Sam Rivers", "Rivers")
    undo_last(api)
    assert snapshot(api) == before
    assert log(api)[0]["status"] == "undone"


def test_bad_type_is_422_with_reason(api: TestClient) -> None:
    rivers = entity(api, "Sam Rivers")
    r = api.patch(f"{API}/entities/{rivers['id']}", json={"type": "weapon"}, headers=AUTH)
    assert r.status_code == 422
    assert "type must be one of" in r.json()["detail"][0]["msg"]
    assert api.patch(f"{API}/entities/999", json={"name": "x"}, headers=AUTH).status_code == 404


def test_merge_then_the_old_id_answers_308(api: TestClient) -> None:
    anbar, baghdad = entity(api, "Anbar"), entity(api, "Baghdad")
    r = api.post(f"{API}/entities/{anbar['id']}/merge", json={"into": baghdad["id"]},
                 headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == baghdad["id"]
    assert {m["text"] for m in r.json()["mentions"]} == {"Baghdad", "Anbar"}
    for url in (f"{API}/entities/{anbar['id']}", f"/articles/sample/entities/{anbar['id']}"):
        moved = api.get(url, follow_redirects=False)
        assert moved.status_code == 308
        assert moved.headers["location"].endswith(f"/entities/{baghdad['id']}")
    undo_last(api)
    assert entity(api, "Anbar")["mentions"]


def test_merge_into_itself_is_422(api: TestClient) -> None:
    anbar = entity(api, "Anbar")
    r = api.post(f"{API}/entities/{anbar['id']}/merge", json={"into": anbar["id"]},
                 headers=AUTH)
    assert r.status_code == 422


def test_delete_last_mention_then_entity_is_410(api: TestClient) -> None:
    baghdad = entity(api, "Baghdad")
    r = api.delete(f"{API}/mentions/{baghdad['mentions'][0]['id']}", headers=AUTH)
    assert r.status_code == 204
    assert api.get(f"{API}/entities/{baghdad['id']}").status_code == 410
    assert api.get(f"/articles/sample/entities/{baghdad['id']}").status_code == 410
    assert api.delete(f"{API}/mentions/{baghdad['mentions'][0]['id']}",
                      headers=AUTH).status_code == 404
    undo_last(api)
    assert entity(api, "Baghdad")["mentions"][0]["text"] == "Baghdad"


def test_add_mention_new_entity_and_existing(api: TestClient) -> None:
    start = SAMPLE.index("Officials")
    r = api.post(f"{API}/mentions", json={"start": start, "end": start + 9, "new_entity": {
        "name": "Iraqi officials", "type": "actor", "kind": "officials"}}, headers=AUTH)
    assert r.status_code == 201, r.text
    assert (r.json()["text"], r.json()["source"]) == ("Officials", "editor")
    created = api.get(f"{API}/entities/{r.json()['entity_id']}").json()
    assert (created["name"], created["source"]) == ("Iraqi officials", "editor")
    start = SAMPLE.index("the resident said")
    rivers = entity(api, "Sam Rivers")
    r = api.post(f"{API}/mentions", json={"start": start, "end": start + 12,
                                           "entity_id": rivers["id"]}, headers=AUTH)
    assert r.status_code == 201 and r.json()["entity_id"] == rivers["id"]
    undo_last(api)
    assert "the resident" not in [m["text"] for m in entity(api, "Sam Rivers")["mentions"]]


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [(-5, 3, "outside"), (0, 10**6, "outside"), (2, 8, "inside the word"),
     (SAMPLE.index("Sam Rivers"), SAMPLE.index("Sam Rivers") + 10, "overlaps")],
)
def test_add_mention_refusals_are_422_with_reason(api: TestClient, start: int, end: int,
                                                  reason: str) -> None:
    anbar = entity(api, "Anbar")
    r = api.post(f"{API}/mentions", json={"start": start, "end": end,
                                           "entity_id": anbar["id"]}, headers=AUTH)
    assert r.status_code == 422
    assert reason in r.json()["detail"][0]["msg"]
    assert log(api) == []


def test_link_mention(api: TestClient) -> None:
    anbar, baghdad = entity(api, "Anbar"), entity(api, "Baghdad")
    mention = anbar["mentions"][0]
    r = api.patch(f"{API}/mentions/{mention['id']}", json={"entity_id": baghdad["id"]},
                  headers=AUTH)
    assert r.status_code == 200 and r.json()["entity_id"] == baghdad["id"]
    assert r.json()["source"] == "editor"


def test_quote_speaker_kind_and_undo(api: TestClient) -> None:
    before = snapshot(api)
    quote = next(q for q in api.get(f"{API}/quotes").json() if q["speaker_id"] is None)
    rivers = entity(api, "Sam Rivers")
    r = api.patch(f"{API}/quotes/{quote['id']}", json={"speaker_id": rivers["id"],
                                                         "kind": "partial"}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert (r.json()["speaker_name"], r.json()["kind"], r.json()["source"]) == (
        "Sam Rivers", "partial", "editor")
    r = api.patch(f"{API}/quotes/{quote['id']}", json={"speaker_id": None,
                                                         "speaker_description": "a shopkeeper"},
                  headers=AUTH)
    assert r.json()["speaker_description"] == "a shopkeeper" and r.json()["speaker_id"] is None
    assert api.patch(f"{API}/quotes/{quote['id']}", json={"kind": "sung"},
                     headers=AUTH).status_code == 422
    assert api.patch(f"{API}/quotes/nope", json={"kind": "partial"},
                     headers=AUTH).status_code == 404
    undo_last(api)
    undo_last(api)
    assert snapshot(api) == before


def test_add_and_delete_role(api: TestClient) -> None:
    rivers, police = entity(api, "Sam Rivers"), entity(api, "Ramadi police")
    start = SAMPLE.index("Rivers spoke")
    r = api.post(f"{API}/entities/{rivers['id']}/roles", json={
        "title": "spokesman", "organisation_id": police["id"], "start": start,
        "end": start + 26}, headers=AUTH)
    assert r.status_code == 201, r.text
    assert (r.json()["title"], r.json()["organisation_name"], r.json()["source"]) == (
        "spokesman", "Ramadi police", "editor")
    role_id = r.json()["id"]
    r = api.delete(f"{API}/entities/{rivers['id']}/roles/{role_id}", headers=AUTH)
    assert r.status_code == 204
    assert [x["title"] for x in entity(api, "Sam Rivers")["roles"]] == ["Col."]
    assert api.delete(f"{API}/entities/{rivers['id']}/roles/{role_id}",
                      headers=AUTH).status_code == 404


def test_stale_version_is_409_with_reason(api: TestClient) -> None:
    version = api.get(API).json()["edit_version"]
    rivers = entity(api, "Sam Rivers")
    first = api.patch(f"{API}/entities/{rivers['id']}", json={"name": "A", "version": version},
                      headers=AUTH)
    assert first.status_code == 200
    assert first.headers["x-edit-version"] == str(version + 1)
    second = api.patch(f"{API}/entities/{rivers['id']}", json={"name": "B", "version": version},
                       headers=AUTH)
    assert second.status_code == 409
    assert "another editor" in second.json()["detail"]
    assert entity(api, "A")["name"] == "A"


def test_unknown_fields_and_bad_bodies_are_422(api: TestClient) -> None:
    rivers = entity(api, "Sam Rivers")
    for body in ({"nmae": "x"}, {"name": ""}, {}, {"name": 5}):
        r = api.patch(f"{API}/entities/{rivers['id']}", json=body, headers=AUTH)
        assert r.status_code == 422, body
    assert api.delete(f"{API}/corrections/12345", headers=AUTH).status_code == 404
    assert api.get(f"{API}/corrections/12345").status_code == 404
    assert api.get("/api/articles/none/corrections").status_code == 404


def test_annotations_export_names_who_made_each_annotation(api: TestClient) -> None:
    anbar = entity(api, "Anbar")
    api.patch(f"{API}/entities/{anbar['id']}", json={"kind": "governorate"}, headers=AUTH)
    items = api.get(f"{API}/annotations").json()["first"]["items"]
    by_editor = [a for a in items if a["creator"]["type"] == "Person"]
    assert by_editor and {a["body"][0]["value"] for a in by_editor} == {"Anbar"}
    assert all(a["creator"]["type"] == "Software" for a in items if a not in by_editor)
    assert all(a["generator"]["type"] == "Software" for a in items)
    assert all(a["motivation"] in ("identifying", "highlighting") for a in items)
