"""Correcting the library without JavaScript: the forms on a library entity's page, the
library's corrections page, and what readers see of editors' corrections."""

import re

from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in
from tests.web.test_library_web import _library_id, library_client

__all__ = ["library_client"]  # the fixture


def _form_actions(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="([^"]+)"', html)


def test_readers_get_no_forms(library_client: TestClient) -> None:
    nasser = _library_id(library_client, "Nasser al-Alwani")
    page = library_client.get(f"/entities/{nasser}").text
    assert _form_actions(page) == []
    assert "Merge into" not in page and "Detach" not in page
    log = library_client.get("/library/corrections")
    assert log.status_code == 200 and "No corrections yet" in log.text
    anonymous = library_client.post(f"/entities/{nasser}/merge", data={"into": "1"},
                                    follow_redirects=False)
    assert anonymous.status_code == 401


def test_merge_by_list_or_by_id_detach_and_undo_by_forms(library_client: TestClient) -> None:
    c = library_client
    nasser = _library_id(c, "Nasser al-Alwani")
    omar = _library_id(c, "Omar al-Alwani")
    islamic = _library_id(c, "Islamic State")
    sign_in(c)
    page = c.get(f"/entities/{omar}").text
    csrf = csrf_of(page)
    assert f'action="/entities/{omar}/merge"' in page
    assert re.search(rf'<option value="{nasser}">Nasser al-Alwani \(Actor', page), \
        "the list offers entities of its type"
    assert '<label for="merge-q">' in page and '<label for="merge-into-id">' in page
    found = c.get(f"/entities/{omar}", params={"merge_q": "daesh"}).text
    assert f'<option value="{islamic}">Islamic State' in found
    assert f'<option value="{nasser}">' not in found, "the search narrows the list"

    without_csrf = c.post(f"/entities/{omar}/merge", data={"into": str(nasser)},
                          follow_redirects=False)
    assert without_csrf.status_code == 403
    nothing = c.post(f"/entities/{omar}/merge", data={"csrf_token": csrf, "into": ""},
                     follow_redirects=False)
    assert nothing.status_code == 422 and "choose the entity" in nothing.text
    bad = c.post(f"/entities/{omar}/merge", data={"csrf_token": csrf, "into_id": "x1"},
                 follow_redirects=False)
    assert bad.status_code == 422 and "is not a library entity" in bad.text
    merged = c.post(f"/entities/{omar}/merge",
                    data={"csrf_token": csrf, "into": "", "into_id": f" {nasser} "},
                    follow_redirects=False)
    assert merged.status_code == 303 and merged.headers["location"] == f"/entities/{nasser}"
    survivor = c.get(f"/entities/{nasser}").text
    assert "Omar al-Alwani was merged into this entity by an editor on" in survivor
    assert 'action="/library/corrections/' in survivor, "its log has an undo button"
    again = c.post(f"/entities/{omar}/merge", data={"csrf_token": csrf, "into": str(nasser)},
                   follow_redirects=False)
    assert again.status_code == 409

    # Detach the Mosul article's Nasser (and Omar, now merged) into an entity of its own.
    assert f'action="/entities/{nasser}/detach"' in survivor
    entity_ids = re.findall(r'name="article_entity_id" value="(\d+)"', survivor)
    assert len(entity_ids) == 3  # Nasser in two articles, Omar in one
    detached = c.post(f"/entities/{nasser}/detach",
                      data={"csrf_token": csrf, "article_entity_id": entity_ids[0]},
                      follow_redirects=False)
    assert detached.status_code == 303
    own = detached.headers["location"]
    assert re.fullmatch(r"/entities/\d+", own) and own != f"/entities/{nasser}"
    own_page = c.get(own).text
    assert "was detached into this entity by an editor on" in own_page

    log = c.get("/library/corrections").text
    assert log.count('class="correction correction-applied"') == 2
    merge_id = re.findall(r'action="/library/corrections/(\d+)/undo"', log)[-1]
    undone = c.post(f"/library/corrections/{merge_id}/undo",
                    data={"csrf_token": csrf, "back": f"/entities/{nasser}"},
                    follow_redirects=False)
    assert undone.status_code == 303 and undone.headers["location"] == f"/entities/{nasser}"
    assert c.get(f"/entities/{omar}", follow_redirects=False).status_code == 200
    assert "correction-undone" in c.get("/library/corrections").text
