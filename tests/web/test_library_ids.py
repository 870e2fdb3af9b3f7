"""Every URL that takes a library entity id answers alike: 308 to the survivor for an id an
editor merged away (the rest of the query kept), 410 Gone for an id whose last article was
deleted, 404 for an id never given out."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.db import session_scope
from tests.conftest import ADMIN_TOKEN
from tests.web.test_library_web import _delete, _library_id, library_client

__all__ = ["library_client"]  # the fixture

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
NEVER = 999_999

# Each URL that reads a library entity, as a function of its id, with a query of its own
# that a redirect must keep.
READS = {
    "entity JSON": lambda i: f"/api/entities/{i}?limit=5",
    "entity page": lambda i: f"/entities/{i}?page=1",
    "home page filter": lambda i: f"/?entity={i}&page=1",
    "article list JSON": lambda i: f"/api/library/articles?entity={i}&limit=10&offset=0",
    "entity's corrections JSON": lambda i: f"/api/entities/{i}/corrections?limit=20",
}


def _same_url(got: str, wanted: str) -> bool:
    a, b = urlsplit(got), urlsplit(wanted)
    return a.path == b.path and sorted(parse_qsl(a.query)) == sorted(parse_qsl(b.query))


def _merge(client: TestClient, away: int, into: int) -> int:
    done = client.post(f"/api/entities/{away}/merge", json={"into": into}, headers=AUTH)
    assert done.status_code == 200, done.text
    return int(done.headers["X-Correction-Id"])


@pytest.mark.parametrize("name", READS)
def test_a_merged_away_id_redirects_to_its_survivor(library_client: TestClient,
                                                     name: str) -> None:
    c = library_client
    nasser = _library_id(c, "Nasser al-Alwani")
    omar = _library_id(c, "Omar al-Alwani")
    _merge(c, omar, nasser)
    url = READS[name]
    moved = c.get(url(omar), follow_redirects=False)
    assert moved.status_code == 308, (name, moved.status_code, moved.text)
    assert _same_url(moved.headers["location"], url(nasser)), moved.headers["location"]
    assert str(nasser) in moved.json()["detail"]
    landed = c.get(url(omar))
    assert landed.status_code == 200
    assert landed.url.path == urlsplit(url(nasser)).path


def test_the_article_list_of_a_merged_away_id_lists_the_survivors_articles(
    library_client: TestClient,
) -> None:
    """The JSON twin of /?entity= once answered an empty list for a merged-away id."""
    c = library_client
    nasser = _library_id(c, "Nasser al-Alwani")
    omar = _library_id(c, "Omar al-Alwani")
    before = c.get("/api/library/articles", params={"entity": omar}).json()
    assert [a["slug"] for a in before["items"]] == ["mosul-shelled"]
    _merge(c, omar, nasser)
    after = c.get("/api/library/articles", params={"entity": omar})
    assert after.history and after.history[0].status_code == 308
    assert after.json()["total"] == 2
    assert {a["slug"] for a in after.json()["items"]} == {"ramadi-falls", "mosul-shelled"}
    home = c.get("/", params={"entity": omar})
    assert home.status_code == 200 and home.url.params["entity"] == str(nasser)
    assert "ramadi-falls" in home.text and "mosul-shelled" in home.text


def test_a_chain_of_merges_redirects_in_one_step_and_logs_every_merge(
    library_client: TestClient,
) -> None:
    c = library_client
    nasser = _library_id(c, "Nasser al-Alwani")
    omar = _library_id(c, "Omar al-Alwani")
    group = _library_id(c, "Islamic State")
    first = _merge(c, omar, nasser)
    second = _merge(c, nasser, group)
    for url in READS.values():
        moved = c.get(url(omar), follow_redirects=False)
        assert moved.status_code == 308
        assert _same_url(moved.headers["location"], url(group)), "straight to the end"
    log = c.get(f"/api/entities/{omar}/corrections").json()
    assert {e["id"] for e in log["items"]} == {first, second}
    # Undoing the second merge: Nasser is its own again; Omar now leads to Nasser.
    assert c.delete(f"/api/library/corrections/{second}", headers=AUTH).status_code == 204
    moved = c.get(f"/api/entities/{omar}", follow_redirects=False)
    assert moved.headers["location"] == f"/api/entities/{nasser}"
    assert c.get(f"/api/entities/{nasser}", follow_redirects=False).status_code == 200


@pytest.mark.parametrize("name", READS)
def test_a_vanished_id_is_gone_and_an_unknown_one_not_found(
    library_client: TestClient, session_factory: sessionmaker[Session], name: str
) -> None:
    c = library_client
    ramadi = _library_id(c, "Ramadi")
    url = READS[name]
    assert c.get(url(ramadi)).status_code == 200
    with session_scope(session_factory) as session:
        assert _delete(session, "ramadi-falls")
    gone = c.get(url(ramadi), follow_redirects=False)
    assert gone.status_code == 410, (name, gone.status_code)
    assert "gone" in gone.text
    missing = c.get(url(NEVER), follow_redirects=False)
    assert missing.status_code == 404, (name, missing.status_code)
    if not url(ramadi).startswith("/api/"):
        page = c.get(url(ramadi), headers={"Accept": "text/html"})
        assert "<h1>Gone</h1>" in page.text and "no article names it now" in page.text


def test_writes_on_a_merged_away_vanished_or_unknown_id_are_refused_with_the_reason(
    library_client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """A write is not replayed on the survivor (that would widen an editor's merge without
    them seeing it): 409 naming the survivor, 410, 404."""
    c = library_client
    nasser = _library_id(c, "Nasser al-Alwani")
    omar = _library_id(c, "Omar al-Alwani")
    ramadi = _library_id(c, "Ramadi")
    mosul = _library_id(c, "Mosul")
    _merge(c, omar, nasser)
    with session_scope(session_factory) as session:
        assert _delete(session, "ramadi-falls")
    for path in ("/api/entities/{}/merge", "/api/entities/{}/detach"):
        body = {"into": mosul} if path.endswith("merge") else {"article_entity_id": 1}
        refused = c.post(path.format(omar), json=body, headers=AUTH)
        assert refused.status_code == 409 and f"merged into {nasser}" in refused.text
        assert c.post(path.format(ramadi), json=body, headers=AUTH).status_code == 410
        assert c.post(path.format(NEVER), json=body, headers=AUTH).status_code == 404
