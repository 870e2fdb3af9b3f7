"""Editing without JavaScript: forms on the entity and quote pages, the corrections page with
undo, and the readers' "edited" note."""

import json
import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_TOKEN
from tests.web.conftest import SAMPLE

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def editor(client: TestClient, store_article) -> TestClient:  # type: ignore[no-untyped-def]
    store_article()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = client.post("/login", data={"token": ADMIN_TOKEN, "csrf_token": token.group(1)},
                    follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    return client


def csrf(client: TestClient, url: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert found is not None
    return found.group(1)


def entity_id(client: TestClient, name: str) -> int:
    return next(e["id"] for e in client.get("/api/articles/sample/entities").json()
                if e["name"] == name)


def test_readers_see_no_forms_and_forms_need_csrf(client: TestClient, store_article) -> None:  # type: ignore[no-untyped-def]
    store_article()
    rivers = entity_id(client, "Sam Rivers")
    page = client.get(f"/articles/sample/entities/{rivers}")
    assert "Correct this entity" not in page.text
    r = client.post(f"/articles/sample/entities/{rivers}/edit", data={"name": "X"},
                    follow_redirects=False)
    assert r.status_code == 401


def test_rename_by_form_shows_edited_and_undo_from_corrections_page(editor: TestClient) -> None:
    rivers = entity_id(editor, "Sam Rivers")
    url = f"/articles/sample/entities/{rivers}"
    page = editor.get(url)
    assert "Correct this entity" in page.text and "Merge into…" in page.text
    r = editor.post(f"{url}/edit", data={"name": "Samuel Rivers", "type": "actor",
                                         "kind": "person", "csrf_token": csrf(editor, url)},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == url
    page = editor.get(url)
    assert "<h1>Samuel Rivers</h1>" in page.text and "Edited by an editor on" in page.text
    log = editor.get("/articles/sample/corrections")
    assert "Changed an entity" in log.text and "Sam Rivers → Samuel Rivers" in log.text
    (c,) = editor.get("/api/articles/sample/corrections").json()
    r = editor.post(f"/articles/sample/corrections/{c['id']}/undo",
                    data={"csrf_token": csrf(editor, "/articles/sample/corrections")},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "<h1>Sam Rivers</h1>" in editor.get(url).text
    assert "Edited by an editor" not in editor.get(url).text


def test_not_an_entity_link_and_merge_by_form(editor: TestClient) -> None:
    anbar, baghdad = entity_id(editor, "Anbar"), entity_id(editor, "Baghdad")
    url = f"/articles/sample/entities/{anbar}"
    mentions = editor.get(f"/api/articles/sample/entities/{anbar}").json()["mentions"]
    r = editor.post(f"/articles/sample/mentions/{mentions[0]['id']}/delete",
                    data={"csrf_token": csrf(editor, url)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == url
    r = editor.post(f"/articles/sample/mentions/{mentions[1]['id']}/link",
                    data={"entity_id": str(baghdad), "csrf_token": csrf(editor, url)},
                    follow_redirects=False)
    assert r.status_code == 303
    assert editor.get(url, follow_redirects=False).status_code == 308  # merged away by linking
    ramadi = entity_id(editor, "Ramadi")
    burl = f"/articles/sample/entities/{baghdad}"
    r = editor.post(f"{burl}/merge", data={"into": str(ramadi), "csrf_token": csrf(editor, burl)},
                    follow_redirects=False)
    assert r.headers["location"] == f"/articles/sample/entities/{ramadi}"
    statuses = [c["action"] for c in editor.get("/api/articles/sample/corrections").json()]
    assert statuses == ["merge_entities", "link_mention", "delete_mention"]


def test_change_speaker_by_form(editor: TestClient) -> None:
    quote = next(q for q in editor.get("/api/articles/sample/quotes").json()
                 if q["speaker_id"] is None)
    url = f"/articles/sample/quotes/{quote['id']}"
    assert "Change speaker" in editor.get(url).text
    rivers = entity_id(editor, "Sam Rivers")
    r = editor.post(f"{url}/edit", data={"speaker_id": str(rivers), "kind": quote["kind"],
                                         "csrf_token": csrf(editor, url)},
                    follow_redirects=False)
    assert r.status_code == 303
    page = editor.get(url).text
    assert "Sam Rivers" in page and "Edited by an editor on" in page


def test_a_refused_form_says_why(editor: TestClient) -> None:
    rivers = entity_id(editor, "Sam Rivers")
    url = f"/articles/sample/entities/{rivers}"
    r = editor.post(f"{url}/edit", data={"type": "weapon", "csrf_token": csrf(editor, url)},
                    headers={"Accept": "text/html"})
    assert r.status_code == 422 and "type must be one of" in r.text


def test_orphaned_corrections_come_first(editor: TestClient, store_article) -> None:  # type: ignore[no-untyped-def]
    start = SAMPLE.index("the resident said")
    rivers = entity_id(editor, "Sam Rivers")
    editor.post("/api/articles/sample/mentions", json={"start": start, "end": start + 12,
                                                         "entity_id": rivers}, headers=AUTH)
    editor.patch(f"/api/articles/sample/entities/{rivers}", json={"kind": "officer"},
                 headers=AUTH)
    store_article(SAMPLE.replace("the resident said.", "a shopkeeper said."))
    page = editor.get("/articles/sample/corrections").text
    assert page.index("Orphaned") < page.index("Applied")
    assert "1 orphaned" in page


def test_mark_a_mention_without_script_and_readers_see_it_marked(editor: TestClient) -> None:
    baghdad = entity_id(editor, "Baghdad")
    url = f"/articles/sample/entities/{baghdad}"
    page = editor.get(url).text
    assert 'id="mark-words"' in page and 'name="mark"' in page
    missing = editor.get(url, params={"mark": "Basra"}).text
    assert "is not in the article’s text as whole words" in missing
    found = editor.get(url, params={"mark": "officials"}).text  # case as written matters
    assert "is not in the article" in found
    found = editor.get(url, params={"mark": "Officials"}).text
    choices = re.findall(r'name="span" value="(\d+)-(\d+)"', found)
    assert len(choices) == 1
    start, end = map(int, choices[0])
    assert SAMPLE[start:end] == "Officials"
    taken = editor.get(url, params={"mark": "Ramadi"}).text
    assert "(now a mention of Ramadi)" in taken, "an occurrence already marked says so"

    made = editor.post("/articles/sample/mentions/new", data={
        "csrf_token": csrf(editor, url), "span": f"{start}-{end}", "entity_id": "new",
        "name": "Officials", "type": "actor"}, follow_redirects=False)
    assert made.status_code == 303
    officials = made.headers["location"]
    assert "Marked by an editor on" in editor.get(officials).text
    article = editor.get("/articles/sample").text
    mark = re.search(r'<mark id="m-\d+" class="mention mention-actor"[^>]*>Officials</mark>',
                     article)
    assert mark is not None and 'data-source="editor"' in mark.group(0)
    assert 'title="Officials (Actor, actor) — marked by an editor"' in mark.group(0)
    data = re.search(r'<script type="application/json" id="reader-data">(.*?)</script>',
                     article, re.S)
    assert data is not None
    reader = json.loads(data.group(1))
    assert any(e["edited_on"] or any(m["edited_on"] for m in e["mentions"])
               for e in reader["entities"]), "the panel's data dates the editor's mark"
    bad = editor.post("/articles/sample/mentions/new", data={
        "csrf_token": csrf(editor, url), "span": "x-y", "entity_id": str(baghdad)},
        follow_redirects=False)
    assert bad.status_code == 422


def test_add_and_remove_a_role_without_script(editor: TestClient) -> None:
    rivers = entity_id(editor, "Sam Rivers")
    baghdad = entity_id(editor, "Baghdad")
    url = f"/articles/sample/entities/{rivers}"
    page = editor.get(url).text
    sentences = re.findall(r'<option value="(\d+)-(\d+)">', page.split('id="role-sentence"')[1]
                           .split("</select>")[0])
    assert sentences, "the sentences that mention him are offered"
    start, end = sentences[0]
    added = editor.post(f"{url}/roles", data={
        "csrf_token": csrf(editor, url), "title": "Spokesman", "organisation_id": str(baghdad),
        "sentence": f"{start}-{end}"}, follow_redirects=False)
    assert added.status_code == 303
    page = editor.get(url).text
    assert "Spokesman" in page and "Added by an editor on" in page
    role = next(r for r in editor.get(f"/api/articles/sample/entities/{rivers}").json()["roles"]
                if r["title"] == "Spokesman")
    assert role["source"] == "editor"
    removed = editor.post(f"{url}/roles/{role['id']}/delete",
                          data={"csrf_token": csrf(editor, url)}, follow_redirects=False)
    assert removed.status_code == 303
    assert "Spokesman" not in editor.get(url).text
    empty = editor.post(f"{url}/roles", data={"csrf_token": csrf(editor, url), "title": "X"},
                        follow_redirects=False)
    assert empty.status_code == 422
