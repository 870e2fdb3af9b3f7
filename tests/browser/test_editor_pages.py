"""The editor's pages in real Chromium: axe-core finds no violation on the sign-in, add-article,
delete-confirmation and batch pages, nor on the editing forms of an entity's page and of a
library entity's page; an editor's mention is marked in the text by a shape, not colour alone.
"""

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.browser.test_editing import editing_server, entities
from tests.browser.test_reader import AXE, api
from tests.conftest import ADMIN_TOKEN

pytestmark = pytest.mark.browser

__all__ = ["editing_server"]  # the fixture

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_on_the_sign_in_add_delete_and_batch_pages(
    live_server: LiveServer, context_factory: Any, scheme: str
) -> None:
    # axe is injected as an inline script, which the pages' CSP rightly forbids: bypass it.
    page = context_factory(bypass_csp=True, color_scheme=scheme).new_page()
    checked: dict[str, list[dict[str, Any]]] = {}
    page.goto(live_server.url("/login"))
    checked["login"] = axe_violations(page)
    sign_in(page, live_server.base_url)
    page.goto(live_server.url("/articles/new"))
    expect(page.get_by_label("Article text")).to_be_visible()
    checked["add article"] = axe_violations(page)
    page.goto(live_server.url("/articles/sample/delete"))
    expect(page.get_by_role("button", name="Delete article")).to_be_visible()
    checked["delete confirmation"] = axe_violations(page)
    # Two files that cannot become articles: a batch page with reasons, and nothing stored.
    page.goto(live_server.url("/articles/new"))
    page.get_by_label("Or upload files").set_input_files([
        {"name": "latin1.txt", "mimeType": "text/plain",
         "buffer": "Café in Ramadi".encode("latin-1")},
        {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"},
    ])
    page.get_by_role("button", name="Add article").click()
    expect(page).to_have_url(re.compile(r"/batches/[\w-]+$"))
    expect(page.locator(".batch-list li")).to_have_count(2)
    checked["batch"] = axe_violations(page)
    assert checked == {k: [] for k in checked}, json.dumps(checked, indent=1)


def test_axe_on_an_editors_entity_and_library_entity_pages(
    live_server: LiveServer, context_factory: Any
) -> None:
    page = context_factory(bypass_csp=True).new_page()
    sign_in(page, live_server.base_url)
    rivers = next(e for e in api(live_server, "/api/articles/sample/entities")
                  if e["name"] == "Sam Rivers")
    checked: dict[str, list[dict[str, Any]]] = {}
    page.goto(live_server.url(f"/articles/sample/entities/{rivers['id']}?mark=Rivers"))
    expect(page.get_by_role("group", name=re.compile("Which “Rivers”"))).to_be_visible()
    checked["entity"] = axe_violations(page)
    assert rivers["library_id"]
    page.goto(live_server.url(f"/entities/{rivers['library_id']}?merge_q=Ramadi"))
    expect(page.get_by_label("Merge into…")).to_be_visible()
    checked["library entity"] = axe_violations(page)
    page.goto(live_server.url("/library/corrections"))
    checked["library corrections"] = axe_violations(page)
    assert checked == {k: [] for k in checked}, json.dumps(checked, indent=1)


def test_an_editors_mention_is_marked_by_a_pen_and_said(editing_server: str,
                                                        browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, editing_server)
    anbar = entities(editing_server)["Anbar"]
    page.goto(f"{editing_server}/articles/sample/entities/{anbar['id']}")
    page.get_by_label("Words to mark, as the article writes them").fill("Officials")
    page.get_by_role("button", name="Find in the article").click()
    page.get_by_label("A mention of").select_option(label="A new entity, named below")
    page.get_by_label("New entity’s type").select_option(label="Actor")
    page.get_by_role("button", name="Mark as a mention").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Officials")
    expect(page.locator(".kwic .edited-note")).to_contain_text("Marked by an editor on")

    page.goto(f"{editing_server}/articles/sample")
    mark = page.locator("mark.mention", has_text=re.compile("^Officials$"))
    expect(mark).to_have_attribute("data-source", "editor")
    after = mark.evaluate("m => getComputedStyle(m, '::after').content")
    assert "✎" in after and "marked by an editor" in after, after
    auto = page.locator("mark.mention", has_text=re.compile("^Baghdad$")).first
    assert "✎" not in auto.evaluate("m => getComputedStyle(m, '::after').content")
    mark.click()
    panel = page.locator("#entity-panel")
    expect(panel).to_be_visible()
    expect(page.locator("#panel-edited")).to_contain_text("edited by an editor on")
    expect(page.locator("#panel-mentions")).to_contain_text("(marked by an editor on")
    context.close()
