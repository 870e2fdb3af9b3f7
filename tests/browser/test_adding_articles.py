"""The editor's path in real Chromium, keyboard and no script needed: sign in, upload two
files, follow the self-refreshing batch page to the new articles, delete one, find the other
by searching the library and open a library entity page."""

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, PageErrors
from tests.conftest import ADMIN_TOKEN

pytestmark = pytest.mark.browser

FALLUJAH = """Tribal fighters and police defended Fallujah's northern districts on Wednesday, \
a local council member said.

The Islamic State attacked the Jolan neighbourhood at dawn with car bombs."""

HADITHA_PAGE = """<!doctype html><html><head><title>Haditha holds out</title></head><body>
<nav>Home | World | Middle East | Sign up for our newsletter</nav>
<article><h1>Haditha holds out</h1>
<p>Jaghaifi tribesmen and Iraqi soldiers kept Haditha dam under their control on Thursday, \
commanders said.</p>
<p>Supplies reached the town by helicopter from the Ain al-Asad air base.</p></article>
<footer>© 2015 Example News</footer><script>track()</script></body></html>"""


def test_sign_in_upload_two_files_and_follow_the_batch(
    page: Any, live_server: LiveServer, tmp_path: Path, page_errors: PageErrors
) -> None:
    text_file = tmp_path / "fallujah.txt"
    text_file.write_text(FALLUJAH, encoding="utf-8")
    web_page = tmp_path / "haditha.html"
    web_page.write_text(HADITHA_PAGE, encoding="utf-8")

    page.goto(live_server.url("/articles/new"))
    expect(page).to_have_url(re.compile(r"/login\?next=%2Farticles%2Fnew$"))
    page.get_by_label("Admin token").fill("not the token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not the admin token")
    # The refused sign-in is answered 401, which Chromium logs: expected, and only that.
    assert page_errors.messages == [
        "Failed to load resource: the server responded with a status of 401 (Unauthorized)"]
    page_errors.messages.clear()
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url("/articles/new"))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "newsreader_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    page.get_by_label("Or upload files").set_input_files([str(text_file), str(web_page)])
    page.get_by_role("button", name="Add article").click()
    expect(page).to_have_url(re.compile(r"/batches/[\w-]+$"))
    # The page reloads itself (a Refresh header, no script) until extraction is done.
    expect(page.get_by_role("heading", name="Files added")).to_be_visible(timeout=120_000)
    items = page.locator(".batch-list li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Done")
    expect(items.nth(1)).to_contain_text("Done")

    page.get_by_role("link", name="haditha.html").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Haditha holds out")
    expect(page.locator("#article-text")).to_contain_text("Ain al-Asad air base")
    expect(page.locator("#article-text")).not_to_contain_text("newsletter")
    expect(page.locator("mark[data-type]").first).to_be_visible()  # names were found
    page.go_back()
    page.get_by_role("link", name="fallujah.txt").click()
    expect(page.locator("#article-text")).to_contain_text("at dawn with car bombs")
    fallujah = page.url

    # Delete it, with a confirmation step.
    page.get_by_role("link", name="Delete this article").click()
    page.get_by_role("button", name="Delete article").click()
    expect(page).to_have_url(live_server.url("/"))
    assert httpx.get(fallujah).status_code == 404

    # The new article is in the library: search from the header, open an entity found in it.
    box = page.get_by_role("searchbox", name="Search the library")
    box.fill("Haditha dam")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=Haditha\+dam$"))
    results = page.get_by_role("region", name="Articles")
    expect(results.get_by_role("link", name="Haditha holds out")).to_be_visible()
    page.get_by_role("region", name="Entities").get_by_role("link", name="Haditha dam").click()
    expect(page).to_have_url(re.compile(r"/entities/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Haditha dam")
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Haditha holds out")

    haditha = next(a for a in httpx.get(live_server.url("/api/articles")).json()
                   if a["title"] == "Haditha holds out")
    deleted = httpx.delete(live_server.url(f"/api/articles/{haditha['slug']}"),
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert deleted.status_code == 204  # leave the shared database as the other tests expect
