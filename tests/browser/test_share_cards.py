"""Every quote of the served bundled article has a share card a crawler can fetch: the
quote page's og:image is an absolute URL on the public address that answers with a
1200×630 PNG (and the quote page itself renders it in Chromium without errors)."""

import io
import re
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

CRAWLER = {"User-Agent": "facebookexternalhit/1.1", "Accept": "*/*"}


def test_every_quote_page_has_a_fetchable_card(live_server: LiveServer, page: Any) -> None:
    quotes = httpx.get(live_server.url("/api/articles/ramadi/quotes")).json()
    shared = [q for q in quotes if q["kind"] != "term"]
    assert shared
    fetched = 0
    for q in quotes:
        html = httpx.get(live_server.url(q["url"]), headers=CRAWLER).text
        found = re.search(r'<meta property="og:image" content="([^"]+)"', html)
        if q["kind"] == "term":
            assert found is None
            continue
        assert found is not None, q["url"]
        image_url = found[1].replace("&amp;", "&")
        assert image_url.startswith(live_server.base_url + "/")
        response = httpx.get(image_url, headers=CRAWLER)
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(response.content)).size == (1200, 630)
        fetched += 1
    print(f"ramadi: {fetched}/{len(shared)} quote cards fetched")
    assert fetched == len(shared)
    page.goto(live_server.url(shared[0]["url"]))
    card = page.locator('meta[property="og:image"]').get_attribute("content")
    assert page.request.get(card).status == 200
