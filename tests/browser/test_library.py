"""The library in real headless Chromium: search from the header on any page, follow an
entity result to its library page, and from the reader's panel to the same page."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_search_from_the_header_then_open_a_library_entity(live_server: LiveServer,
                                                           page: Any) -> None:
    page.goto(live_server.url("/articles/ramadi"))
    box = page.get_by_role("searchbox", name="Search the library")
    box.fill("Ramadi")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=Ramadi$"))
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()
    expect(page.locator(".snippet mark").first).to_have_text(re.compile("Ramadi", re.I))
    entities = page.get_by_role("region", name="Entities")
    entities.get_by_role("link", name="Ramadi").first.click()
    expect(page).to_have_url(re.compile(r"/entities/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ramadi")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    timeline = page.locator(".timeline li")
    assert timeline.count() >= 1
    library_url = page.url

    # The reader's side panel links to the same library entity ("In N articles").
    page.goto(live_server.url("/articles/ramadi"))
    page.locator("mark.mention", has_text=re.compile("^Ramadi$")).first.click()
    link = page.locator("#panel-library-link")
    expect(link).to_be_visible()
    expect(link).to_have_text(re.compile(r"^In \d+ articles?$"))
    link.click()
    expect(page).to_have_url(library_url)


def test_hostile_search_strings_answer_a_page(live_server: LiveServer, page: Any) -> None:
    for query in ['"unbalanced', "NEAR(", "*", "-", "<script>alert(1)</script>"]:
        response = page.goto(live_server.url("/search?q=") + query.replace(" ", "%20"))
        assert response is not None and response.status in (200, 422), query
        expect(page.get_by_role("heading", level=1)).to_have_text("Search")
